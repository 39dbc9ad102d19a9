"""What the android templates share: pools of parameter values and the steps reference plans are made of."""

from __future__ import annotations

import random
from typing import Any

from ..oracle import Step
from ..phone import AdbPhone

FIRST = ("Ada", "Alan", "Grace", "Katherine", "Linus", "Margaret", "Tim", "Barbara", "Dennis", "Frances",
         "Hedy", "John", "Radia", "Ken", "Shafi", "Donald", "Edsger", "Leslie", "Niklaus", "Sophie")
LAST = ("Lovelace", "Turing", "Hopper", "Johnson", "Torvalds", "Hamilton", "Berners", "Liskov", "Ritchie",
        "Allen", "Lamarr", "Backus", "Perlman", "Thompson", "Goldwasser", "Knuth", "Dijkstra", "Lamport",
        "Wirth", "Wilson")
WORDS = ("milk", "eggs", "bread", "coffee", "apples", "rice", "butter", "cheese", "lemons", "tea")
MESSAGES = ("running late", "see you at noon", "call me back", "the door code changed", "dinner is at eight",
            "bring the charger", "meeting moved to Friday", "I am outside", "happy birthday", "on my way")
EVENTS = ("Dentist", "Team sync", "Yoga class", "Parent meeting", "Car service", "Lunch with Sam", "Piano lesson",
          "Budget review", "Haircut", "Vet appointment")
PLACES = ("Room 4", "Main Street 12", "City Library", "Cafe Roma", "Building B", "Town Hall")
LABELS = ("Gym", "Meds", "School run", "Standup", "Pick up kids", "Laundry", "Water plants", "Bus")
NOTE_TITLES = ("Groceries", "Packing", "Ideas", "Gift list", "Books to read", "Chores", "Recipes", "Garden")
FILES = ("report.pdf", "invoice_march.pdf", "holiday.jpg", "slides.pptx", "notes.txt", "budget.xlsx",
         "ticket.pdf", "contract.docx", "song.mp3", "map.png", "resume.pdf", "photo_001.jpg", "scan.pdf",
         "backup.zip", "letter.docx", "menu.pdf", "poster.png", "recipe.txt", "manual.pdf", "video.mp4")
FOLDERS = ("Download", "Documents", "Pictures")
DATES = ("2025-06-03", "2025-06-04", "2025-06-05", "2025-06-06", "2025-06-09", "2025-06-10", "2025-06-12")
DAY_WORDS = {"2025-06-03": "tomorrow (June 3)", "2025-06-04": "Wednesday June 4", "2025-06-05": "Thursday June 5",
             "2025-06-06": "Friday June 6", "2025-06-09": "Monday June 9", "2025-06-10": "June 10",
             "2025-06-12": "June 12"}


def person(rng: random.Random, taken: set[str] | None = None) -> str:
    """A full name not in `taken` (which it joins)."""
    taken = taken if taken is not None else set()
    while True:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in taken:
            taken.add(name)
            return name


def number(rng: random.Random) -> str:
    """A phone number as people write it, e.g. 555 0142."""
    return f"555 {rng.randrange(100, 10000):04d}"


def crowd(rng: random.Random, size: int, taken: set[str]) -> list[tuple[str, str]]:
    """`size` other people with numbers (a long address book makes lists scroll)."""
    return [(person(rng, taken), number(rng)) for _ in range(size)]


async def add_people(phone: AdbPhone, people: list[tuple[str, str]]) -> None:
    """Seed contacts (name, number)."""
    for name, num in people:
        await phone.add_contact(name, num)


def late_name(rng: random.Random, taken: set[str]) -> str:
    """A name that sorts after the usual crowd, so it starts below the first screen of the list."""
    while True:
        name = f"{rng.choice(('Xavier', 'Yara', 'Zed', 'Zoe'))} {rng.choice(LAST)}"
        if name not in taken:
            taken.add(name)
            return name


# ---------------------------------------------------------------------------- plan steps


def launch(app: str) -> Step:
    """Open an app."""
    return {"kind": "launch_app", "app": app}


def tap(label: str) -> Step:
    """Tap the element with this label (text or description)."""
    return {"kind": "tap", "target": {"label": label}}


def type_in(label: str, text: str, *, clear: bool = False) -> Step:
    """Type into the field with this label."""
    return {"kind": "type_text", "text": text, "target": {"label": label}, "clear": clear}


def scroll_to(label: str) -> Step:
    """Scroll the list until this label shows."""
    return {"kind": "scroll_to", "label": label}


def read(output: str, pattern: str, after: str | None = None) -> Step:
    """Read a text matching the regex into an output."""
    step: dict[str, Any] = {"kind": "read", "output": output, "pattern": pattern}
    if after:
        step["after"] = after
    return step


def done(answer: str = "") -> Step:
    """Finish with this answer."""
    return {"kind": "done", "answer": answer}


def compose_sms(to: str, body: str) -> list[Step]:
    """Messages: a new conversation to `to` (a contact's name or a number) saying `body`."""
    return [launch("Messages"), tap("Start chat"), type_in("To", to), type_in("Message", body), tap("Send SMS")]
