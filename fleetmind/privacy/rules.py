"""The user's privacy rules, as the gate and the redactor read them (from `[privacy]` in the config).

Kept apart from the detectors so that the configuration, the router and the
orchestrator's planners can all hold one without importing any device code.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass

__all__ = ["NO_RULES", "PrivacyRules"]


@dataclass(frozen=True)
class PrivacyRules:
    """What the user added to the built-in detectors.

    extra_patterns: screen text matching one keeps the step on the device (the gate);
    allow_patterns: screen text matching one is never counted as sensitive;
    sensitive_apps: package (or app name) patterns, fnmatch-style, whose screens stay on the device;
    redact_patterns: text matching one is replaced by a placeholder before it reaches a cloud model.
    """

    extra_patterns: tuple[str, ...] = ()
    allow_patterns: tuple[str, ...] = ()
    sensitive_apps: tuple[str, ...] = ()
    redact_patterns: tuple[str, ...] = ()

    @functools.cached_property
    def _extra(self) -> list[re.Pattern[str]]:
        return [re.compile(p, re.I) for p in self.extra_patterns]

    @functools.cached_property
    def _allow(self) -> list[re.Pattern[str]]:
        return [re.compile(p, re.I) for p in self.allow_patterns]

    @functools.cached_property
    def redact_regexes(self) -> list[re.Pattern[str]]:
        """The compiled `redact_patterns`."""
        return [re.compile(p, re.I) for p in self.redact_patterns]

    def allows(self, text: str) -> bool:
        """Whether `text` is on the allow-list."""
        return any(p.search(text) for p in self._allow)

    def extra_match(self, text: str) -> str | None:
        """The user's pattern that `text` matches, or None."""
        return next((p.pattern for p in self._extra if p.search(text)), None)

    def sensitive_app(self, package: str, app: str = "") -> str | None:
        """The configured pattern the app in front matches, or None. Patterns match the package;
        a pattern without wildcards also matches the app's name ("Bank"). A page title is no
        package: "*bank*" does not gate a web page that mentions a bank."""
        for pattern in self.sensitive_apps:
            low = pattern.lower()
            if package and fnmatch.fnmatch(package.lower(), low):
                return pattern
            if app and not any(ch in low for ch in "*?[") and app.lower() == low:
                return pattern
        return None


NO_RULES = PrivacyRules()
