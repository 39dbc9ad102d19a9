"""Typing on an Android device: the text-entry chain and clearing a field.

Typing any language, first that works:
  1. uiautomator2's `send_keys` (its own keyboard), when uiautomator2 runs on the phone;
  2. for text `input text` cannot type (non-ASCII, control characters): the
     clipboard, set with the Clipper app's broadcast
     (`am broadcast -a clipper.set -e text TEXT`, app `ca.zgrs.clipper`) and
     pasted with `input keyevent 279` (KEYCODE_PASTE);
  3. for printable ASCII: `input text` with spaces as `%s`, newlines as ENTER.
If none applies (non-ASCII, no uiautomator2, no Clipper) typing fails with an
error saying what to install.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..base import DeviceError
from .dumpsys import broadcast_ok, input_text_arg

__all__ = ["KEYCODE_ENTER", "Keyboard"]

log = logging.getLogger(__name__)

KEYCODE_ENTER = 66
KEYCODE_DEL = 67
KEYCODE_PASTE = 279
KEYCODE_MOVE_END = 123

Run = Callable[..., Awaitable[str]]
"""`run(*argv, what=...)`: a shell command whose printed error fails the action."""


class Keyboard:
    """Types into and clears the focused field of one device.

    run: runs a shell command and raises DeviceError on a printed error.
    shell: runs a shell command and returns its output as it is.
    name: the device, for log lines.
    The device sets `u2` (uiautomator2's handle, or None) after connecting, and
    `field_len` (characters known to be in the focused field) when a tap focuses one.
    """

    def __init__(self, run: Run, shell: Callable[..., Awaitable[str]], name: str) -> None:
        self._run = run
        self._shell = shell
        self.name = name
        self.u2: Any = None
        self.field_len: int | None = None

    async def clear(self, focused_len: int | None) -> str:
        """Empty the focused field; `focused_len` is its text length as last observed, if known."""
        if self.u2 is not None:
            try:
                await asyncio.to_thread(self.u2.clear_text)
                return "cleared the field (uiautomator2)"
            except Exception as exc:
                log.info("android %s: uiautomator2 clear_text failed (%s)", self.name, exc)
        count = self.field_len if self.field_len is not None else focused_len if focused_len is not None else 64
        # The cursor goes to the end, then one DEL per character.
        deletes = [str(KEYCODE_DEL)] * max(count, 1)
        await self._run("input", "keyevent", str(KEYCODE_MOVE_END), *deletes, what="clear the field")
        self.field_len = 0
        return f"cleared the field ({count} deletes)"

    async def type(self, text: str) -> str:
        """Type `text` into the focused field through the first method of the chain that can."""
        detail = await self._type(text)
        if self.field_len is not None:
            self.field_len += len(text)
        return detail

    async def submit(self) -> str:
        """Press enter."""
        await self._run("input", "keyevent", str(KEYCODE_ENTER), what="submit")
        return "pressed enter"

    async def _type(self, text: str) -> str:
        if self.u2 is not None:
            try:
                await asyncio.to_thread(self.u2.send_keys, text)
                return f"typed {text!r} (uiautomator2)"
            except Exception as exc:
                log.info("android %s: uiautomator2 send_keys failed (%s); falling back", self.name, exc)
        lines = text.split("\n")
        try:
            args = [input_text_arg(line) for line in lines]
        except ValueError:
            return await self._paste(text)
        for i, arg in enumerate(args):
            if i:
                await self._run("input", "keyevent", str(KEYCODE_ENTER), what="type a newline")
            if arg:
                await self._run("input", "text", arg, what="input text")
        return f"typed {text!r} (input text)"

    async def _paste(self, text: str) -> str:
        out = await self._shell("am", "broadcast", "-a", "clipper.set", "-e", "text", text)
        if not broadcast_ok(out):
            raise DeviceError(
                f"cannot type {text!r}: `input text` types ASCII only, and the clipboard broadcast was not "
                "accepted (install the Clipper app, ca.zgrs.clipper, and open it once), and uiautomator2 is not "
                "running (pip install uiautomator2; use_uiautomator2=None)"
            )
        await self._run("input", "keyevent", str(KEYCODE_PASTE), what="paste")
        return f"typed {text!r} (clipboard paste)"
