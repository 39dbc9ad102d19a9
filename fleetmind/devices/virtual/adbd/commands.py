"""The shell commands a virtual phone understands, mapped onto `VirtualPhone`'s low-level calls.

`COMMANDS` is the table `Shell` runs from. Each command reads like its
Android namesake: `input`, `screencap`, `uiautomator`, `am`, `monkey`, `pm`,
`cmd`, `svc`, `settings`, `getprop`, `wm`, `dumpsys`, `ime`, `content` (the content
providers of `providers.py`), and the toybox tools of `toybox.py`.

Text input: `input text` turns `%s` into a space, as Android's does, and,
unlike Android's, accepts any Unicode. The clipboard is the Clipper app's
broadcast (`am broadcast -a clipper.set -e text TEXT`, replying
`result=-1`), and `input keyevent 279` (KEYCODE_PASTE) pastes it into the
focused field. `input keycombination 113 29` (CTRL+A) selects the field, so the
next delete or typing replaces it.
"""

from __future__ import annotations

from collections.abc import Iterator

from fleetmind.devices.virtual.apps import app_for_package
from fleetmind.devices.virtual.apps import messages as messages_app
from fleetmind.devices.virtual.ui import SCREEN_H, SCREEN_W

from . import providers, reports
from .handset import Handset
from .shell import Command, Hang, Outcome, UsageError
from .toybox import TOYBOX

__all__ = ["COMMANDS", "KEYCODE_NAMES", "KEYCODE_PASTE"]

KEYCODE_PASTE = 279
KEYCODE_NAMES: dict[str, int] = {
    "HOME": 3,
    "BACK": 4,
    "CALL": 5,
    "ENDCALL": 6,
    "DPAD_UP": 19,
    "DPAD_DOWN": 20,
    "DPAD_LEFT": 21,
    "DPAD_RIGHT": 22,
    "DPAD_CENTER": 23,
    "VOLUME_UP": 24,
    "VOLUME_DOWN": 25,
    "POWER": 26,
    "TAB": 61,
    "SPACE": 62,
    "ENTER": 66,
    "DEL": 67,
    "MENU": 82,
    "SEARCH": 84,
    "ESCAPE": 111,
    "FORWARD_DEL": 112,
    "CTRL_LEFT": 113,
    "CTRL_RIGHT": 114,
    "MOVE_HOME": 122,
    "MOVE_END": 123,
    "VOLUME_MUTE": 164,
    "APP_SWITCH": 187,
    "SLEEP": 223,
    "WAKEUP": 224,
    "CUT": 277,
    "COPY": 278,
    "PASTE": KEYCODE_PASTE,
}
_CURSOR_KEYS = frozenset({19, 20, 21, 22, 122, 123, 223, 224, 26})  # move the cursor or wake: no state change
_INPUT_SOURCES = frozenset(
    {"keyboard", "mouse", "touchpad", "touchscreen", "stylus", "trackball", "dpad", "gamepad", "joystick"}
)
_INPUT_USAGE = "usage: input [SOURCE] [-d DISPLAY] tap X Y | swipe X1 Y1 X2 Y2 [MS] | text TEXT | keyevent CODE..."
CLIPPER_SET = "clipper.set"
CLIPPER_GET = "clipper.get"


def _ints(args: list[str], n: int, what: str) -> list[int]:
    if len(args) < n:
        raise UsageError(f"{what} needs {n} numbers; {_INPUT_USAGE}")
    try:
        return [round(float(a)) for a in args[:n]]
    except ValueError:
        raise UsageError(f"{what}: not a number in {args[:n]}; {_INPUT_USAGE}") from None


def _keycode(text: str) -> int:
    name = text.upper().removeprefix("KEYCODE_")
    if name in KEYCODE_NAMES:
        return KEYCODE_NAMES[name]
    if len(name) == 1 and name.isalpha():
        return 29 + ord(name) - ord("A")
    if text.isdigit():
        return int(text)
    raise UsageError(f"unknown key code {text!r}: pass a number or a name like KEYCODE_BACK")


def _type(h: Handset, text: str) -> None:
    if h.select_all:
        h.phone.clear_text()
        h.select_all = False
    h.phone.input_text(text)


def _press(h: Handset, code: int) -> None:
    if code == KEYCODE_PASTE:
        if h.clipboard:
            _type(h, h.clipboard)
        return
    if code in (67, 112) and h.select_all:  # DEL / FORWARD_DEL on a selection empties the field
        h.phone.clear_text()
        h.select_all = False
        return
    if code == 62:
        _type(h, " ")
        return
    if 7 <= code <= 16 or 29 <= code <= 54:  # KEYCODE_0..9, KEYCODE_A..Z type their character
        _type(h, str(code - 7) if code <= 16 else chr(ord("a") + code - 29))
        return
    h.select_all = False
    if code in _CURSOR_KEYS or code == 112:  # the cursor is always at the end: nothing to delete forward
        return
    h.phone.keyevent(code)


