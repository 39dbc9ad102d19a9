"""Every android task template, by app: settings, people (Contacts, Messages), time (Clock,
Calendar), records (Notes, Files, Bank), and multi-app tasks."""

from __future__ import annotations

from ..spec import Template
from . import multi, people, records, system, time

TEMPLATES: tuple[Template, ...] = (
    *system.TEMPLATES, *people.TEMPLATES, *time.TEMPLATES, *records.TEMPLATES, *multi.TEMPLATES,
)
"""All templates, in a fixed order (episode ids and seeds depend on it)."""

BY_ID = {t.id: t for t in TEMPLATES}
if len(BY_ID) != len(TEMPLATES):
    raise RuntimeError("two android templates share an id")

__all__ = ["BY_ID", "TEMPLATES"]
