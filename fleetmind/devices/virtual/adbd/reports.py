"""What a virtual phone's system services print: dumpsys, getprop, settings, pm.

The formats copy Android 14's closely enough for the parsers people use on
real phones (adbutils' `app_current`, `rotation`, `battery`, `window_size`;
fleetmind's `dumpsys` module) to read them unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fleetmind.devices.virtual.apps import APPS
from fleetmind.devices.virtual.frame import compose
from fleetmind.devices.virtual.ui import SCREEN_H, SCREEN_W, SYSTEMUI_PACKAGE

from .handset import Handset

__all__ = [
    "DENSITY",
    "IME_ID",
    "MappedSetting",
    "SETTINGS",
    "activity_dump",
    "battery_dump",
    "display_dump",
    "getprop",
    "input_method_dump",
    "packages",
    "power_dump",
    "settings_get",
    "settings_put",
    "window_dump",
]

DENSITY = 420
IME_PACKAGE = "com.google.android.inputmethod.latin"
IME_ID = f"{IME_PACKAGE}/com.android.inputmethod.latin.LatinIME"
SYSTEM_PACKAGES = (
    "android",
    "com.android.launcher3",
    SYSTEMUI_PACKAGE,
    "com.android.shell",
    "com.google.android.permissioncontroller",
    IME_PACKAGE,
)


def _hash(text: str) -> str:
    # Window and record tokens are object hashes on a real phone; stable ones keep dumps diffable.
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()[1:]


def _full(package: str, activity: str) -> str:
    return package + activity if activity.startswith(".") else activity


def packages(third_party: bool | None = None) -> list[str]:
    """Installed packages, sorted; third_party=True/False keeps only those (pm -3 / -s)."""
    apps = [a.package for a in APPS]
    system = [*SYSTEM_PACKAGES, *(p for p in apps if p.startswith(("com.android.", "com.google.android.")))]
    third = [p for p in apps if p not in system]
    chosen = system + third if third_party is None else (third if third_party else system)
    return sorted(set(chosen))


def getprop(h: Handset) -> dict[str, str]:
    """System properties of the phone (`getprop`)."""
    return {
        "ro.build.characteristics": "phone",
        "ro.build.fingerprint": "fleetmind/virtual/virtual:14/UP1A.231005.007/1:user/release-keys",
        "ro.build.type": "user",
        "ro.build.version.release": "14",
        "ro.build.version.sdk": "34",
        "ro.debuggable": "0",
        "ro.product.brand": "fleetmind",
        "ro.product.cpu.abi": "x86_64",
        "ro.product.device": "virtual",
        "ro.product.manufacturer": "FleetMind",
        "ro.product.model": "Virtual Phone",
        "ro.product.name": "fleetmind_virtual",
        "ro.secure": "1",
        "ro.serialno": h.serial,
        "ro.sf.lcd_density": str(DENSITY),
        "persist.sys.timezone": "UTC",
        "sys.boot_completed": "1",
    }


def _on(text: str) -> bool:
    return text.strip() not in ("0", "false")


LOCALES: dict[str, str] = {
    "English": "en-US", "Español": "es-ES", "Français": "fr-FR", "Deutsch": "de-DE", "Italiano": "it-IT",
    "Português": "pt-BR", "Nederlands": "nl-NL", "Русский": "ru-RU", "Türkçe": "tr-TR", "العربية": "ar-EG",
    "हिन्दी": "hi-IN", "中文": "zh-CN", "日本語": "ja-JP", "한국어": "ko-KR",
}
"""The Settings app's languages and the locale tag `settings get system system_locales` prints for each."""


def _language(tag: str) -> str:
    for language, known in LOCALES.items():
        if known.casefold() == tag.casefold() or known.split("-")[0] == tag.casefold():
            return language
    raise ValueError(f"unknown locale {tag!r}; use one of {', '.join(LOCALES.values())}")


@dataclass(frozen=True)
class MappedSetting:
    """An Android setting backed by a `PhoneState.settings` attribute."""

    attr: str
    show: Callable[[Any], str]  # the attribute as Android prints it
    parse: Callable[[str], Any]  # Android's text as the attribute's value


