"""Notes (com.fleetmind.notes): list, new/edit form."""

from __future__ import annotations

from ..state import Note, PhoneState, ScreenRef
from ..ui import PAD, SCREEN_W, App, Command, Screen, View, box
from ..widgets import (
    FIELD_GAP,
    FIELD_H,
    RowBuilder,
    app_bar,
    error_text,
    fab,
    field,
    scroll_list,
    text_view,
    two_line_row,
)
from .records import delete_open_record, record_index, save_record

PACKAGE = "com.fleetmind.notes"


def _open_form(index: int) -> Command:
    def run(state: PhoneState) -> str:
        fields: dict[str, str] = {}
        if index >= 0:
            n = state.notes[index]
            fields = {"title": n.title, "body": n.body}
        state.nav.push(ScreenRef(app=PACKAGE, name="form", params={"index": index}, fields=fields))
        return "opened " + (f"note {state.notes[index].title!r}" if index >= 0 else "a new note")

    return run


def list_screen(v: View) -> Screen:
    """Notes in creation order, and "New note"."""
    notes = v.state.notes
    nodes = app_bar(v, "Notes", up=False)
    new = fab("New note", "New note", _open_form(-1), v.bottom)

    def row(i: int) -> RowBuilder:
        first_line = notes[i].body.splitlines()[0] if notes[i].body else ""
        return lambda b: two_line_row(
            b, notes[i].title or "Untitled", first_line, _open_form(i), rid=v.rid("note_title")
        )

    area = None
    if notes:
        lst, area = scroll_list(v, [row(i) for i in range(len(notes))], v.top, new.bounds.top - 24)
        nodes.append(lst)
    else:
        nodes.append(text_view("No notes", box(PAD, v.top + 40, SCREEN_W - PAD, v.top + 120)))
    nodes.append(new)
    return Screen("Notes", nodes, activity=".NotesListActivity", scroll=area)


def _save(state: PhoneState) -> str:
    ref = state.nav.stack[-1]
    note = Note(title=ref.fields.get("title", "").strip(), body=ref.fields.get("body", ""))
    if not note.title and not note.body.strip():
        ref.error = "Note is empty"
        return "not saved: the note is empty"
    save_record(state.notes, ref, note)
    state.nav.pop()
    return f"saved note {note.title or 'Untitled'!r}"


def _delete(state: PhoneState) -> str:
    note = delete_open_record(state, state.notes)
    return f"deleted note {note.title!r}"


def form_screen(v: View) -> Screen:
    """A note being written: Title and Body fields and Save."""
    editing = record_index(v.ref) >= 0
    title = "Edit note" if editing else "New note"
    actions = [("Delete", "Delete note", _delete)] if editing else []
    nodes = app_bar(v, title, actions=[*actions, ("Save", "Save", _save)])
    top = v.top + 40
    nodes.append(field(v, "title", "Title", top, name="title"))
    top += FIELD_H + FIELD_GAP
    nodes.append(field(v, "body", "Body", top, name="body", height=FIELD_H * 3))
    top += FIELD_H * 3 + FIELD_GAP
    nodes += error_text(v, top)
    return Screen(title, nodes, activity=".NoteEditorActivity", fields=("title", "body"), submit=_save)


APP = App(
    label="Notes",
    package=PACKAGE,
    activity=".NotesListActivity",
    main="list",
    screens={"list": list_screen, "form": form_screen},
)
