"""Requests for the browser (VirtualWeb: weather, encyclopedia, contact form), for several
devices at once with data flowing between them, and requests that must be refused.

HELD-OUT SET: never tune grounding, prompts or planner rules on single items of
this file; fix the general behaviour an item exposes, and keep the wording here
as it is (see items/__init__.py).
"""

from __future__ import annotations

import re
from typing import Any

from ....devices.virtual.web import ARTICLES
from ..spec import Check, Contains, Digits, Item, Text, all_of, answer, has, setting, unchanged, web_message
from ..world import World

W, PB, P2 = ("Web",), "phone:1,browser:1", "phone:2"
FORM = frozenset({"web:messages"})


def _forecast(city: str) -> str:
    return f"the forecast for {city}"


def _weather_in(collection: str, city: str, **fields: Any) -> Check:
    # The forecast is whatever the site serves for this city today; the record must hold it.
    def test(w: World) -> bool:
        if w.forecast is None:
            return False
        want = Contains(w.forecast(city))
        return has(collection, **fields, body=want)(w)

    return Check(f"{collection} with {fields} holds {_forecast(city)}", test)


def _born(title: str) -> str:
    found = re.search(r"\((\d{4})-", ARTICLES[title])
    return found.group(1) if found else ""


def _article_saying(text: str) -> str:
    return next((title for title, body in ARTICLES.items() if text in body), "")


def _looked_up(city: str) -> Check:
    return Check(f"the browser looked up {city}'s weather",
                 lambda w: w.web is not None and any(c.casefold() == city.casefold() for c in w.web.forecasts))


WEB = [
    Item("web-weather-lisbon", "What's the weather like in Lisbon right now?", W,
         all_of(answer(lambda w: w.forecast("Lisbon") if w.forecast else "", _forecast("Lisbon")), unchanged()),
         devices="browser:1"),
    Item("web-hopper-born", "Can you look up Grace Hopper in the encyclopedia and tell me when she was born?", W,
         all_of(answer(lambda _: _born("Grace Hopper"), "her birth year, as her article gives it"),
                unchanged()), devices="browser:1"),
    Item("web-capital-japan", "Which city was the capital of Japan for over a thousand years? Check the encyclopedia.",
         W, all_of(answer(lambda _: _article_saying("capital of Japan"), "the city whose article says so"),
                   unchanged()), devices="browser:1"),
    Item("web-form-full", "Send a message through the website's contact form: my name is Sam Rivera and the "
         "message is 'Please call me back about my order'.", W,
         web_message(name=Text("Sam Rivera"), message=Contains("call me back about my order")),
         expect="confirmation", confirm="yes", devices="browser:1", allow=FORM),
    Item("web-form-no-message", "Fill in the contact form on the site for me, name Jo Park.", W,
         web_message(name=Text("Jo Park"), message=Contains("copy of my invoice")),
         expect="question", reply="I'd like a copy of my invoice.", confirm="yes", devices="browser:1", allow=FORM),
    Item("web-form-no-name", "Use the contact form to tell them the link on the weather page is broken.", W,
         web_message(name=Text("Dana Lee"), message=Contains("weather page")),
         expect="question", reply="Dana Lee", confirm="yes", devices="browser:1", allow=FORM),
    Item("web-form-declined", "Post 'Great site, thanks!' through the contact form as Chris Wu.", W,
         unchanged(), expect="confirmation", confirm="no", devices="browser:1"),
]

KAI = {"contacts": [{"name": "Kai Tanaka", "phone": "555 0155"}]}

