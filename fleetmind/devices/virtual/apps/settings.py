"""Settings (com.android.settings): toggles, brightness, volume, language."""

from __future__ import annotations

from ..state import PhoneState, ScreenRef
from ..ui import PAD, ROW_H, SCREEN_W, App, Command, Node, Screen, View, box
from ..widgets import RowBuilder, app_bar, button, scroll_list, switch_row, text_view, two_line_row

PACKAGE = "com.android.settings"

TOGGLES: dict[str, str] = {
    "Wi-Fi": "wifi",
    "Bluetooth": "bluetooth",
    "Airplane mode": "airplane_mode",
    "Dark theme": "dark_theme",
}
"""Row label -> `Settings` attribute, for every on/off row."""

LANGUAGES = (
    "English",
    "Español",
    "Français",
    "Deutsch",
    "Italiano",
    "Português",
    "Nederlands",
    "Русский",
    "Türkçe",
    "العربية",
    "हिन्दी",
    "中文",
    "日本語",
    "한국어",
)


def set_toggle(state: PhoneState, attr: str, on: bool) -> str:
    """Turn one on/off setting on or off, with the side effects Android has."""
    setattr(state.settings, attr, on)
    if attr == "airplane_mode" and on:
        # Airplane mode switches the radios off; the user may turn them back on after.
        state.settings.wifi = False
        state.settings.bluetooth = False
    label = next(k for k, v in TOGGLES.items() if v == attr)
    return f"{label} turned {'on' if on else 'off'}"


def toggle(attr: str) -> Command:
    """A command flipping one on/off setting."""
    return lambda state: set_toggle(state, attr, not getattr(state.settings, attr))


def step(attr: str, delta: int, maximum: int) -> Command:
    """A command moving brightness or volume by `delta`, clamped to 0..maximum."""

    def run(state: PhoneState) -> str:
        value = min(maximum, max(0, getattr(state.settings, attr) + delta))
        setattr(state.settings, attr, value)
        return f"{attr} set to {value}"

    return run


def _stepper_row(label: str, attr: str, value: int, maximum: int, top: int, unit: str) -> Node:
    # A label, a "-" button, a SeekBar stand-in (tap anywhere on it to set) and a "+" button.
    small = max(1, maximum // 10)
    lo = label.lower()
    return Node(
        "android.widget.LinearLayout",
        box(0, top, SCREEN_W, top + ROW_H),
        children=(
            text_view(label, box(PAD, top + 24, 330, top + 88), rid="android:id/title"),
            text_view(f"{value}{unit}", box(PAD, top + 92, 330, top + ROW_H - 16), rid="android:id/summary"),
            button(
                "\u2212",
                box(340, top + 30, 460, top + ROW_H - 30),
                step(attr, -small, maximum),
                description=f"Decrease {lo}",
            ),
            Node(
                "android.widget.SeekBar",
                box(480, top + 40, 900, top + ROW_H - 40),
                text=str(value),
                description=label,
                resource_id="android:id/seekbar",
                clickable=True,
                seek=(attr, maximum),
            ),
            button(
                "+",
                box(920, top + 30, SCREEN_W - PAD, top + ROW_H - 30),
                step(attr, small, maximum),
                description=f"Increase {lo}",
            ),
        ),
    )


def _open_languages(state: PhoneState) -> str:
    state.nav.push(ScreenRef(app=PACKAGE, name="language"))
    return "opened Languages"


def main_screen(v: View) -> Screen:
    """The top-level Settings list."""
    s = v.state.settings
    nodes = app_bar(v, "Settings", up=False)
    top = v.top
    for label, attr in TOGGLES.items():
        on = bool(getattr(s, attr))
        nodes.append(switch_row(v, label, on, top, toggle(attr), summary="On" if on else "Off"))
        top += ROW_H
    nodes.append(_stepper_row("Brightness", "brightness", s.brightness, 100, top, "%"))
    top += ROW_H
    nodes.append(_stepper_row("Volume", "volume", s.volume, 15, top, ""))
    top += ROW_H
    nodes.append(
        two_line_row(
            box(0, top, SCREEN_W, top + ROW_H), "Language", s.language, _open_languages, rid="android:id/title"
        )
    )
    return Screen("Settings", nodes, activity=".Settings")


def _pick_language(language: str) -> Command:
    def run(state: PhoneState) -> str:
        state.settings.language = language
        state.nav.pop()
        return f"language set to {language}"

    return run


def language_screen(v: View) -> Screen:
    """The list of languages; the current one is checked."""
    current = v.state.settings.language

    def row(language: str) -> RowBuilder:
        return lambda b: Node(
            "android.widget.CheckedTextView",
            b,
            text=language,
            resource_id="android:id/text1",
            clickable=True,
            checkable=True,
            checked=language == current,
            on_tap=_pick_language(language),
        )

    nodes = app_bar(v, "Languages")
    lst, area = scroll_list(v, [row(lang) for lang in LANGUAGES], v.top, v.bottom)
    nodes.append(lst)
    return Screen("Languages", nodes, activity=".LocalePickerActivity", scroll=area)


APP = App(
    label="Settings",
    package=PACKAGE,
    activity=".Settings",
    main="main",
    screens={"main": main_screen, "language": language_screen},
)