SETTINGS: dict[tuple[str, str], MappedSetting] = {
    ("global", "wifi_on"): MappedSetting("wifi", lambda v: str(int(v)), _on),
    ("global", "bluetooth_on"): MappedSetting("bluetooth", lambda v: str(int(v)), _on),
    ("global", "airplane_mode_on"): MappedSetting("airplane_mode", lambda v: str(int(v)), _on),
    # Android stores brightness as 0-255; the phone's Settings app shows percent.
    ("system", "screen_brightness"): MappedSetting(
        "brightness", lambda v: str(round(v * 255 / 100)), lambda s: max(0, min(100, round(int(s) * 100 / 255)))
    ),
    # UiModeManager: 1 = night mode off, 2 = on.
    ("secure", "ui_night_mode"): MappedSetting("dark_theme", lambda v: "2" if v else "1", lambda s: s.strip() == "2"),
    # The media volume in steps (0-15), where Android before 12 kept it; newer phones answer `null`.
    ("system", "volume_music"): MappedSetting("volume", str, lambda s: max(0, min(15, int(s)))),
    # The language as a BCP 47 tag (first of the user's locales), e.g. fr-FR.
    ("system", "system_locales"): MappedSetting(
        "language", lambda v: LOCALES.get(v, "en-US"), lambda s: _language(s.split(",")[0].strip())
    ),
}
"""(namespace, key) -> the phone setting it reads and writes."""


def settings_get(h: Handset, namespace: str, key: str) -> str:
    """`settings get NS KEY`: the mapped phone setting, a stored extra, or `null`."""
    mapped = SETTINGS.get((namespace, key))
    if mapped is not None:
        return mapped.show(getattr(h.phone.state.settings, mapped.attr))
    return h.extra_settings.get((namespace, key), "null")


def settings_put(h: Handset, namespace: str, key: str, value: str) -> None:
    """`settings put NS KEY VALUE`; ValueError if the value does not fit the setting."""
    mapped = SETTINGS.get((namespace, key))
    if mapped is None:
        h.extra_settings[(namespace, key)] = value
        return
    setattr(h.phone.state.settings, mapped.attr, mapped.parse(value))


def window_dump(h: Handset) -> str:
    """`dumpsys window windows`: the window list with flags, then mCurrentFocus / mFocusedApp."""
    frame = compose(h.phone.state)
    component = f"{frame.package}/{_full(frame.package, frame.activity)}"
    focus = f"Window{{{_hash(component)} u0 {component}}}"
    app_flags = "LAYOUT_IN_SCREEN LAYOUT_INSET_DECOR SPLIT_TOUCH HARDWARE_ACCELERATED DRAWS_SYSTEM_BAR_BACKGROUNDS"
    if frame.secure:
        app_flags = app_flags.replace("SPLIT_TOUCH", "SECURE SPLIT_TOUCH")
    windows = [
        ("NavigationBar0", SYSTEMUI_PACKAGE, "NAVIGATION_BAR", "NOT_FOCUSABLE NOT_TOUCH_MODAL SPLIT_TOUCH"),
        ("StatusBar", SYSTEMUI_PACKAGE, "STATUS_BAR", "NOT_FOCUSABLE SPLIT_TOUCH HARDWARE_ACCELERATED"),
    ]
    if frame.keyboard_shown:
        windows.append(("InputMethod", IME_PACKAGE, "INPUT_METHOD", "NOT_FOCUSABLE LAYOUT_IN_SCREEN SPLIT_TOUCH"))
    windows.append((component, frame.package, "BASE_APPLICATION", app_flags))
    lines = ["WINDOW MANAGER WINDOWS (dumpsys window windows)"]
    for i, (name, package, kind, flags) in enumerate(windows):
        lines += [
            f"  Window #{i} Window{{{_hash(name)} u0 {name}}}:",
            f"    mDisplayId=0 rootTaskId=1 mSession=Session{{{_hash(package)} 1234:u0a10{i}}}",
            f"    mOwnerUid=10{100 + i} showForAllUsers=false package={package} appop=NONE",
            f"    mAttrs={{(0,0)(fillxfill) sim={{adjust=resize}} ty={kind} fmt=TRANSLUCENT",
            *([] if h.hide_window_flags else [f"      fl={flags}"]),
            "      pfl=NO_MOVE_ANIMATION}",
            f"    Requested w={SCREEN_W} h={SCREEN_H} mLayoutSeq=42",
            "    isOnScreen=true isVisible=true",
        ]
    short = f"{frame.package}/{frame.activity}"
    lines += [
        "",
        f"  mGlobalConfiguration={{1.0 ?mcc?mnc [en_US] ldltr sw411dp w411dp h914dp {DENSITY}dpi}}",
        f"  mCurrentFocus={focus}",
        f"  mFocusedApp=ActivityRecord{{{_hash(short)} u0 {short} t12}}",
    ]
    return "\n".join(lines) + "\n"


