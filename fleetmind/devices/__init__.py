"""Devices: what fleetmind drives, one package per kind.

- `base`: the contract every device keeps (`Device`, `Observation`, `UIElement`, `Action`).
- `android/`: the client for any adb device: a real phone, an emulator, or a virtual phone.
- `browser/`: Debian's Chromium driven through Playwright.
- `virtual/`: simulated devices for tests and benchmarks (VirtualPhone, VirtualWeb) and,
  in `virtual/adbd/`, the ADB-protocol server that serves virtual phones to `android/`.
"""