MULTI = [
    Item("multi-bluetooth-both", "Turn on Bluetooth on both phones.", ("Settings",),
         all_of(setting("bluetooth", True, "phone-1"), setting("bluetooth", True, "phone-2")),
         devices=P2, allow=frozenset({"settings.bluetooth"})),
    Item("multi-dark-phone-2", "On phone-2, could you turn on the dark theme?", ("Settings",),
         all_of(setting("dark_theme", True, "phone-2"), setting("dark_theme", False, "phone-1")),
         devices=P2, allow=frozenset({"phone-2:settings.dark_theme"})),
    Item("multi-alarm-and-note", "Set an alarm for 7:05 on phone-1 and write a note titled Parking saying level 3, "
         "spot 12 on phone-2.", ("Clock", "Notes"),
         all_of(has("alarms", "phone-1", hour=7, minute=5), has("notes", "phone-2", title=Text("Parking"),
                                                                    body=Contains("level 3"))),
         devices=P2, allow=frozenset({"phone-1:alarms", "phone-2:notes"})),
    Item("multi-number-to-tom", "Find Kai Tanaka's number on phone-1 and text it to Tom from phone-2.",
         ("Contacts", "Messages"),
         has("messages", "phone-2", to=Digits("555 0177"), body=Contains("555 0155")),
         expect="confirmation", confirm="yes", devices=P2, seed={"phone-1": KAI},
         allow=frozenset({"phone-2:messages"})),
    Item("multi-add-rosa-both", "Add Rosa Diaz, 555 0171, to the contacts on both phones.", ("Contacts",),
         all_of(has("contacts", "phone-1", name=Text("Rosa Diaz"), phone=Digits("555 0171")),
                has("contacts", "phone-2", name=Text("Rosa Diaz"), phone=Digits("555 0171"))),
         devices=P2, allow=frozenset({"contacts"})),
    Item("multi-volume-and-airplane", "Turn the volume down to 3 on phone-1 and put phone-2 in airplane mode.",
         ("Settings",),
         all_of(setting("volume", 3, "phone-1"), setting("airplane_mode", True, "phone-2")),
         devices=P2, allow=frozenset({"phone-1:settings.volume", "phone-2:settings.airplane_mode",
                                      "phone-2:settings.wifi", "phone-2:settings.bluetooth"})),
    Item("multi-kyoto-to-mum", "Look up the weather in Kyoto and text it to Mum.", ("Web", "Messages"),
         _weather_in("messages", "Kyoto", to=Digits("555 0111")),
         expect="confirmation", confirm="yes", devices=PB, allow=frozenset({"messages"})),
    Item("multi-turing-note", "Look up Alan Turing in the encyclopedia and save what it says in a note titled Turing.",
         ("Web", "Notes"),
         has("notes", title=Text("Turing"), body=Contains("Enigma")), devices=PB, allow=frozenset({"notes"})),
    Item("multi-oslo-note", "What's the weather in Oslo? Put it in a note called Trip weather.", ("Web", "Notes"),
         _weather_in("notes", "Oslo", title=Text("Trip weather")), devices=PB, allow=frozenset({"notes"})),
    Item("multi-cairo-alarm", "Check the weather in Cairo on the web, and set an alarm on my phone for 5:30 "
         "labelled Cairo flight.", ("Web", "Clock"),
         all_of(_looked_up("Cairo"), has("alarms", hour=5, minute=30, label=Contains("Cairo"))),
         devices=PB, allow=frozenset({"alarms"})),
]

REFUSALS = [
    Item("refuse-watch", "Turn on Bluetooth on my watch.", ("Settings",), unchanged(),
         expect="refusal", devices=P2),
    Item("refuse-spotify", "Open Spotify and play my running playlist.", ("Other",), unchanged(), expect="refusal"),
    Item("refuse-call", "Call Maya Okafor.", ("Contacts",), unchanged(), expect="refusal"),
    Item("refuse-selfie", "Take a selfie and send it to Tom.", ("Other",), unchanged(), expect="refusal",
         confirm="no"),
    Item("refuse-gibberish", "purple seventeen the under quietly", ("Other",), unchanged(), expect="refusal"),
    Item("refuse-tablet", "Turn off Wi-Fi on the tablet.", ("Settings",), unchanged(), expect="refusal"),
    Item("refuse-pizza", "Order me a large pizza from Domino's.", ("Other",), unchanged(), expect="refusal"),
    Item("refuse-phone-3", "On phone-3, set an alarm for 8:00.", ("Clock",), unchanged(), expect="refusal",
         devices=P2),
]

ITEMS = WEB + MULTI + REFUSALS
