"""MCP tools that drive devices step by step: look at a screen (as text or as an image), do one action.

The orchestrator's API does not hand out raw devices, so these tools drive devices
this process holds (`fleetmind mcp --devices phone:1` or `android:SERIAL`). A screen
the device reports as secure gives no screenshot, and password fields never show
their text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from mcp.server.mcpserver import Image, MCPServer
from pydantic import Field

from ..devices.base import Action, Device, DeviceError, Observation, describe_action

Wrap = Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]
FLAGS = ("clickable", "editable", "checkable", "checked", "scrollable", "focused")


def screen_text(obs: Observation) -> str:
    """The screen as lines an assistant can read and target: `[id] Class "label" (l,t,r,b) flags`."""
    head = (
        f"device {obs.device_id}, app {obs.foreground_app or '?'} ({obs.foreground_package or '?'}),"
        f" screen {obs.screen_width}x{obs.screen_height}"
        + (", keyboard shown" if obs.keyboard_shown else "")
        + (", SECURE (no screenshot)" if obs.secure else "")
    )
    rows = [head]
    for e in obs.elements:
        label = "•••" if e.password and e.text else e.label
        if not label and not (e.clickable or e.editable or e.scrollable):
            continue  # layout containers say nothing and cost tokens
        b = e.bounds
        flags = " ".join(f for f in FLAGS if getattr(e, f))
        rows.append(f"[{e.id}] {e.cls.rsplit('.', 1)[-1]} {label!r} ({b.left},{b.top},{b.right},{b.bottom}) {flags}")
    return "\n".join(rows).rstrip()


def add_device_tools(server: MCPServer[Any], devices: Sequence[Device], wrap: Wrap) -> None:
    """Register `list_local_devices`, `observe_screen`, `screenshot` and `act` for `devices` on `server`."""
    by_id = {d.info.id: d for d in devices}

    def device(device_id: str) -> Device:
        found = by_id.get(device_id)
        if found is None:
            raise DeviceError(f"no device {device_id!r} here; this server drives {', '.join(by_id)}")
        return found

    @server.tool()
    @wrap
    async def list_local_devices() -> list[dict[str, Any]]:
        """The devices the device tools drive: id, kind, platform, screen size, apps."""
        return [d.info.model_dump() for d in devices]

    @server.tool()
    @wrap
    async def observe_screen(
        device_id: Annotated[str, Field(description="A device id from list_local_devices.")],
    ) -> str:
        """The device's screen as text: one line per element, `[id] Class 'label' (left,top,right,bottom) flags`.

        Target an element in `act` by its id (valid for this observation), or by x,y in device pixels."""
        return screen_text(await device(device_id).observe())

    @server.tool()
    @wrap
    async def screenshot(device_id: str) -> Image:
        """A PNG screenshot of the device's screen (none for a secure screen)."""
        obs = await device(device_id).observe()
        if obs.screenshot is None:
            raise DeviceError(f"no screenshot of {device_id}: {obs.screenshot_error or 'the screen is secure'}")
        return Image(data=obs.screenshot, format="png")

    @server.tool()
    @wrap
    async def act(
        device_id: str,
        action: Annotated[
            Action,
            Field(
                description="One action, by `kind`: tap/long_press {target}, swipe {start,end}, scroll {direction},"
                " type_text {text, target?, clear?, submit?}, press_key {key}, launch_app {app}, wait {seconds};"
                " browsers also: drag {start,end}, select_option {target,option}, focus/hover/right_click {target},"
                " hotkey {keys, e.g. 'ctrl+a'}."
                " A target is {element: id from observe_screen} or {x, y} in device pixels."
            ),
        ],
    ) -> dict[str, Any]:
        """Do one action on the device; returns whether it worked and what happened."""
        if action.kind in ("done", "fail", "ask_user"):
            raise DeviceError(f"{action.kind} ends an agent's run; it is not something a device can do")
        target = device(device_id)
        outcome = await target.act(action)
        return {"ok": outcome.ok, "error": outcome.error, "detail": outcome.detail, "action": describe_action(action)}


__all__ = ["add_device_tools", "screen_text"]
