"""Messages (com.google.android.apps.messaging): conversations, threads, compose."""

from __future__ import annotations

import re

from ..dialogs import alert, ask_permission, has_permission
from ..state import Contact, PhoneState, ScreenRef, Sms
from ..ui import PAD, SCREEN_W, App, Command, Screen, View, box
from ..widgets import (
    FIELD_GAP,
    FIELD_H,
    RowBuilder,
    app_bar,
    button,
    error_text,
    fab,
    field,
    scroll_list,
    text_view,
    two_line_row,
)

PACKAGE = "com.google.android.apps.messaging"
LABEL = "Messages"
PERMISSION = "send SMS"
BUBBLE_H = 130
SUGGESTION_H = 150
_NUMBER = re.compile(r"\+?[\d\s().-]{3,}")


def open_compose(state: PhoneState, to: str = "") -> str:
    """Open a new conversation, optionally addressed; asks for SMS permission if needed."""
    state.nav.push(ScreenRef(app=PACKAGE, name="compose", fields={"to": to} if to else {}))
    if not has_permission(state, PACKAGE):
        ask_permission(state, PACKAGE, LABEL, PERMISSION)
    return "opened a new conversation"


def _open_thread(peer: str) -> Command:
    def run(state: PhoneState) -> str:
        state.nav.push(ScreenRef(app=PACKAGE, name="thread", params={"peer": peer}))
        return f"opened conversation with {state.display_name(peer)}"

    return run


def resolve_recipient(state: PhoneState, to: str) -> str | None:
    """The number to send to: a contact's phone when `to` names one, `to` itself when it is a
    number, else None (a name that is no contact's, as Android's Messages refuses it)."""
    wanted = to.strip().casefold()
    match = next((c for c in state.contacts if c.name.casefold() == wanted and c.phone), None)
    if match:
        return match.phone
    return to.strip() if _NUMBER.fullmatch(to.strip()) else None


def suggestions(state: PhoneState, typed: str) -> list[Contact]:
    """Contacts with a phone whose name has every word typed so far (as the To field's dropdown shows)."""
    words = typed.casefold().split()
    if not words or _NUMBER.fullmatch(typed.strip()):
        return []
    exact = any(c.name.casefold() == typed.strip().casefold() for c in state.contacts)
    found = [
        c
        for c in state.contacts
        if c.phone and all(any(n.startswith(w) for n in c.name.casefold().split()) for w in words)
    ]
    return [] if exact and len(found) == 1 else found


def _pick_recipient(name: str) -> Command:
    def run(state: PhoneState) -> str:
        state.nav.stack[-1].fields["to"] = name
        state.nav.stack[-1].error = ""
        return f"recipient set to {name}"

    return run


def send(state: PhoneState, to: str, body: str) -> str:
    """Send an SMS if the phone can; on success the thread with `to` is shown."""
    ref = state.nav.stack[-1]
    if not to.strip():
        ref.error = "Enter a recipient"
        return "not sent: no recipient"
    if not body.strip():
        ref.error = "Type a message"
        return "not sent: empty message"
    if not has_permission(state, PACKAGE):
        return "not sent: " + ask_permission(state, PACKAGE, LABEL, PERMISSION)
    if state.settings.airplane_mode:
        return "not sent: " + alert(state, "Message not sent", "Turn off Airplane mode to send SMS.", PACKAGE)
    number = resolve_recipient(state, to)
    if number is None:
        ref.error = f"No contact named {to.strip()}: pick one of the suggestions or type a number"
        return "not sent: unknown recipient"
    state.messages.append(Sms(to=number, body=body, ts=state.now))
    state.nav.replace(ScreenRef(app=PACKAGE, name="thread", params={"peer": number}))
    return f"sent SMS to {state.display_name(number)}"


def _send_from_form(state: PhoneState) -> str:
    ref = state.nav.stack[-1]
    return send(state, ref.fields.get("to", ""), ref.fields.get("body", ""))


def _send_in_thread(state: PhoneState) -> str:
    ref = state.nav.stack[-1]
    return send(state, str(ref.params.get("peer", "")), ref.fields.get("body", ""))


