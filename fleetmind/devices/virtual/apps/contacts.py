"""Contacts (com.android.contacts): list, detail, create/edit form."""

from __future__ import annotations

from ..state import Contact, PhoneState, ScreenRef
from ..ui import PAD, SCREEN_W, App, Command, Node, Screen, View, box
from ..widgets import (
    FIELD_GAP,
    FIELD_H,
    RowBuilder,
    app_bar,
    button,
    error_text,
    field,
    scroll_list,
    text_view,
)
from . import messages

PACKAGE = "com.android.contacts"
FORM_FIELDS = (("name", "Name"), ("phone", "Phone"), ("email", "Email"))


def sorted_indices(state: PhoneState) -> list[int]:
    """Indices into `state.contacts`, in the order the list shows them (by name)."""
    return sorted(range(len(state.contacts)), key=lambda i: state.contacts[i].name.casefold())


def _open(name: str, **params: object) -> Command:
    def run(state: PhoneState) -> str:
        state.nav.push(ScreenRef(app=PACKAGE, name=name, params=dict(params)))
        return f"opened {name}"

    return run


def _edit(index: int) -> Command:
    def run(state: PhoneState) -> str:
        c = state.contacts[index]
        state.nav.push(
            ScreenRef(
                app=PACKAGE,
                name="form",
                params={"index": index},
                fields={"name": c.name, "phone": c.phone, "email": c.email},
            )
        )
        return f"editing {c.name}"

    return run


def _delete(index: int) -> Command:
    def run(state: PhoneState) -> str:
        removed = state.contacts.pop(index)
        state.nav.pop()
        return f"deleted contact {removed.name}"

    return run


def _message(phone: str) -> Command:
    return lambda state: messages.open_compose(state, to=phone)


def list_screen(v: View) -> Screen:
    """All contacts sorted by name, with a "Create contact" action."""
    contacts = v.state.contacts
    nodes = app_bar(v, "Contacts", up=False, actions=[("", "Create contact", _open("form", index=-1))])

    def row(i: int) -> RowBuilder:
        return lambda b: Node(
            "android.widget.TextView",
            b,
            text=contacts[i].name,
            resource_id=v.rid("contact_name"),
            clickable=True,
            on_tap=_open("detail", index=i),
        )

    if not contacts:
        nodes.append(text_view("No contacts", box(PAD, v.top + 40, SCREEN_W - PAD, v.top + 120), rid=v.rid("empty")))
        return Screen("Contacts", nodes, activity=".activities.PeopleActivity")
    lst, area = scroll_list(v, [row(i) for i in sorted_indices(v.state)], v.top, v.bottom)
    nodes.append(lst)
    return Screen("Contacts", nodes, activity=".activities.PeopleActivity", scroll=area)


def detail_screen(v: View) -> Screen:
    """One contact: name, phone, email; Edit, Delete and Message actions."""
    index = int(v.ref.params.get("index", -1))
    if not 0 <= index < len(v.state.contacts):
        nodes = app_bar(v, "Contact")
        nodes.append(text_view("Contact not found", box(PAD, v.top + 40, SCREEN_W - PAD, v.top + 120)))
        return Screen("Contact", nodes, activity=".activities.QuickContactActivity")
    c: Contact = v.state.contacts[index]
    nodes = app_bar(
        v, c.name, actions=[("Edit", "Edit contact", _edit(index)), ("Delete", "Delete contact", _delete(index))]
    )
    top = v.top + 40
    nodes.append(text_view(c.name, box(PAD, top, SCREEN_W - PAD, top + 120), rid=v.rid("name")))
    top += 160
    for label, value, name in (("Phone", c.phone, "phone"), ("Email", c.email, "email")):
        if value:
            nodes.append(
                text_view(
                    value, box(PAD, top, SCREEN_W - PAD, top + 100), rid=v.rid(name), description=f"{label} {value}"
                )
            )
            top += 120
    if c.phone:
        nodes.append(
            button(
                "Message",
                box(PAD, top + 20, 520, top + 160),
                _message(c.phone),
                description=f"Message {c.name}",
                rid=v.rid("message"),
            )
        )
    return Screen(c.name, nodes, activity=".activities.QuickContactActivity")


def _save(state: PhoneState) -> str:
    ref = state.nav.stack[-1]
    values = {key: ref.fields.get(key, "").strip() for key, _ in FORM_FIELDS}
    if not values["name"]:
        ref.error = "Name is required"
        return "not saved: Name is required"
    contact = Contact(**values)
    index = int(ref.params.get("index", -1))
    if 0 <= index < len(state.contacts):
        state.contacts[index] = contact
        state.nav.pop()  # back to the detail screen it was opened from
        return f"saved contact {contact.name}"
    state.contacts.append(contact)
    state.nav.replace(ScreenRef(app=PACKAGE, name="detail", params={"index": len(state.contacts) - 1}))
    return f"saved contact {contact.name}"


def form_screen(v: View) -> Screen:
    """Create or edit a contact: Name, Phone, Email fields and Save."""
    editing = int(v.ref.params.get("index", -1)) >= 0
    title = "Edit contact" if editing else "Create contact"
    nodes = app_bar(v, title, actions=[("Save", "Save", _save)])
    top = v.top + 40
    for key, label in FORM_FIELDS:
        nodes.append(field(v, key, label, top, name=key))
        top += FIELD_H + FIELD_GAP
    nodes += error_text(v, top)
    return Screen(
        title,
        nodes,
        activity=".activities.ContactEditorActivity",
        fields=tuple(k for k, _ in FORM_FIELDS),
        submit=_save,
    )


APP = App(
    label="Contacts",
    package=PACKAGE,
    activity=".activities.PeopleActivity",
    main="list",
    screens={"list": list_screen, "detail": detail_screen, "form": form_screen},
)
