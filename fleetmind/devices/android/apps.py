"""Names of Android apps: package <-> label for common packages, and the sensitive-app patterns.

A phone's shell has no command that prints app labels, so `AndroidDevice`
names apps from this table (extendable per device) and falls back to the
package name.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping

__all__ = ["APP_LABELS", "DEFAULT_SENSITIVE_APPS", "HOME_PACKAGES", "app_label", "find_package", "is_sensitive"]

HOME_PACKAGES = frozenset(
    {
        "com.android.launcher3",
        "com.google.android.apps.nexuslauncher",
        "com.sec.android.app.launcher",
        "com.miui.home",
        "com.huawei.android.launcher",
        "com.oppo.launcher",
    }
)
"""Launchers: the home screen, reported as the app "Home"."""

APP_LABELS: dict[str, str] = {
    "com.android.settings": "Settings",
    "com.android.contacts": "Contacts",
    "com.google.android.contacts": "Contacts",
    "com.google.android.apps.messaging": "Messages",
    "com.android.messaging": "Messages",
    "com.samsung.android.messaging": "Messages",
    "com.android.deskclock": "Clock",
    "com.google.android.deskclock": "Clock",
    "com.android.documentsui": "Files",
    "com.google.android.documentsui": "Files",
    "com.google.android.apps.nbu.files": "Files",
    "com.android.chrome": "Chrome",
    "org.mozilla.firefox": "Firefox",
    "com.google.android.gm": "Gmail",
    "com.google.android.apps.maps": "Maps",
    "com.google.android.youtube": "YouTube",
    "com.google.android.apps.photos": "Photos",
    "com.google.android.calendar": "Calendar",
    "com.android.calendar": "Calendar",
    "com.google.android.calculator": "Calculator",
    "com.android.calculator2": "Calculator",
    "com.google.android.dialer": "Phone",
    "com.android.dialer": "Phone",
    "com.android.camera2": "Camera",
    "com.google.android.GoogleCamera": "Camera",
    "com.android.vending": "Play Store",
    "com.google.android.keep": "Keep Notes",
    "com.google.android.apps.docs": "Drive",
    "com.google.android.apps.walletnfcrel": "Wallet",
    "com.whatsapp": "WhatsApp",
    "org.telegram.messenger": "Telegram",
    "com.spotify.music": "Spotify",
    "com.fleetmind.notes": "Notes",
    "com.fleetmind.bank": "Bank",
}
"""Package -> the label its launcher icon shows."""

DEFAULT_SENSITIVE_APPS: tuple[str, ...] = (
    "*bank*",
    "*banking*",
    "*wallet*",
    "*authenticator*",
    "com.paypal.*",
    "com.venmo*",
    "com.squareup.cash*",
    "com.revolut.*",
    "com.transferwise.*",
    "com.coinbase.*",
    "com.x8bit.bitwarden",
    "com.onepassword.*",
    "com.agilebits.*",
    "com.lastpass.*",
    "com.google.android.apps.walletnfcrel",
)
"""fnmatch patterns of packages whose screens are never captured (their screens count as secure)."""


def app_label(package: str, labels: Mapping[str, str] = APP_LABELS) -> str:
    """The label of `package`: "Home" for launchers, the table's label, else the package name."""
    if package in HOME_PACKAGES:
        return "Home"
    return labels.get(package, package)


def is_sensitive(package: str, patterns: Iterable[str]) -> bool:
    """Whether `package` matches one of the fnmatch `patterns` (case-insensitive)."""
    name = package.casefold()
    return bool(package) and any(fnmatch.fnmatchcase(name, p.casefold()) for p in patterns)


def find_package(app: str, installed: Iterable[str], labels: Mapping[str, str] = APP_LABELS) -> str | None:
    """The installed package `app` names: a package name, a label from `labels`, or a package's last part."""
    installed = list(installed)
    if app in installed:
        return app
    wanted = app.strip().casefold()
    for package, label in labels.items():
        if label.casefold() == wanted and package in installed:
            return package
    compact = wanted.replace(" ", "")
    return next((p for p in installed if p.rsplit(".", 1)[-1].casefold() == compact), None)
