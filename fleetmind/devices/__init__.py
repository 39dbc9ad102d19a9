"""Devices: the contract (`base`), Android over adb, Chromium through Playwright, and virtual devices."""
