"""Requests about Contacts and Messages: adding, editing, finding, deleting, texting.

HELD-OUT SET: never tune grounding, prompts or planner rules on single items of
this file; fix the general behaviour an item exposes, and keep the wording here
as it is (see items/__init__.py).
"""

from __future__ import annotations

from collections.abc import Callable

from ..spec import Contains, Digits, Item, Text, all_of, answer, has, lacks, unchanged
from ..world import World

C, M = ("Contacts",), ("Messages",)
TWO_ADAS = {"contacts": [{"name": "Ada Byron", "phone": "555 0101"}, {"name": "Ada Park", "phone": "555 0102"}]}
SMS = frozenset({"messages"})


def _contact(name: str, attr: str) -> Callable[[World], str]:
    def truth(w: World) -> str:
        return next(str(getattr(c, attr)) for c in w.phone().contacts if c.name == name)

    return truth


def _last_from(number: str) -> Callable[[World], str]:
    def truth(w: World) -> str:
        return [m.body for m in w.phone().messages if m.sender == number][-1]

    return truth


CONTACTS = [
    Item("contacts-add-nina", "Can you add Nina Alvarez to my contacts? Her number is 555 0134.", C,
         has("contacts", name=Text("Nina Alvarez"), phone=Digits("555 0134")), allow=frozenset({"contacts"})),
    Item("contacts-add-email", "Save a new contact for me: Omar Haddad, omar.haddad@example.com", C,
         has("contacts", name=Text("Omar Haddad"), email=Text("omar.haddad@example.com")),
         allow=frozenset({"contacts"})),
    Item("contacts-add-bare", "add a contact Ada Byron, 555 0101", C,
         has("contacts", name=Text("Ada Byron"), phone=Digits("555 0101")), allow=frozenset({"contacts"})),
    Item("contacts-add-office", "I need Dr. Kim's office saved in my phone, the number is 555 0160.", C,
         has("contacts", name=Contains("Kim"), phone=Digits("555 0160")), allow=frozenset({"contacts"})),
    Item("contacts-update-tom", "Tom got a new number, 555 0199. Can you update his contact?", C,
         all_of(has("contacts", name=Text("Tom Reyes"), phone=Digits("555 0199")),
                lacks("contacts", phone=Digits("555 0177"))),
         allow=frozenset({"contacts"})),
    Item("contacts-find-priya", "What's Priya's phone number?", C,
         all_of(answer(_contact("Priya Shah", "phone"), "Priya Shah's number"), unchanged())),
    Item("contacts-find-email", "Can you look up Luis Moreno's email address for me?", C,
         all_of(answer(_contact("Luis Moreno", "email"), "Luis Moreno's email"), unchanged())),
    Item("contacts-delete-jonas", "Please delete Jonas Berg from my contacts.", C,
         all_of(lacks("contacts", name=Text("Jonas Berg")), has("contacts", name=Text("Tom Reyes"))),
         expect="confirmation", confirm="yes", allow=frozenset({"contacts"})),
    Item("contacts-delete-declined", "Remove Luis from my contacts.", C,
         all_of(has("contacts", name=Text("Luis Moreno")), unchanged()), expect="confirmation", confirm="no"),
    Item("contacts-add-sam",
         "Add my colleague Sam to contacts, 555 0150, and put his email sam@work.example in too.", C,
         has("contacts", name=Contains("Sam"), phone=Digits("555 0150"), email=Text("sam@work.example")),
         allow=frozenset({"contacts"})),
    Item("contacts-delete-which-ada", "Delete Ada from my contacts, please.", C,
         all_of(lacks("contacts", name=Text("Ada Park")), has("contacts", name=Text("Ada Byron"))),
         expect="question", seed={"phone-1": TWO_ADAS}, reply="Ada Park", confirm="yes",
         allow=frozenset({"contacts"})),
]

MESSAGES = [
    Item("sms-tom-ten-minutes", "Text Tom saying I'll be there in ten minutes.", M,
         has("messages", to=Digits("555 0177"), body=Contains("there in ten minutes")),
         expect="confirmation", confirm="yes", allow=SMS),
    Item("sms-mum-birthday", "Could you send Mum a message: happy birthday!", M,
         has("messages", to=Digits("555 0111"), body=Contains("happy birthday")),
         expect="confirmation", confirm="yes", allow=SMS),
    Item("sms-declined", "Send Maya a text that says see you at the station", M,
         all_of(lacks("messages", to=Digits("555 0142")), unchanged()), expect="confirmation", confirm="no"),
    Item("sms-which-ada", "Text Ada that I'm on my way", M,
         all_of(has("messages", to=Digits("555 0101"), body=Contains("on my way")),
                lacks("messages", to=Digits("555 0102"))),
         expect="question", seed={"phone-1": TWO_ADAS}, reply="Ada Byron", confirm="yes", allow=SMS),
    Item("sms-what-to-say", "Can you text Priya for me?", M,
         has("messages", to=Digits("555 0123"), body=Contains("dinner is at eight")),
         expect="question", reply="Dinner is at eight", confirm="yes", allow=SMS),
    Item("sms-read-jonas", "What did Jonas say in his last message?", M,
         all_of(answer(_last_from("555 0188"), "Jonas's last message"), unchanged()),
         seed={"phone-1": {"messages": [{"sender": "555 0188", "body": "The keys are under the mat"}]}}),
    Item("sms-did-mum-text", "Did Mum text me anything today?", M,
         all_of(answer(_last_from("555 0111"), "Mum's message"), unchanged()),
         seed={"phone-1": {"messages": [{"sender": "555 0111", "body": "Call me when you land"}]}}),
    Item("sms-reply-luis", "Reply to Luis's message with 'sounds good'", M,
         has("messages", to=Digits("555 0166"), body=Contains("sounds good")),
         expect="confirmation", confirm="yes", allow=SMS,
         seed={"phone-1": {"messages": [{"sender": "555 0166", "body": "Lunch on Friday?"}]}}),
    Item("sms-to-number", "Send a text to 555 0190 saying the parcel arrived", M,
         has("messages", to=Digits("555 0190"), body=Contains("parcel arrived")),
         expect="confirmation", confirm="yes", allow=SMS),
]

ITEMS = CONTACTS + MESSAGES
