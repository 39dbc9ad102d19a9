"""Requests about the Settings app: toggles, brightness, volume, language.

HELD-OUT SET: never tune grounding, prompts or planner rules on single items of
this file; fix the general behaviour an item exposes, and keep the wording here
as it is (see items/__init__.py).
"""

from __future__ import annotations

from ..spec import Check, Item, Text, all_of, setting, unchanged

S = ("Settings",)


def _state_word(attr: str) -> Check:
    # The user asked whether a switch is on: the answer must say what the phone shows.
    return Check(
        f"the answer says whether {attr} is on",
        lambda w: ("off" if not getattr(w.phone().settings, attr) else " on") in f" {w.answers.casefold()}",
    )


ITEMS = [
    Item("settings-bluetooth-on", "Could you switch Bluetooth on for me?", S,
         setting("bluetooth", True), allow=frozenset({"settings.bluetooth"})),
    Item("settings-wifi-off", "I don't need Wi-Fi right now, can you turn it off?", S,
         setting("wifi", False), allow=frozenset({"settings.wifi"})),
    Item("settings-airplane-on", "I'm about to board a plane, put the phone in airplane mode please.", S,
         setting("airplane_mode", True),
         allow=frozenset({"settings.airplane_mode", "settings.wifi", "settings.bluetooth"})),
    Item("settings-dark-on", "My eyes hurt at night. Can you turn on the dark theme?", S,
         setting("dark_theme", True), allow=frozenset({"settings.dark_theme"})),
    Item("settings-dark-off", "Please turn dark mode off, it's hard to read outside.", S,
         setting("dark_theme", False), seed={"phone-1": {"settings": {"dark_theme": True}}},
         allow=frozenset({"settings.dark_theme"})),
    Item("settings-wifi-already-on", "Make sure Wi-Fi is on.", S,
         all_of(setting("wifi", True), unchanged())),
    Item("settings-check-bluetooth", "Can you check whether Bluetooth is on?", S,
         all_of(_state_word("bluetooth"), unchanged())),
    Item("settings-brightness-20", "Turn the brightness down to 20 percent, please.", S,
         setting("brightness", 20), allow=frozenset({"settings.brightness"})),
    Item("settings-brightness-80", "It's too dim. Could you turn the screen brightness up to 80%?", S,
         setting("brightness", 80), allow=frozenset({"settings.brightness"})),
    Item("settings-mute", "Mute the media volume, would you?", S,
         setting("volume", 0), allow=frozenset({"settings.volume"})),
    Item("settings-volume-10", "Can you set the volume to 10?", S,
         setting("volume", 10), allow=frozenset({"settings.volume"})),
    Item("settings-french", "I'd like my phone in French.", S,
         setting("language", Text("Français")), allow=frozenset({"settings.language"})),
    Item("settings-back-to-english", "Switch the phone's language back to English, please.", S,
         setting("language", Text("English")), seed={"phone-1": {"settings": {"language": "Deutsch"}}},
         allow=frozenset({"settings.language"})),
    Item("settings-save-battery", "Turn off Bluetooth and Wi-Fi, I'm trying to save battery.", S,
         all_of(setting("bluetooth", False), setting("wifi", False)),
         seed={"phone-1": {"settings": {"bluetooth": True}}},
         allow=frozenset({"settings.bluetooth", "settings.wifi"})),
    Item("settings-landed", "We've landed! Could you turn airplane mode off and then turn Wi-Fi back on?", S,
         all_of(setting("airplane_mode", False), setting("wifi", True)),
         seed={"phone-1": {"settings": {"airplane_mode": True, "wifi": False}}},
         allow=frozenset({"settings.airplane_mode", "settings.wifi", "settings.bluetooth"})),
]
