"""The registry of devices the orchestrator knows, and of which agent session drives each."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..protocol.messages import DeviceProfile
from .scheduler import DeviceView


@dataclass
class DeviceEntry:
    """One device: its profile, the session that drives it, and what runs on it."""

    profile: DeviceProfile
    session_id: str
    online: bool = True
    running: set[str] = field(default_factory=set)
    """Wire ids of the attempts running on it."""
    assigned_total: int = 0

    def view(self) -> DeviceView:
        return DeviceView(
            id=self.profile.id,
            kind=self.profile.kind,
            capabilities=frozenset(self.profile.capabilities),
            online=self.online,
            running=len(self.running),
            assigned_total=self.assigned_total,
        )


class Registry:
    """Devices by id. A device that reconnects keeps its entry and its counters."""

    def __init__(self) -> None:
        self._devices: dict[str, DeviceEntry] = {}

    def announce(self, session_id: str, profiles: list[DeviceProfile]) -> list[str]:
        """Register or refresh the devices an agent announced; returns their ids."""
        for p in profiles:
            entry = self._devices.get(p.id)
            if entry is None:
                self._devices[p.id] = DeviceEntry(profile=p, session_id=session_id)
            else:
                entry.profile, entry.session_id, entry.online = p, session_id, True
        return [p.id for p in profiles]

    def set_online(self, session_id: str, online: bool) -> list[DeviceEntry]:
        """Mark every device of a session on- or offline; returns them."""
        entries = [e for e in self._devices.values() if e.session_id == session_id]
        for e in entries:
            e.online = online
        return entries

    def forget(self, device_id: str) -> None:
        """Drop a device whose session has ended for good (it re-registers if it comes back)."""
        self._devices.pop(device_id, None)

    def get(self, device_id: str) -> DeviceEntry | None:
        return self._devices.get(device_id)

    def __getitem__(self, device_id: str) -> DeviceEntry:
        return self._devices[device_id]

    def entries(self) -> list[DeviceEntry]:
        return list(self._devices.values())

    def views(self) -> list[DeviceView]:
        return [e.view() for e in self._devices.values()]

    def profiles(self, *, online_only: bool = True) -> list[DeviceProfile]:
        return [e.profile for e in self._devices.values() if e.online or not online_only]
