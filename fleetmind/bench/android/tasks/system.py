"""Settings templates: toggles, brightness, volume, language (read with `settings get`)."""

from __future__ import annotations

import random

from ..phone import AdbPhone
from ..spec import Level, Params, Template
from .common import launch, scroll_to, tap

LANGUAGES = {"Español": "es-ES", "Français": "fr-FR", "Deutsch": "de-DE", "Italiano": "it-IT",
             "Português": "pt-BR", "Nederlands": "nl-NL", "Türkçe": "tr-TR", "日本語": "ja-JP", "한국어": "ko-KR"}
LANGUAGE_NAMES = {"Español": "Spanish", "Français": "French", "Deutsch": "German", "Italiano": "Italian",
                  "Português": "Portuguese", "Nederlands": "Dutch", "Türkçe": "Turkish", "日本語": "Japanese",
                  "한국어": "Korean"}


def _toggle(tid: str, label: str, key: tuple[str, str], on: bool, goals: tuple[str, ...], *,
            start: str, want: str, level: Level = "easy", tags: frozenset[str] = frozenset()) -> Template:
    async def seed(phone: AdbPhone, p: Params) -> None:
        await phone.put_setting(*key, start)

    async def check(phone: AdbPhone, p: Params, answer: str) -> bool:
        return bool(await phone.setting(*key) == want)

    return Template(tid, level, ("Settings",), goals, lambda rng: {}, seed, check,
                    lambda p: [launch("Settings"), tap(label)], tags)


def _brightness_params(rng: random.Random) -> Params:
    start = rng.choice((30, 40, 50, 60))
    target = rng.choice([t for t in (10, 20, 70, 80, 90, 100) if t != start])
    return {"start": start, "target": target}


async def _brightness_seed(phone: AdbPhone, p: Params) -> None:
    await phone.put_setting("system", "screen_brightness", str(round(p["start"] * 255 / 100)))


async def _brightness_check(phone: AdbPhone, p: Params, answer: str) -> bool:
    return await phone.setting("system", "screen_brightness") == str(round(p["target"] * 255 / 100))


def _brightness_plan(p: Params) -> list[dict[str, object]]:
    steps = (p["target"] - p["start"]) // 10
    button = "Increase brightness" if steps > 0 else "Decrease brightness"
    return [launch("Settings"), *[tap(button)] * abs(steps)]


def _volume_params(rng: random.Random) -> Params:
    start = rng.choice((5, 7, 9))
    return {"start": start, "target": rng.choice([t for t in range(0, 13) if abs(t - start) in (1, 2, 3)])}


async def _volume_seed(phone: AdbPhone, p: Params) -> None:
    await phone.put_setting("system", "volume_music", str(p["start"]))


async def _volume_check(phone: AdbPhone, p: Params, answer: str) -> bool:
    return await phone.setting("system", "volume_music") == str(p["target"])


def _volume_plan(p: Params) -> list[dict[str, object]]:
    steps = p["target"] - p["start"]
    return [launch("Settings"), *[tap("Increase volume" if steps > 0 else "Decrease volume")] * abs(steps)]


def _language_params(rng: random.Random) -> Params:
    native = rng.choice(sorted(LANGUAGES))
    return {"native": native, "language": LANGUAGE_NAMES[native], "tag": LANGUAGES[native]}


async def _no_seed(phone: AdbPhone, p: Params) -> None:
    return None


async def _language_check(phone: AdbPhone, p: Params, answer: str) -> bool:
    return bool(await phone.setting("system", "system_locales") == p["tag"])


async def _settings_combo_seed(phone: AdbPhone, p: Params) -> None:
    await phone.put_setting("global", "bluetooth_on", "1")


async def _night_check(phone: AdbPhone, p: Params, answer: str) -> bool:
    dark = await phone.setting("secure", "ui_night_mode") == "2"
    dim = await phone.setting("system", "screen_brightness") == str(round(30 * 255 / 100))
    return dark and dim


async def _travel_check(phone: AdbPhone, p: Params, answer: str) -> bool:
    plane = await phone.setting("global", "airplane_mode_on") == "1"
    return plane and await phone.setting("global", "wifi_on") == "1"


TEMPLATES = [
    _toggle("settings-wifi-off", "Wi-Fi", ("global", "wifi_on"), False,
            ("Turn off Wi-Fi", "Switch the Wi-Fi off"), start="1", want="0"),
    _toggle("settings-bluetooth-on", "Bluetooth", ("global", "bluetooth_on"), True,
            ("Turn on Bluetooth", "Enable Bluetooth"), start="0", want="1"),
    _toggle("settings-dark-theme", "Dark theme", ("secure", "ui_night_mode"), True,
            ("my eyes hurt at night, can you put the phone in dark mode?", "switch to the dark theme pls"),
            start="1", want="2", tags=frozenset({"casual"})),
    _toggle("settings-airplane", "Airplane mode", ("global", "airplane_mode_on"), True,
            ("I'm about to board, put my phone in airplane mode", "Turn on airplane mode"),
            start="0", want="1", tags=frozenset({"casual"})),
    _toggle("settings-bluetooth-off", "Bluetooth", ("global", "bluetooth_on"), False,
            ("Bluetooth keeps draining my battery, turn it off",), start="1", want="0",
            tags=frozenset({"casual"})),
    Template("settings-brightness", "medium", ("Settings",),
             ("Set the screen brightness to {target}%", "Change the brightness to {target} percent"),
             _brightness_params, _brightness_seed, _brightness_check, _brightness_plan),
    Template("settings-volume", "medium", ("Settings",),
             ("Set the media volume to {target}", "can you make the volume {target}?"),
             _volume_params, _volume_seed, _volume_check, _volume_plan, frozenset({"casual"})),
    Template("settings-language", "medium", ("Settings",),
             ("Change the phone's language to {language} ({native})", "Set the system language to {native}"),
             _language_params, _no_seed, _language_check,
             lambda p: [launch("Settings"), tap("Language"), scroll_to(p["native"]), tap(p["native"])],
             frozenset({"scroll"})),
    Template("settings-night-mode", "hard", ("Settings",),
             ("Get the phone ready for reading in bed: dark theme on and brightness down to 30%",),
             lambda rng: {}, _no_seed, _night_check,
             lambda p: [launch("Settings"), tap("Dark theme"), *[tap("Decrease brightness")] * 2],
             frozenset({"casual"})),
    Template("settings-flight-wifi", "hard", ("Settings",),
             ("Turn on airplane mode but keep Wi-Fi on, the plane has wifi",),
             lambda rng: {}, _settings_combo_seed, _travel_check,
             lambda p: [launch("Settings"), tap("Airplane mode"), tap("Wi-Fi")], frozenset({"casual"})),
]
