"""The exact privacy gate for one screen: why it may not leave the device, or None.

A screen is kept on the device for what it *holds*, never for the words on it:
- an app on the user's sensitive list (`[privacy] sensitive_apps`);
- a password field holding a value (its bullets or clear text; never its label or hint);
- a sensitive value in any element (values.py: card, IBAN, ID number, one-time code,
  a stated password), including a code shown in its own element beside a label
  such as "Verification code";
- text matching one of the user's `extra_patterns`.
Allow-listed text (`allow_patterns`) never counts. A secure screen (FLAG_SECURE, a
focused password field) is the router's own signal and is not repeated here.
"""

from __future__ import annotations

import re

from ..devices.base import Observation, UIElement
from .rules import NO_RULES, PrivacyRules
from .values import OTP_CONTEXT, SECRET_CONTEXT, gate_reason

__all__ = ["holds_password", "screen_reason", "text_reason"]

_MASK = re.compile(r"[•●∙·*\u2022\u25cf]+")
_LONE_CODE = re.compile(r"(?:[A-Z]{1,3}-)?\d{4,8}")
_HINT_WORDS = re.compile(r"^[A-Za-z][A-Za-z .:/'-]{0,40}$")


def text_reason(texts: list[str], rules: PrivacyRules = NO_RULES) -> str | None:
    """Why these texts show something that must stay on the device, or None (values, user rules)."""
    for text in texts:
        if rules.allows(text):
            continue
        if (why := gate_reason(text)) is not None:
            return why
        if (mine := rules.extra_match(text)) is not None:
            return f"screen text matches the privacy rule {mine!r}"
    return None


def holds_password(el: UIElement) -> bool:
    """A password field with a value in it: masked bullets, or clear text that is not its hint."""
    if not el.password or not el.text.strip():
        return False
    text = el.text.strip()
    if _MASK.fullmatch(text):
        return True
    # An empty field shows its hint or label ("Password", "Enter your PIN"): words, no value.
    hint = text == el.description or (_HINT_WORDS.match(text) is not None and SECRET_CONTEXT.search(text) is not None)
    return not hint


def screen_reason(obs: Observation, rules: PrivacyRules = NO_RULES) -> str | None:
    """Why `obs` must stay on the device (beyond its secure flag), or None."""
    if (app := rules.sensitive_app(obs.foreground_package, obs.foreground_app)) is not None:
        return f"{obs.foreground_app or obs.foreground_package} is a sensitive app ({app!r})"
    for el in obs.elements:
        if holds_password(el):
            return f"password field {el.id} holds a value"
    texts = [t for e in obs.elements for t in (e.text, e.description) if t]
    if (why := text_reason(texts, rules)) is not None:
        return why
    before = ""
    for el in obs.elements:  # a code in its own element, right after its label
        text = el.text.strip()
        if _LONE_CODE.fullmatch(text) and not rules.allows(text):
            context = f"{before} {el.description} {el.resource_id.replace('_', ' ')}"
            if OTP_CONTEXT.search(context) or SECRET_CONTEXT.search(context):
                return "screen shows a one-time code"
        before = el.label
    return None
