"""Bank (com.fleetmind.bank): password login, balance, transfers. Every screen is FLAG_SECURE."""

from __future__ import annotations

from ..state import PhoneState, ScreenRef, Transaction
from ..ui import PAD, SCREEN_W, App, Screen, View, box
from ..widgets import FIELD_GAP, FIELD_H, app_bar, button, error_text, field, text_view

PACKAGE = "com.fleetmind.bank"


def money(amount: float) -> str:
    """An amount as the app shows it, e.g. $2,450.75."""
    return f"${amount:,.2f}"


def _log_in(state: PhoneState) -> str:
    ref = state.nav.stack[-1]
    # Any non-empty password works: the simulator tests the flow, not the secret.
    if not ref.fields.get("password", ""):
        ref.error = "Enter your password"
        return "not logged in: empty password"
    state.bank.logged_in = True
    state.nav.replace(ScreenRef(app=PACKAGE, name="account"))
    return "logged in"


def _log_out(state: PhoneState) -> str:
    state.bank.logged_in = False
    state.nav.replace(ScreenRef(app=PACKAGE, name="login"))
    return "logged out"


def _open_transfer(state: PhoneState) -> str:
    state.nav.push(ScreenRef(app=PACKAGE, name="transfer"))
    return "opened Transfer"


def _transfer(state: PhoneState) -> str:
    ref = state.nav.stack[-1]
    ref.error = ""
    to = ref.fields.get("to", "").strip()
    text = ref.fields.get("amount", "").strip().lstrip("$").replace(",", "")
    try:
        amount = round(float(text), 2)
    except ValueError:
        amount = 0.0
    if not to:
        ref.error = "Enter a recipient"
    elif amount <= 0:
        ref.error = "Enter an amount greater than 0"
    elif amount > state.bank.balance:
        ref.error = "Insufficient funds"
    if ref.error:
        return f"not sent: {ref.error}"
    state.bank.balance = round(state.bank.balance - amount, 2)
    state.bank.transactions.append(Transaction(to=to, amount=amount, ts=state.now))
    state.nav.pop()
    return f"sent {money(amount)} to {to}"


def login_screen(v: View) -> Screen:
    """Password field and "Log in"."""
    nodes = app_bar(v, "Bank", up=False)
    top = v.top + 60
    nodes.append(text_view("Welcome back", box(PAD, top, SCREEN_W - PAD, top + 100), rid=v.rid("welcome")))
    top += 160
    nodes.append(field(v, "password", "Password", top, name="password", password=True))
    top += FIELD_H + FIELD_GAP
    nodes.append(button("Log in", box(PAD, top, SCREEN_W - PAD, top + 140), _log_in, rid=v.rid("login")))
    nodes += error_text(v, top + 160)
    return Screen("Bank", nodes, activity=".LoginActivity", secure=True, fields=("password",), submit=_log_in)


def account_screen(v: View) -> Screen:
    """Balance, Transfer, the recent transfers (newest first) and Log out."""
    bank = v.state.bank
    nodes = app_bar(v, "Bank", up=False, actions=[("Log out", "Log out", _log_out)])
    top = v.top + 40
    nodes.append(text_view(bank.owner, box(PAD, top, SCREEN_W - PAD, top + 80), rid=v.rid("owner")))
    top += 100
    nodes.append(text_view("Balance", box(PAD, top, SCREEN_W - PAD, top + 80)))
    top += 80
    nodes.append(
        text_view(
            money(bank.balance),
            box(PAD, top, SCREEN_W - PAD, top + 140),
            rid=v.rid("balance"),
            description=f"Balance {money(bank.balance)}",
        )
    )
    top += 180
    nodes.append(button("Transfer", box(PAD, top, 520, top + 140), _open_transfer, rid=v.rid("transfer")))
    top += 200
    if bank.transactions:  # newest first, each saying what it was, as banking apps list recent activity
        nodes.append(text_view("Recent transfers", box(PAD, top, SCREEN_W - PAD, top + 80), rid=v.rid("recent")))
        top += 90
    for t in reversed(bank.transactions[-5:]):
        line = f"Transfer to {t.to} \u00b7 -{money(t.amount)}"
        nodes.append(text_view(line, box(PAD, top, SCREEN_W - PAD, top + 100), rid=v.rid("transaction")))
        top += 110
    return Screen("Bank", nodes, activity=".AccountActivity", secure=True)


def transfer_screen(v: View) -> Screen:
    """To and Amount fields and Send."""
    nodes = app_bar(v, "Transfer")
    top = v.top + 40
    nodes.append(field(v, "to", "To", top, name="recipient"))
    top += FIELD_H + FIELD_GAP
    nodes.append(field(v, "amount", "Amount", top, name="amount"))
    top += FIELD_H + FIELD_GAP
    nodes.append(button("Send", box(SCREEN_W - 400, top, SCREEN_W - PAD, top + 140), _transfer, rid=v.rid("send")))
    nodes += error_text(v, top + 160)
    return Screen(
        "Transfer", nodes, activity=".TransferActivity", secure=True, fields=("to", "amount"), submit=_transfer
    )


def _on_launch(state: PhoneState) -> None:
    # Banking apps ask for the password every time they are opened.
    state.bank.logged_in = False


APP = App(
    label="Bank",
    package=PACKAGE,
    activity=".LoginActivity",
    main="login",
    screens={"login": login_screen, "account": account_screen, "transfer": transfer_screen},
    secure=True,
    on_launch=_on_launch,
)