def input_(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`input [SOURCE] [-d ID] tap|swipe|draganddrop|text|keyevent|keycombination ...`; prints nothing."""
    args = argv[1:]
    if args and args[0] in _INPUT_SOURCES:
        args = args[1:]
    if args[:1] == ["-d"]:
        args = args[2:]
    if not args:
        raise UsageError(_INPUT_USAGE)
    sub, rest = args[0], args[1:]
    if sub == "tap":
        x, y = _ints(rest, 2, "tap")
        h.select_all = False
        h.phone.tap(x, y)
    elif sub in ("swipe", "draganddrop"):
        x1, y1, x2, y2 = _ints(rest, 4, sub)
        ms = _ints(rest[4:], 1, sub)[0] if len(rest) > 4 else 300
        h.select_all = False
        h.phone.swipe(x1, y1, x2, y2, ms)
    elif sub == "text":
        if not rest:
            raise UsageError(_INPUT_USAGE)
        _type(h, " ".join(rest).replace("%s", " "))
    elif sub == "keyevent":
        codes = [a for a in rest if not a.startswith("--")]
        if "--delay" in rest:
            codes = codes[1:]  # its value
        if not codes:
            raise UsageError(_INPUT_USAGE)
        for code in codes:
            _press(h, _keycode(code))
    elif sub == "keycombination":
        combination = {_keycode(a) for a in rest if not a.startswith("-")}
        if combination & {113, 114} and 29 in combination:
            h.select_all = True
    else:
        raise UsageError(f"unknown command {sub!r}; {_INPUT_USAGE}")
    return Outcome()


def screencap(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`screencap [-p] [-d ID] [FILE]`: PNG on stdout or into FILE; black on a secure screen."""
    args = [a for a in argv[1:] if a != "-p"]
    if args[:1] == ["-d"]:
        args = args[2:]
    png = h.phone.screencap_png()
    if args:
        h.files.write(args[0], png)
        return Outcome()
    return Outcome(png)


def uiautomator(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`uiautomator dump [--compressed] [FILE]`: the window hierarchy as XML into FILE."""
    args = [a for a in argv[1:] if not a.startswith("--")]
    if not args or args[0] != "dump":
        raise UsageError("usage: uiautomator dump [--compressed] [FILE]")
    path = args[1] if len(args) > 1 else "/sdcard/window_dump.xml"
    if h.take_hang():
        raise Hang
    h.files.write(path, h.phone.ui_xml().encode())
    return Outcome.text(f"UI hierchary dumped to: {path}\n")  # sic: Android's own spelling


def _launch(h: Handset, package: str) -> bool:
    if app_for_package(package) is None:
        return False
    h.phone.launch(package)
    return True


def _go_home_if(h: Handset, package: str) -> None:
    nav = h.phone.state.nav
    kept = [ref for ref in nav.stack if ref.app != package]
    if len(kept) != len(nav.stack):
        nav.go_home()
        nav.stack.extend(kept)


def _intent_args(args: list[str]) -> dict[str, str]:
    # The options of `am start/broadcast` we use; extras are collected as "extra:<key>".
    out: dict[str, str] = {}
    it: Iterator[str] = iter(args)
    for a in it:
        if a in ("-n", "-a", "-d", "-t", "-c", "-f", "-p", "--user", "--display", "-R", "-P", "--start-profiler"):
            out[a] = next(it, "")
        elif a in ("-e", "--es", "--ez", "--ei", "--el", "--ef", "--eu", "--esa", "--eia"):
            key = next(it, "")
            out["extra:" + key] = next(it, "")
        elif not a.startswith("-"):
            out["-d"] = a  # `am start URI`
    return out


def _intent_text(i: dict[str, str]) -> str:
    parts = [f"{k}={i[o]}" for o, k in (("-a", "act"), ("-c", "cat"), ("-d", "dat"), ("-n", "cmp")) if o in i]
    if any(k.startswith("extra:") for k in i):
        parts.append("(has extras)")
    return "Intent { " + " ".join(parts) + " }"


def _view(h: Handset, intent: dict[str, str]) -> bool:
    data = intent.get("-d", "")
    scheme, _, rest = data.partition(":")
    if scheme in ("sms", "smsto", "mms", "mmsto"):
        h.phone.launch(messages_app.PACKAGE)
        if h.phone.state.nav.dialog is None:
            messages_app.open_compose(h.phone.state, to=rest.lstrip("/").split("?", 1)[0])
        return True
    return False  # no browser, dialer or maps app is installed


def am(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`am start|force-stop|kill|broadcast ...`."""
    sub, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if sub in ("force-stop", "kill", "stop-app"):
        packages = [a for a in args if not a.startswith("-")]
        if sub != "kill":
            for package in packages:
                _go_home_if(h, package)
        return Outcome()
    if sub == "broadcast":
        intent = _intent_args(args)
        action = intent.get("-a", "")
        head = f"Broadcasting: {_intent_text(intent)}\n"
        if action == CLIPPER_SET:
            h.clipboard = intent.get("extra:text", "")
            return Outcome.text(head + 'Broadcast completed: result=-1, data="Text is copied into clipboard."\n')
        if action == CLIPPER_GET:
            return Outcome.text(head + f'Broadcast completed: result=-1, data="{h.clipboard}"\n')
        return Outcome.text(head + "Broadcast completed: result=0\n")
    if sub in ("start", "start-activity"):
        intent = _intent_args(args)
        head = f"Starting: {_intent_text(intent)}\n"
        component = intent.get("-n", "")
        action = intent.get("-a", "")
        if component:
            if _launch(h, component.split("/", 1)[0]):
                return Outcome.text(head)
            return Outcome.text(head, f"Error type 3\nError: Activity class {{{component}}} does not exist.\n", 1)
        extras = {k.removeprefix("extra:"): v for k, v in intent.items() if k.startswith("extra:")}
        if providers.alarm_intent(h, action, extras):
            return Outcome.text(head)
        if action.startswith("android.settings.") and _launch(h, "com.android.settings"):
            return Outcome.text(head)
        if "-d" in intent and _view(h, intent):
            return Outcome.text(head)
        if action == "android.intent.action.MAIN" and intent.get("-c") == "android.intent.category.HOME":
            h.phone.keyevent(3)
            return Outcome.text(head)
        return Outcome.text(
            head, f"Error: Activity not started, unable to resolve {_intent_text(intent)[:-2]} flg=0x10000000 }}\n", 1
        )
    raise UsageError(f"unknown command {sub!r}; use am start | force-stop | broadcast")


def monkey(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`monkey -p PKG -c android.intent.category.LAUNCHER 1`: launch an app (no random events)."""
    args = argv[1:]
    packages = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "-p"]
    if not packages:
        return Outcome.text(
            err="** monkey on a virtual phone only launches apps: pass -p PKG -c android.intent.category.LAUNCHER 1\n",
            status=1,
        )
    echo = "".join(f"  bash arg: {a}\n" for a in args) + f"args: [{', '.join(args)}]\n"
    if not _launch(h, packages[0]):
        return Outcome.text(echo, "** No activities found to run, monkey aborted.\n", 252)
    return Outcome.text(
        echo + "Events injected: 1\n## Network stats: elapsed time=12ms (0ms mobile, 0ms wifi, 12ms not connected)\n"
    )


_APP_DATA = {  # the PhoneState lists `pm clear` empties, per package
    "com.android.contacts": ("contacts",),
    "com.google.android.apps.messaging": ("messages",),
    "com.android.deskclock": ("alarms", "timers"),
    "com.fleetmind.notes": ("notes",),
    "com.google.android.calendar": ("events",),
}


def pm(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`pm list packages [-3|-s] [FILTER]`, `pm path`, `pm clear`, `pm grant|revoke`."""
    sub, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    installed = reports.packages()
    if sub == "list" and args[:1] == ["packages"]:
        flags = {a for a in args[1:] if a.startswith("-")}
        words = [a for a in args[1:] if not a.startswith("-")]
        third = True if "-3" in flags else False if "-s" in flags else None
        names = [p for p in reports.packages(third) if not words or words[0] in p]
        return Outcome.text("".join(f"package:{p}\n" for p in names))
    if sub in ("path", "clear", "grant", "revoke") and args:
        package = args[0]
        if package not in installed:
            return Outcome.text(err=f"Error: package {package} not found\n" if sub != "path" else "", status=1)
        state = h.phone.state
        if sub == "path":
            return Outcome.text(f"package:/data/app/~~virtual/{package}-1/base.apk\n")
        if sub == "clear":
            _go_home_if(h, package)
            for attr in _APP_DATA.get(package, ()):
                getattr(state, attr).clear()
            if package == "com.fleetmind.bank":
                state.bank.logged_in = False
            state.permissions.pop(package, None)
            return Outcome.text("Success\n")
        state.permissions[package] = sub == "grant"
        return Outcome()
    if sub == "install":
        return Outcome.text("Failure [INSTALL_FAILED_INTERNAL_ERROR: a virtual phone installs no APKs]\n", status=1)
    raise UsageError(f"unknown command {sub!r}; use pm list packages | path | clear | grant | revoke")


def settings(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`settings get|put|delete|list system|secure|global [KEY [VALUE]]`."""
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) < 2 or args[1] not in ("system", "secure", "global"):
        raise UsageError("usage: settings get|put|delete|list system|secure|global [KEY [VALUE]]")
    verb, namespace, rest = args[0], args[1], args[2:]
    if verb == "get" and rest:
        return Outcome.text(reports.settings_get(h, namespace, rest[0]) + "\n")
    if verb == "put" and len(rest) >= 2:
        reports.settings_put(h, namespace, rest[0], rest[1])
        return Outcome()
    if verb == "delete" and rest:
        h.extra_settings.pop((namespace, rest[0]), None)
        return Outcome.text("Deleted 1 rows\n")
    if verb == "list":
        keys = sorted(
            {k for ns, k in reports.SETTINGS if ns == namespace} | {k for ns, k in h.extra_settings if ns == namespace}
        )
        return Outcome.text("".join(f"{k}={reports.settings_get(h, namespace, k)}\n" for k in keys))
    raise UsageError("usage: settings get|put|delete|list system|secure|global [KEY [VALUE]]")


def svc(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`svc wifi|bluetooth enable|disable` (other services accept and ignore)."""
    if len(argv) >= 3 and argv[1] in ("wifi", "bluetooth") and argv[2] in ("enable", "disable"):
        setattr(h.phone.state.settings, argv[1], argv[2] == "enable")
    return Outcome()


def cmd(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`cmd package ...`, `cmd wifi set-wifi-enabled ...`, `cmd statusbar expand-notifications|collapse`."""
    service, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if service == "package":
        return pm(h, ["pm", *args], stdin)
    if service == "wifi" and args[:1] == ["set-wifi-enabled"] and len(args) > 1:
        h.phone.state.settings.wifi = args[1] == "enabled"
        return Outcome()
    if service == "statusbar" and args[:1] in (["expand-notifications"], ["collapse"]):
        h.phone.state.nav.shade_open = args[0] == "expand-notifications"
        return Outcome()
    return Outcome.text(err=f"cmd: Can't find service: {service}\n", status=20)


def getprop(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`getprop [NAME]`: one value (empty if unset), or every property."""
    props = reports.getprop(h)
    if len(argv) > 1:
        return Outcome.text(props.get(argv[1], argv[2] if len(argv) > 2 else "") + "\n")
    return Outcome.text("".join(f"[{k}]: [{v}]\n" for k, v in sorted(props.items())))


def wm(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`wm size`, `wm density` (fixed: the virtual screen cannot be resized)."""
    sub = argv[1] if len(argv) > 1 else ""
    if sub == "size" and len(argv) == 2:
        return Outcome.text(f"Physical size: {SCREEN_W}x{SCREEN_H}\n")
    if sub == "density" and len(argv) == 2:
        return Outcome.text(f"Physical density: {reports.DENSITY}\n")
    if sub in ("size", "density"):
        return Outcome.text(err=f"Error: the virtual phone's {sub} is fixed\n", status=1)
    raise UsageError(f"unknown command {sub!r}; use wm size | wm density")


def dumpsys(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`dumpsys window|activity|display|battery|power|input_method|SurfaceFlinger`."""
    service, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    match service:
        case "window":
            return Outcome.text(reports.window_dump(h))
        case "activity":
            return Outcome.text(reports.activity_dump(h, args[0] if args else ""))
        case "display":
            return Outcome.text(reports.display_dump())
        case "battery":
            return Outcome.text(reports.battery_dump(h))
        case "power":
            return Outcome.text(reports.power_dump())
        case "input_method":
            return Outcome.text(reports.input_method_dump(h))
        case "SurfaceFlinger" if "--display-id" in args:
            return Outcome.text('Display 4619827259835644672 (HWC display 0): port=0 displayName="Built-in Screen"\n')
    return Outcome.text(f"Can't find service: {service}\n")


def ime(h: Handset, argv: list[str], stdin: bytes) -> Outcome:
    """`ime list [-s]`: the one keyboard installed."""
    if argv[1:2] == ["list"]:
        return Outcome.text(reports.IME_ID + "\n")
    return Outcome.text(err=f"Unknown input method {argv[-1]} cannot be enabled for user #0\n", status=255)


COMMANDS: dict[str, Command] = {
    **TOYBOX,
    "am": am,
    "cmd": cmd,
    "content": providers.content,
    "dumpsys": dumpsys,
    "getprop": getprop,
    "ime": ime,
    "input": input_,
    "monkey": monkey,
    "pm": pm,
    "screencap": screencap,
    "settings": settings,
    "svc": svc,
    "uiautomator": uiautomator,
    "wm": wm,
}
"""Command name -> implementation; anything else is `sh: NAME: not found`."""
