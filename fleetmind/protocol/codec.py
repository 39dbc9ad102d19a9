"""Encode and decode protocol messages; every decoding error names what was wrong.

`decode` never raises anything but `ProtocolError`, whatever the input: frames too
large for their message type, nesting deeper than `MAX_DEPTH`, integers longer than
`MAX_INT_DIGITS`, NaN and infinities (JSON's non-standard `NaN`/`Infinity`, or a
literal like `1e999` that overflows a float) are refused before validation. Error
messages quote at most `QUOTE_CHARS` characters of the bad input, so an error reply
never echoes a large frame back.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .messages import PROTOCOL_VERSION, Message

_ADAPTER: TypeAdapter[Message] = TypeAdapter(Message)
# Close codes for fatal errors (4000-4999 are free for applications).
CLOSE_UNSUPPORTED_VERSION = 4002
CLOSE_UNAUTHORIZED = 4001
CLOSE_PROTOCOL_VIOLATION = 4003

MAX_DEPTH = 32
"""Deepest nesting of objects and arrays a frame may have (a step's action is ~3 deep)."""
MAX_INT_DIGITS = 20
"""Longest integer literal accepted (seq numbers and counters fit in 64 bits)."""
QUOTE_CHARS = 80
"""At most this much of a bad value is quoted back in an error message."""
FRAME_LIMITS: dict[str, int] = {
    "progress": 512 * 1024,  # a step may carry a small screenshot thumbnail
    "assign": 256 * 1024,  # inputs flowing in from upstream subtasks
    "result": 256 * 1024,  # named outputs
    "hello": 64 * 1024,
    "welcome": 64 * 1024,
    "question": 64 * 1024,
    "answer": 64 * 1024,
}
"""Largest frame, in bytes, per message type; `DEFAULT_FRAME_LIMIT` for the others."""
DEFAULT_FRAME_LIMIT = 16 * 1024


class ProtocolError(ValueError):
    """A frame that is not a valid message.

    `code` is machine-readable (bad_json, bad_number, too_deep, too_large, bad_envelope,
    unknown_type, invalid_field, unsupported_version); `field` is the dotted path of the
    offending field, if any. `fatal` errors (unsupported_version) close the connection;
    the others are answered with an `error` message and the connection goes on.
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


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """`repr(value)`, cut to `limit` characters with an ellipsis: safe to put in an error message."""
    try:
        text = repr(value)
    except Exception:  # a value whose repr fails is still quotable by its type
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def frame_limit(message_type: str) -> int:
    """The largest frame, in bytes, a message of this type may be."""
    return FRAME_LIMITS.get(message_type, DEFAULT_FRAME_LIMIT)


def _field_path(loc: tuple[int | str, ...]) -> str:
    # pydantic puts the union tag first ("progress.step"); readers want "step".
    parts = [str(p) for p in loc]
    return ".".join(parts[1:] if len(parts) > 1 else parts)


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ProtocolError("bad_number", f"integer {quote(text, 24)} has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ProtocolError("bad_number", f"number {quote(text, 24)} is out of range; send a finite number")
    return value


def _parse_constant(text: str) -> float:
    raise ProtocolError("bad_number", f"{text} is not a number JSON allows; send a finite number")


def _too_deep(raw: object) -> bool:
    """True when `raw` nests objects/arrays deeper than MAX_DEPTH (iterative: no recursion)."""
    stack: list[tuple[object, int]] = [(raw, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _frame_bytes(frame: str | bytes) -> int:
    return len(frame) if isinstance(frame, bytes) else len(frame.encode("utf-8", "surrogatepass"))


def _load(frame: str | bytes) -> Any:
    try:
        return json.loads(frame, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except ProtocolError:
        raise
    except RecursionError:
        raise ProtocolError("too_deep", f"frame nests deeper than {MAX_DEPTH} levels") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError("bad_json", f"frame is not valid JSON: {quote(str(exc), 120)}") from None
    except (ValueError, TypeError) as exc:  # e.g. bytes in no UTF encoding json can detect
        raise ProtocolError("bad_json", f"frame is not valid JSON: {quote(str(exc), 120)}") from None


def decode(frame: str | bytes) -> Message:
    """Parse one text frame into a message, or raise `ProtocolError` naming the field."""
    try:
        return _decode(frame)
    except ProtocolError:
        raise
    except Exception as exc:  # never let a hostile frame take down the reader
        raise ProtocolError("bad_frame", f"frame could not be decoded ({type(exc).__name__})") from None


def _decode(frame: str | bytes) -> Message:
    raw = _load(frame)
    if not isinstance(raw, dict):
        raise ProtocolError("bad_envelope", "a message must be a JSON object")
    given_id = raw.get("id")
    msg_id = given_id if isinstance(given_id, str) and len(given_id) <= 64 else None
    version = raw.get("v", PROTOCOL_VERSION)
    if type(version) is not int or version != PROTOCOL_VERSION:  # bool is an int subclass
        err = ProtocolError(
            "unsupported_version",
            f"protocol version {quote(version, 24)} is not supported; this side speaks v{PROTOCOL_VERSION}."
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
    kind = raw["type"]
    limit = frame_limit(kind if isinstance(kind, str) else "")
    if len(frame) > limit or (len(frame) * 4 > limit and _frame_bytes(frame) > limit):
        err = ProtocolError(
            "too_large",
            f"a {quote(kind, 24)} frame may be at most {limit} bytes; this one is {_frame_bytes(frame)}."
            " Send less (smaller thumbnails, shorter text)",
        )
        err.message_id = msg_id
        raise err
    if _too_deep(raw):
        err = ProtocolError("too_deep", f"frame nests deeper than {MAX_DEPTH} levels")
        err.message_id = msg_id
        raise err
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "union_tag_invalid":
            err = ProtocolError("unknown_type", f"unknown message type {quote(kind, 40)}", "type")
        else:
            field = quote(_field_path(first["loc"]), 60).strip("'\"")
            err = ProtocolError(
                "invalid_field",
                f"field '{field}' of a {quote(kind, 24)} message: {first['msg']} (got {quote(first.get('input'))})",
                field,
            )
        err.message_id = msg_id
        raise err from None