def activity_dump(h: Handset, section: str = "") -> str:
    """`dumpsys activity [activities|top]`: the resumed activity record and the top activity."""
    frame = compose(h.phone.state)
    short = f"{frame.package}/{frame.activity}"
    record = f"ActivityRecord{{{_hash(short)} u0 {short} t12}}"
    if section == "top":
        return (
            "TASK 10012:com.fleetmind id=12 userId=0\n"
            f"  ACTIVITY {short} {_hash(record)} pid={4000 + len(frame.package)}\n"
        )
    return (
        "ACTIVITY MANAGER ACTIVITIES (dumpsys activity activities)\n"
        "Display #0 (activities from top to bottom):\n"
        f"  * Task{{{_hash(frame.package)} #12 type=standard A={frame.package} U=0 visible=true}}\n"
        f"    mResumedActivity: {record}\n"
        f"  ResumedActivity: {record}\n"
    )


def display_dump() -> str:
    """`dumpsys display`: one built-in display, portrait (orientation=0)."""
    return (
        "DISPLAY MANAGER (dumpsys display)\n"
        "  mOnlyCore=false\n"
        "  mViewports=[DisplayViewport{type=INTERNAL, valid=true, isActive=true, displayId=0, "
        "uniqueId='local:4619827259835644672', physicalPort=0, orientation=0, "
        f"logicalFrame=Rect(0, 0 - {SCREEN_W}, {SCREEN_H}), physicalFrame=Rect(0, 0 - {SCREEN_W}, {SCREEN_H}), "
        f"deviceWidth={SCREEN_W}, deviceHeight={SCREEN_H}}}]\n"
        "Display Devices: size=1\n"
        f'  DisplayDeviceInfo{{"Built-in Screen": uniqueId="local:4619827259835644672", {SCREEN_W} x {SCREEN_H}, '
        f"modeId 1, density {DENSITY}, rotation 0}}\n"
        f'    mBaseDisplayInfo=DisplayInfo{{"Built-in Screen", displayId 0, real {SCREEN_W} x {SCREEN_H}, '
        f"rotation 0, density {DENSITY}}}\n"
    )


def battery_dump(h: Handset) -> str:
    """`dumpsys battery`."""
    return (
        "Current Battery Service state:\n"
        "  AC powered: false\n"
        "  USB powered: true\n"
        "  Wireless powered: false\n"
        "  Dock powered: false\n"
        "  Max charging current: 500000\n"
        "  Max charging voltage: 5000000\n"
        "  Charge counter: 2780000\n"
        "  status: 2\n"
        "  health: 2\n"
        "  present: true\n"
        f"  level: {h.phone.state.battery}\n"
        "  scale: 100\n"
        "  voltage: 4012\n"
        "  temperature: 250\n"
        "  technology: Li-ion\n"
    )


def power_dump() -> str:
    """`dumpsys power`: awake, screen on."""
    return (
        "POWER MANAGER (dumpsys power)\n"
        "Power Manager State:\n"
        "  mWakefulness=Awake\n"
        "  mHoldingWakeLockSuspendBlocker=false\n"
        "  mHoldingDisplaySuspendBlocker=true\n"
        "Display Power: state=ON\n"
    )


def input_method_dump(h: Handset) -> str:
    """`dumpsys input_method`: which IME, and whether its window is shown (mInputShown)."""
    frame = compose(h.phone.state)
    shown = "true" if frame.keyboard_shown else "false"
    component = f"{frame.package}/{_full(frame.package, frame.activity)}"
    return (
        "Current Input Method Manager state:\n"
        f"  mCurMethodId={IME_ID}\n"
        f"  mCurFocusedWindow=Window{{{_hash(component)} u0 {component}}}\n"
        "  mCurFocusedWindowSoftInputMode=STATE_UNSPECIFIED|ADJUST_RESIZE\n"
        f"  mInputShown={shown} mShowRequested={shown} mShowExplicitlyRequested=false mShowForced=false\n"
        f"  mIsInputViewShown={shown}\n"
    )
