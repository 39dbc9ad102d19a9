"""Notes, Files and Bank templates (fleetmind's notes and bank providers, MediaStore for files)."""

from __future__ import annotations

import random

from ..phone import AdbPhone
from ..spec import Check, Params, Template, answer_has, words
from .common import FILES, FOLDERS, NOTE_TITLES, WORDS, done, launch, person, read, scroll_to, tap, type_in


def _note(rng: random.Random) -> Params:
    titles = rng.sample(NOTE_TITLES, 4)
    items = rng.sample(WORDS, 4)
    return {"title": titles[0], "others": titles[1:], "body": f"{items[0]} and {items[1]}", "item": items[2],
            "new_body": f"{items[0]} and {items[1]}, {items[2]}", "extra": items[3]}


async def _seed_notes(phone: AdbPhone, p: Params) -> None:
    for title in p["others"]:
        await phone.add_note(title, f"nothing about {title.lower()} yet")


async def _seed_note_target(phone: AdbPhone, p: Params) -> None:
    await _seed_notes(phone, p)
    await phone.add_note(p["title"], p["body"])


def _note_is(body_key: str) -> Check:
    async def check(phone: AdbPhone, p: Params, answer: str) -> bool:
        return any(words(n["title"]) == words(p["title"]) and words(p[body_key]) in words(n["body"])
                   for n in await phone.notes())

    return check


async def _note_gone(phone: AdbPhone, p: Params, answer: str) -> bool:
    notes = await phone.notes()
    return all(n["title"] != p["title"] for n in notes) and len(notes) == len(p["others"])


async def _note_appended(phone: AdbPhone, p: Params, answer: str) -> bool:
    found = [n for n in await phone.notes() if n["title"] == p["title"]]
    return len(found) == 1 and words(p["body"]) in words(found[0]["body"]) and p["item"] in words(found[0]["body"])


async def _answer_note(phone: AdbPhone, p: Params, answer: str) -> bool:
    return answer_has(answer, *p["body"].split(" and "))


def size_texts(size: int) -> list[str]:
    """The ways an answer may give a file size: as the Files app shows it (1.2 MB), or in bytes."""
    out = [str(size)]
    value = float(size)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 1000:
            out += [f"{value:.1f} {unit}", f"{value:.1f}{unit}"]
            break
    return out


def _files(rng: random.Random) -> Params:
    names = rng.sample(FILES, 16)
    entries = [(n, rng.randrange(20_000, 9_000_000), rng.choice(FOLDERS)) for n in names]
    target = max(entries[1:], key=lambda e: (e[2], e[0]))  # the last row of the list: it needs scrolling
    biggest = max(entries, key=lambda e: e[1])
    return {"entries": entries, "name": target[0], "size": target[1], "folder": target[2], "biggest": biggest[0]}


async def _seed_files(phone: AdbPhone, p: Params) -> None:
    for name, size, folder in p["entries"]:
        await phone.add_file(name, size, folder)


async def _answer_size(phone: AdbPhone, p: Params, answer: str) -> bool:
    said = answer.replace(",", "")
    return any(s in said for s in size_texts(p["size"]))


async def _answer_folder(phone: AdbPhone, p: Params, answer: str) -> bool:
    return words(p["folder"]) in words(answer)


async def _answer_count(phone: AdbPhone, p: Params, answer: str) -> bool:
    files = await phone.rows("files", ("relative_path",))
    want = sum(1 for f in files if f["relative_path"].strip("/") == p["count_folder"])
    return str(want) in answer.split() or answer.strip() == str(want)


def _bank(rng: random.Random) -> Params:
    amount = rng.choice((12.5, 20, 35, 48.99, 60, 75.25))
    balance = rng.choice((1203.4, 2450.75, 987.1, 5310.0))
    return {"amount": f"{amount:.2f}", "amount_text": f"${amount:g}", "to": person(rng), "balance": balance,
            "balance_text": f"${balance:,.2f}", "password": rng.choice(("hunter2", "s3cret!", "tulip42"))}


