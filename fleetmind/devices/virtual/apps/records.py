"""What list-and-form apps (alarms, notes, events) share: which record a screen is
about, saving a form into the list, deleting the open record."""

from __future__ import annotations

from typing import TypeVar

from ..state import PhoneState, ScreenRef

T = TypeVar("T")


def record_index(ref: ScreenRef) -> int:
    """The index of the record a form or detail screen is about; -1 for a new one."""
    return int(ref.params.get("index", -1))


def save_record(items: list[T], ref: ScreenRef, item: T) -> None:
    """Replace the record being edited, or append a new one."""
    index = record_index(ref)
    if 0 <= index < len(items):
        items[index] = item
    else:
        items.append(item)


def delete_open_record(state: PhoneState, items: list[T]) -> T:
    """Remove the record the current screen shows and leave that screen."""
    item = items.pop(record_index(state.nav.stack[-1]))
    state.nav.pop()
    return item