def list_screen(v: View) -> Screen:
    """Conversations, newest first, and a "Start chat" button."""
    latest: dict[str, Sms] = {}
    for sms in v.state.messages:
        if sms.peer not in latest or sms.ts >= latest[sms.peer].ts:
            latest[sms.peer] = sms
    peers = sorted(latest, key=lambda p: -latest[p].ts)
    nodes = app_bar(v, LABEL, up=False)
    start = fab("Start chat", "Start chat", lambda state: open_compose(state), v.bottom)
    list_bottom = start.bounds.top - 24

    def row(peer: str) -> RowBuilder:
        name = v.state.display_name(peer)
        return lambda b: two_line_row(
            b,
            name,
            latest[peer].body,
            _open_thread(peer),
            rid=v.rid("conversation_name"),
            description=f"Conversation with {name}",
        )

    if peers:
        lst, area = scroll_list(v, [row(p) for p in peers], v.top, list_bottom, row_h=180)
        nodes.append(lst)
    else:
        area = None
        nodes.append(text_view("No conversations yet", box(PAD, v.top + 40, SCREEN_W - PAD, v.top + 120)))
    nodes.append(start)
    return Screen(LABEL, nodes, activity=".ui.ConversationListActivity", scroll=area)


def thread_screen(v: View) -> Screen:
    """One conversation: the latest messages that fit, and a reply box with Send."""
    peer = str(v.ref.params.get("peer", ""))
    name = v.state.display_name(peer)
    nodes = app_bar(v, name)
    compose_top = v.bottom - FIELD_H - 24
    room = max(0, (compose_top - v.top - 24) // BUBBLE_H)
    thread = [m for m in v.state.messages if m.peer == peer]
    top = v.top + 24
    for m in thread[-room:] if room else []:
        left, right = (360, SCREEN_W - PAD) if m.outgoing else (PAD, SCREEN_W - 360)
        who = "You" if m.outgoing else name
        nodes.append(
            text_view(
                m.body,
                box(left, top, right, top + BUBBLE_H - 20),
                rid=v.rid("message_text"),
                description=f"{who}: {m.body}",
            )
        )
        top += BUBBLE_H
    nodes.append(field(v, "body", "Text message", compose_top, name="compose_message_text", right=800))
    nodes.append(
        button(
            "Send",
            box(824, compose_top, SCREEN_W - PAD, compose_top + FIELD_H),
            _send_in_thread,
            description="Send SMS",
            rid=v.rid("send_message_button"),
        )
    )
    return Screen(
        name, nodes, activity=".ui.conversation.ConversationActivity", fields=("body",), submit=_send_in_thread
    )


def compose_screen(v: View) -> Screen:
    """A new message: To and Message fields and a Send button."""
    nodes = app_bar(v, "New conversation")
    top = v.top + 40
    nodes.append(field(v, "to", "To", top, name="recipient_text_view"))
    top += FIELD_H + FIELD_GAP
    for contact in suggestions(v.state, v.value("to"))[:4]:
        nodes.append(
            two_line_row(
                box(0, top, SCREEN_W, top + SUGGESTION_H),
                contact.name,
                contact.phone,
                _pick_recipient(contact.name),
                rid=v.rid("contact_suggestion"),
                description=f"{contact.name}, {contact.phone}",
            )
        )
        top += SUGGESTION_H
    nodes.append(field(v, "body", "Message", top, name="compose_message_text", height=FIELD_H * 2))
    top += FIELD_H * 2 + FIELD_GAP
    nodes.append(
        button(
            "Send",
            box(SCREEN_W - 400, top, SCREEN_W - PAD, top + 140),
            _send_from_form,
            description="Send SMS",
            rid=v.rid("send_message_button"),
        )
    )
    nodes += error_text(v, top + 160)
    return Screen(
        "New conversation",
        nodes,
        activity=".ui.conversation.ConversationActivity",
        fields=("to", "body"),
        submit=_send_from_form,
    )


APP = App(
    label=LABEL,
    package=PACKAGE,
    activity=".ui.ConversationListActivity",
    main="list",
    screens={"list": list_screen, "thread": thread_screen, "compose": compose_screen},
    permission_prompt=PERMISSION,
)