async def _seed_bank(phone: AdbPhone, p: Params) -> None:
    await phone.update("account", None, balance=p["balance"])


async def _answer_balance(phone: AdbPhone, p: Params, answer: str) -> bool:
    return f"{p['balance']:,.2f}" in answer or f"{p['balance']:.2f}" in answer


async def _transferred(phone: AdbPhone, p: Params, answer: str) -> bool:
    sent = [t for t in await phone.transfers() if words(t["recipient"]) == words(p["to"])]
    return len(sent) == 1 and float(sent[0]["amount"]) == float(p["amount"]) and abs(
        await phone.balance() - (p["balance"] - float(p["amount"]))) < 0.005


def _log_in(p: Params) -> list[dict[str, object]]:
    return [launch("Bank"), type_in("Password", p["password"]), tap("Log in")]


TEMPLATES = [
    Template("notes-create", "easy", ("Notes",),
             ("Write a note titled {title} saying {body}", "Create a note called {title}: {body}"),
             _note, _seed_notes, _note_is("body"),
             lambda p: [launch("Notes"), tap("New note"), type_in("Title", p["title"]), type_in("Body", p["body"]),
                        tap("Save")]),
    Template("notes-append", "hard", ("Notes",),
             ("Add {item} to my {title} note", "oh and put {item} on the {title} list too"),
             _note, _seed_note_target, _note_appended,
             lambda p: [launch("Notes"), tap(p["title"]), type_in("Body", p["new_body"], clear=True), tap("Save")],
             frozenset({"casual"})),
    Template("notes-delete", "medium", ("Notes",), ("Delete the note called {title}",),
             _note, _seed_note_target, _note_gone,
             lambda p: [launch("Notes"), tap(p["title"]), tap("Delete note")]),
    Template("notes-read", "medium", ("Notes",), ("What's on my {title} note?", "Read me my {title} note"),
             _note, _seed_note_target, _answer_note,
             lambda p: [launch("Notes"), read("body", r"^\w+ and \w+$", after=p["title"]), done("{body}")],
             frozenset({"retrieval"})),
    Template("files-size", "medium", ("Files",), ("How big is the file {name}?", "what's the size of {name}?"),
             _files, _seed_files, _answer_size,
             lambda p: [launch("Files"), scroll_to(p["name"]), read("size", r"· (?P<v>[\d.]+ \w?B)$", after=p["name"]),
                        done("{size}")], frozenset({"retrieval", "scroll"})),
    Template("files-folder", "hard", ("Files",), ("Which folder is {name} in?", "where did I save {name}?"),
             _files, _seed_files, _answer_folder,
             lambda p: [launch("Files"), scroll_to(p["name"]), read("folder", r"^(?P<v>\w+) ·", after=p["name"]),
                        done("{folder}")], frozenset({"retrieval", "scroll", "casual"})),
    Template("files-count", "hard", ("Files",), ("How many files do I have in {count_folder}?",),
             lambda rng: {**_files(rng), "count_folder": rng.choice(FOLDERS)}, _seed_files, _answer_count,
             lambda p: [launch("Files"), scroll_to(p["entries"][0][0]),
                        done(str(sum(1 for e in p["entries"] if e[2] == p["count_folder"])))],
             frozenset({"retrieval", "scroll"})),
    Template("bank-balance", "medium", ("Bank",),
             ("Log in to my bank (password {password}) and tell me my balance",
              "how much money is in my bank account? the password is {password}"),
             _bank, _seed_bank, _answer_balance,
             lambda p: [*_log_in(p), read("balance", r"^\$[\d,]+\.\d\d$"), done("{balance}")],
             frozenset({"retrieval", "casual"})),
    Template("bank-transfer", "hard", ("Bank",),
             ("Send {amount_text} to {to} from my bank account (password {password})",
              "pay {to} {amount_text} through the bank app, password is {password}"),
             _bank, _seed_bank, _transferred,
             lambda p: [*_log_in(p), tap("Transfer"), type_in("To", p["to"]), type_in("Amount", p["amount"]),
                        tap("Send")], frozenset({"casual"})),
]
