"""Privacy: the exact gate (what a screen holds, not the words on it), redaction of what may go
to a cloud model, and the audit of what was redacted.

- `rules`: the user's privacy rules from the configuration;
- `values`: detectors of sensitive values in text (cards, IBANs, codes, passwords, phones...);
- `screen`: the gate for one screen (`screen_reason`), which imports the device model;
- `redaction`: placeholders in, values back out (`Redactor`);
- `guard`: `RedactingModel`, a chat model behind redaction (the planners' and replanners');
- `audit`: the log of redacted fields;
- `labelled`: hand-labelled screens to measure the gate on (`fleetmind bench privacy`).

The orchestrator imports `rules`, `values`, `redaction` and `guard` only: they import nothing of ours.
"""

from .redaction import Redactor
from .rules import NO_RULES, PrivacyRules
from .values import GATE_KINDS, REDACT_KINDS, find_values, gate_reason

__all__ = ["GATE_KINDS", "NO_RULES", "REDACT_KINDS", "PrivacyRules", "Redactor", "find_values", "gate_reason"]
