"""The device host's side of secrets: answer a secret question from the store (or from the
user, offering to save the answer), and put the value in only as the device types it.

The agent loop asks a "secret" question when a password or PIN field is empty
(agents/questions.py `missing_secret`); the question names the secret the request means
("my bank PIN" -> bank-pin) or the name an answer would be saved under (bank-password).
`SecretKeeper.asker` wraps the host's way of asking: a stored secret answers at once and
the user is never asked; otherwise the user is asked, then asked whether to save the
answer. Either way the loop gets back only the placeholder `•••• (secret "bank-pin")`, so
its state, checkpoints, records and prompts never hold the value.
`SecretKeeper.device` wraps the device: a `type_text` holding a placeholder gets the value
swapped in just before the real device types it, and only into a password or PIN field,
and only for a secret this device's current subtask was given (a model that copies a
placeholder into a message field or names another secret gets an error, not the value).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any, Literal

from ..agents.questions import PendingQuestion, is_yes
from ..devices.base import Action, ActionOutcome, Device, DeviceInfo, Observation, TypeText, UIElement
from .names import InvalidName, fill_placeholders, normalise_name, placeholder, placeholder_names
from .store import SecretStore, SecretStoreError, open_store

__all__ = ["SAVE_QUESTION", "SecretKeeper", "SecretTypingDevice"]

log = logging.getLogger(__name__)

AskFn = Callable[[PendingQuestion], Awaitable[str]]
OfferSave = Literal["named", "always", "never"]
SAVE_QUESTION = "Save it as secret"
"""How the follow-up question that offers to save a secret answer begins."""
_SECRET_FIELD = re.compile(r"\b(pin|password|passcode|passphrase)\b", re.I)


class SecretKeeper:
    """Secrets for the subtasks of one device host.

    store: where saved secrets are; None opens the configured one (fleetmind.toml's
    [secrets] and data_dir, FLEETMIND_* variables) the first time a secret is needed.
    apps: app name -> secret name, for requests that name no secret ("the Bank's PIN is
    secret bank-pin"); normalised on both sides. None: the configured `secrets.apps`.
    offer_save: after the user answers, ask whether to save the answer: "named" only when the
    request named a secret that is not saved yet, "always", or "never". None: the configured
    `secrets.offer_save` ("named" by default, so an unnamed PIN question stays one question).
    """

    def __init__(
        self,
        store: SecretStore | None = None,
        *,
        apps: Mapping[str, str] | None = None,
        offer_save: OfferSave | None = None,
    ) -> None:
        self._store = store
        self._store_error: str | None = None
        self._configured = store is not None
        self.apps = _normalised(apps or {})
        self.offer_save: OfferSave = offer_save or "named"
        self._offer_given = offer_save is not None
        self._granted: dict[str, set[str]] = {}
        """device id -> the secrets its current subtask may type."""
        self._unsaved: dict[tuple[str, str], str] = {}
        """(device id, name) -> an answer the user chose not to save: kept in memory for this subtask only."""

    def store(self) -> SecretStore | None:
        """The store, opened on first use; None (and a warning, once) when it cannot be opened."""
        if not self._configured:
            self._configured = True
            from ..config.loading import ConfigError, load_config  # the configuration sits above us

            try:
                settings = load_config().settings
                self.apps = self.apps or _normalised(settings.secrets.apps)
                if not self._offer_given:
                    self.offer_save = settings.secrets.offer_save
                self._store = open_store(settings.secrets.backend, settings.data_path())
            except (ConfigError, SecretStoreError, InvalidName) as exc:
                self._store_error = str(exc)
                log.warning("no secret store: %s; secrets are asked for every time and cannot be saved", exc)
        return self._store

    def _stored(self, name: str) -> bool:
        store = self.store()
        if store is None:
            return False
        try:
            return store.get(name) is not None
        except SecretStoreError as exc:
            log.warning("secret store: %s", exc)
            return False

    # answering questions ---------------------------------------------------------------

    def asker(self, ask: AskFn, device_id: str) -> AskFn:
        """`ask`, with secret questions answered from the store or turned into a placeholder."""

        async def ask_with_secrets(question: PendingQuestion) -> str:
            if question.purpose != "secret":
                return await ask(question)
            return await self._answer(question, ask, device_id)

        return ask_with_secrets

    async def _answer(self, question: PendingQuestion, ask: AskFn, device_id: str) -> str:
        self.store()  # reads the configured app -> secret map too
        mapped = self.apps.get(normalise_name(question.app)) if question.app.strip() else None
        wanted = question.secret or mapped or question.save_as
        for name in dict.fromkeys(n for n in (question.secret, mapped, question.save_as) if n):
            if question.secret and name != question.secret:
                break  # the request named its secret: never another one in its place
            if self._stored(name):
                log.info("secret %r for %s on %s answered from the store", name, question.app, device_id)
                return self._grant(device_id, name)
        answer = await ask(question)
        if not answer.strip() or answer.startswith("\x00"):  # no answer, or none in time: the loop says so
            return answer
        offer = self.offer_save == "always" or (self.offer_save == "named" and bool(question.secret))
        if wanted and offer:
            store = self.store()
            if store is not None:
                save = PendingQuestion(
                    f'{SAVE_QUESTION} "{wanted}" on this device host ({store.where}), so it is not asked again? '
                    "(yes/no)",
                    "confirm",
                    kind="confirm",
                    options=["yes", "no"],
                )
                if is_yes(await ask(save)):
                    try:
                        store.set(wanted, answer.strip())
                        log.info("secret %r saved in %s", wanted, store.where)
                        return self._grant(device_id, wanted)
                    except SecretStoreError as exc:
                        log.warning("secret %r not saved: %s", wanted, exc)
        name = wanted or "answer"
        self._unsaved[(device_id, name)] = answer.strip()
        return self._grant(device_id, name)

    def _grant(self, device_id: str, name: str) -> str:
        self._granted.setdefault(device_id, set()).add(name)
        return placeholder(name)

    def forget(self, device_id: str) -> None:
        """The device's subtask ended: it may type no secret any more, and unsaved answers are dropped."""
        self._granted.pop(device_id, None)
        for key in [k for k in self._unsaved if k[0] == device_id]:
            del self._unsaved[key]

    # typing ----------------------------------------------------------------------------

    def value(self, device_id: str, name: str) -> str | None:
        """The value of a secret this device's subtask was given, or None."""
        if name not in self._granted.get(device_id, set()):
            return None
        if (device_id, name) in self._unsaved:
            return self._unsaved[(device_id, name)]
        store = self.store()
        return store.get(name) if store is not None else None

    def device(self, device: Device) -> SecretTypingDevice:
        """`device`, typing secret values where actions hold their placeholders."""
        return SecretTypingDevice(device, self)


class SecretTypingDevice(Device):
    """A device that swaps a secret's value in for its placeholder as it types; all else passes through."""

    def __init__(self, inner: Device, keeper: SecretKeeper) -> None:
        self.inner = inner
        self.keeper = keeper
        self._last: Observation | None = None

    @property
    def info(self) -> DeviceInfo:
        """The wrapped device's profile."""
        return self.inner.info

    def __getattr__(self, name: str) -> Any:  # a driver's own extras (a virtual phone's state, ...)
        if name == "inner":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    async def observe(self) -> Observation:
        """The wrapped device's observation (kept, to check where a secret would be typed)."""
        self._last = await self.inner.observe()
        return self._last

    async def act(self, action: Action) -> ActionOutcome:
        """Carry out `action`, with secret values typed in place of their placeholders."""
        if not isinstance(action, TypeText) or not (names := placeholder_names(action.text)):
            return await self.inner.act(action)
        field = self._field(action)
        label = (field.description or field.text or field.resource_id) if field is not None else ""
        if field is None or not (field.password or _SECRET_FIELD.search(label)):
            what = f"“{label}”" if field is not None else "an unknown field"
            return ActionOutcome(ok=False, error=f"a secret is typed only into a password or PIN field, not {what}")
        values: dict[str, str] = {}
        for name in names:
            value = self.keeper.value(self.info.id, name)
            if value is None:
                return ActionOutcome(
                    ok=False,
                    error=f'secret "{name}" was not given to this subtask or is no longer stored; '
                    f"save it with `fleetmind secrets set {name}`",
                )
            values[name] = value
        log.info("typing secret %s on %s", ", ".join(repr(n) for n in names), self.info.id)
        return await self.inner.act(action.model_copy(update={"text": fill_placeholders(action.text, values)}))

    def _field(self, action: TypeText) -> UIElement | None:
        if self._last is None:
            return None
        if action.target is not None and action.target.element is not None:
            return self._last.element(action.target.element)
        if action.target is None:
            return next((e for e in self._last.elements if e.focused and e.editable), None)
        return None  # a point: which field it lands on is not known here

    async def today(self) -> date:
        """The wrapped device's own day."""
        return await self.inner.today()

    async def close(self) -> None:
        """Close the wrapped device."""
        await self.inner.close()


def _normalised(apps: Mapping[str, str]) -> dict[str, str]:
    return {normalise_name(app): normalise_name(name) for app, name in apps.items()}
