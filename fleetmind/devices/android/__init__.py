"""Android over adb: the client that drives any adb device (a phone, an emulator, or a VirtualPhone).

    device = await AndroidDevice("emulator-5554", adb_port=5037).connect()
    obs = await device.observe()
    await device.act(Tap(target=Target(element="e12")))

How fleetmind drives your phone, module by module:
- `device`: `AndroidDevice`, the `Device` contract on top of the modules below;
- `link`: one device on an ADB server through adbutils, with timeouts and clear errors;
- `screen`: the screenshot (withheld on secure screens) and the UI hierarchy dump;
- `uidump`: uiautomator's hierarchy XML into `UIElement`s;
- `dumpsys`: parsing what `dumpsys`, `wm` and `pm` print (focus, FLAG_SECURE, keyboard, screen);
- `keyboard`: typing any language (uiautomator2, the clipboard, `input text`) and clearing fields;
- `gestures`: where swipes start and end;
- `launcher`: opening apps by name and links by URL;
- `apps`: package names and labels, and the sensitive-apps list.
"""

from .device import KEYCODES, AndroidDevice

__all__ = ["KEYCODES", "AndroidDevice"]
