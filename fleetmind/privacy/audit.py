"""The privacy audit log: which fields of a cloud request were redacted, of which kind; never a value.

Records go to the `fleetmind.privacy.audit` logger (structured: `redacted` lists
kind and field), so they land wherever the user's logging sends them.
"""

from __future__ import annotations

import dataclasses
import logging

from .redaction import Redactor

__all__ = ["AUDIT_LOGGER", "audit_redactions"]

AUDIT_LOGGER = "fleetmind.privacy.audit"
log = logging.getLogger(AUDIT_LOGGER)


def audit_redactions(redactor: Redactor, request: str, model: str) -> None:
    """Log what `redactor` replaced in one request (`request` says which: "step 3", "plan") to `model`."""
    if not redactor.redactions:
        return
    log.info(
        "%s to %s: redacted %s",
        request,
        model,
        redactor.summary(),
        extra={"redacted": [dataclasses.asdict(r) for r in redactor.redactions], "model": model},
    )
