"""Requests about Notes, Files and the Bank (secure screens, a password nobody typed yet).

The Bank takes any non-empty password; the user's "PIN" in these requests is 4321.

HELD-OUT SET: never tune grounding, prompts or planner rules on single items of
this file; fix the general behaviour an item exposes, and keep the wording here
as it is (see items/__init__.py).
"""

from __future__ import annotations

from ....devices.virtual.apps.bank import money
from ....devices.virtual.apps.files import size_text
from ..spec import Contains, ContainsAll, Item, Text, all_of, answer, balance, has, lacks, mentions, unchanged

N, F, B = ("Notes",), ("Files",), ("Bank",)
NOTES, BANK = frozenset({"notes"}), frozenset({"bank"})
LOGIN = "bank.logged_in"  # opening the account is not a change of the user's data
LOGGED_IN = frozenset({LOGIN})
PIN = "4321"

NOTE_ITEMS = [
    Item("note-gift-ideas", "Jot down a note titled Gift ideas: scarf for Mum, book for Tom.", N,
         has("notes", title=Text("Gift ideas"), body=Contains("scarf for Mum")), allow=NOTES),
    Item("note-wifi-password", "Could you make a note that the guest wifi password is bluefox42?", N,
         mentions("notes", "bluefox42"), allow=NOTES),
    Item("note-append-sunscreen", "Add sunscreen to my packing list note.", N,
         has("notes", title=Text("Packing list"), body=ContainsAll(("passport", "sunscreen"))), allow=NOTES),
    Item("note-read-packing", "What's on my packing list?", N,
         all_of(answer(lambda w: w.phone().notes[0].body, "the packing list"), unchanged())),
    Item("note-delete-packing", "Delete the Packing list note.", N,
         lacks("notes", title=Text("Packing list")), expect="confirmation", confirm="yes", allow=NOTES),
    Item("note-delete-declined", "Please get rid of my old shopping note.", N,
         all_of(has("notes", title=Text("Shopping")), unchanged()), expect="confirmation", confirm="no",
         seed={"phone-1": {"notes": [{"title": "Shopping", "body": "bread, oat milk"}]}}),
    Item("note-delete-missing", "Delete the note called Tax 2019.", N, unchanged(), expect="refusal"),
    Item("note-what-to-write", "Write a note.", N,
         mentions("notes", "plumber"), expect="question", reply="Call the plumber on Thursday", allow=NOTES),
]

FILE_ITEMS = [
    Item("files-boarding-pass", "Do I have a boarding pass downloaded?", F,
         all_of(answer(lambda w: w.phone().files[0].name, "the boarding pass file"), unchanged())),
    Item("files-photo-size", "How big is holiday.jpg?", F,
         all_of(answer(lambda w: size_text(w.phone().files[1].size), "the photo's size"), unchanged())),
    Item("files-delete-readonly", "Delete boarding-pass.pdf from my downloads.", F, unchanged(),
         expect="refusal", confirm="yes"),
]

BANK_ITEMS = [
    Item("bank-balance-with-pin", f"My bank PIN is {PIN}. Can you tell me my balance?", B,
         all_of(answer(lambda w: money(w.phone().bank.balance), "the balance"), unchanged(LOGIN)),
         allow=LOGGED_IN),
    Item("bank-balance-ask-pin", "What's my bank balance?", B,
         all_of(answer(lambda w: money(w.phone().bank.balance), "the balance"), unchanged(LOGIN)),
         expect="question", reply=PIN, allow=LOGGED_IN),
    Item("bank-send-tom", f"Send $40 to Tom Reyes from my bank account. The PIN is {PIN}.", B,
         all_of(has("transactions", to=Contains("Tom"), amount=40.0), balance(2410.75)),
         expect="confirmation", confirm="yes", allow=BANK, allow_before=LOGGED_IN),
    Item("bank-send-declined", f"Transfer 25 dollars to Maya Okafor using my bank app, PIN {PIN}.", B,
         unchanged(LOGIN), expect="confirmation", confirm="no", allow=LOGGED_IN, allow_before=LOGGED_IN),
    Item("bank-pay-jonas-ask-pin", "Pay Jonas Berg $15 from the bank app.", B,
         all_of(has("transactions", to=Contains("Jonas"), amount=15.0), balance(2435.75)),
         expect="question", reply=PIN, confirm="yes", allow=BANK, allow_before=LOGGED_IN),
    Item("bank-too-much", f"Using PIN {PIN}, send $10,000 to Luis Moreno from my bank account.", B,
         unchanged(LOGIN), expect="refusal", confirm="yes", allow=LOGGED_IN, allow_before=LOGGED_IN),
    Item("bank-last-transfer", f"With PIN {PIN}, what was my last bank transfer?", B,
         all_of(answer(lambda w: w.phone().bank.transactions[-1].to, "the last transfer's recipient"),
                unchanged(LOGIN)),
         seed={"phone-1": {"bank": {"transactions": [{"to": "Landlord", "amount": 950.0}]}}},
         allow=LOGGED_IN),
]

ITEMS = NOTE_ITEMS + FILE_ITEMS + BANK_ITEMS
