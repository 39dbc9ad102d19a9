"""A `VirtualPhone` as the ADB server holds it: serial, transport id, files, clipboard, faults."""

from __future__ import annotations

from dataclasses import dataclass, field

from fleetmind.devices.virtual import VirtualPhone

from .files import VirtualFiles

__all__ = ["Handset"]


@dataclass
class Handset:
    """One phone attached to an `AdbServer`.

    adb_state: what `adb devices` says of it: "device", or "unauthorized" / "offline"
        to see how a client handles a phone that refuses it (every service then FAILs).
    hang_dumps: how many of the next `uiautomator dump` runs hang (as a real
        dump stuck on an animating screen does) until the client gives up;
        negative: every one. Set it to test a driver's timeout and fallback.
    hide_window_flags: `dumpsys window` leaves out the `fl=` flag lines, as some
        vendor builds do, so FLAG_SECURE shows only as an all-black capture.
    clipboard: the text the simulated clipboard holds (set by the Clipper
        broadcast `am broadcast -a clipper.set -e text ...`, pasted by
        `input keyevent 279`).
    """

    serial: str
    phone: VirtualPhone
    transport_id: int
    files: VirtualFiles
    clipboard: str = ""
    adb_state: str = "device"
    hang_dumps: int = 0
    hide_window_flags: bool = False
    select_all: bool = False  # after CTRL+A: the next delete or typing replaces the field
    extra_settings: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def attach(cls, serial: str, phone: VirtualPhone, transport_id: int) -> Handset:
        """A handset for `phone` with empty scratch files and clipboard."""
        return cls(serial=serial, phone=phone, transport_id=transport_id, files=VirtualFiles(phone.state))

    def take_hang(self) -> bool:
        """Whether this dump should hang; counts one down."""
        if self.hang_dumps == 0:
            return False
        if self.hang_dumps > 0:
            self.hang_dumps -= 1
        return True
