"""Encode and decode protocol messages; every decoding error names what was wrong."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .messages import PROTOCOL_VERSION, Message

_ADAPTER: TypeAdapter[Message] = TypeAdapter(Message)
# Close codes for fatal errors (4000-4999 are free for applications).
CLOSE_UNSUPPORTED_VERSION = 4002
CLOSE_UNAUTHORIZED = 4001
CLOSE_PROTOCOL_VIOLATION = 4003


class ProtocolError(ValueError):
    """A frame that is not a valid message.

    `code` is machine-readable (bad_json, bad_envelope, unknown_type, invalid_field,
    unsupported_version); `field` is the dotted path of the offending field, if any.
    `fatal` errors (unsupported_version) close the connection; the others are
    answered with an `error` message and the connection goes on.
    """

    def __init__(self, code: str, message: str, field: str | None = None, *, fatal: bool = False):
        super().__init__(message)
        self.code = code
        self.field = field
        self.fatal = fatal
        self.message_id: str | None = None


def encode(message: Message) -> str:
    """One message as a JSON text frame."""
    return message.model_dump_json(exclude_none=True)


def _field_path(loc: tuple[int | str, ...]) -> str:
    # pydantic puts the union tag first ("progress.step"); readers want "step".
    parts = [str(p) for p in loc]
    return ".".join(parts[1:] if len(parts) > 1 else parts)


def decode(frame: str | bytes) -> Message:
    """Parse one text frame into a message, or raise `ProtocolError` naming the field."""
    try:
        raw: Any = json.loads(frame)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError("bad_json", f"frame is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ProtocolError("bad_envelope", "a message must be a JSON object")
    msg_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    version = raw.get("v", PROTOCOL_VERSION)
    if type(version) is not int or version != PROTOCOL_VERSION:  # bool is an int subclass
        err = ProtocolError(
            "unsupported_version",
            f"protocol version {version!r} is not supported; this side speaks v{PROTOCOL_VERSION}."
            " Upgrade the older of agent and orchestrator so both speak the same version.",
            "v",
            fatal=True,
        )
        err.message_id = msg_id
        raise err
    if "type" not in raw:
        err = ProtocolError("bad_envelope", "message has no 'type' field", "type")
        err.message_id = msg_id
        raise err
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "union_tag_invalid":
            err = ProtocolError("unknown_type", f"unknown message type {raw.get('type')!r}", "type")
        else:
            field = _field_path(first["loc"])
            err = ProtocolError(
                "invalid_field",
                f"field '{field}' of a {raw.get('type')!r} message: {first['msg']} (got {first.get('input')!r})",
                field,
            )
        err.message_id = msg_id
        raise err from None
