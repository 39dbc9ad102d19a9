"""A labelled set of screens for measuring the privacy gate (`fleetmind bench privacy`, tests).

Each screen is written as a device would report it (texts, descriptions, password
flags, the app in front) and labelled by hand: sensitive when it *holds* something
that must not leave the device (a password in a field, a card number, a one-time
code, an IBAN, an ID number, a stated password or PIN, a sensitive app, a secure
window), not when it only talks about such things. The login pages, help pages and
everyday screens full of prices, dates, times and order numbers are the ones a
word-based gate got wrong.

`KNOWN_MISSES` are sensitive screens the value detectors do not recognise; they are
kept apart, printed by the bench, and not scored, so the blind spot stays visible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..devices.base import Bounds, Observation, UIElement

__all__ = ["KNOWN_MISSES", "SCREENS", "LabelledScreen", "pw"]


@dataclass(frozen=True)
class El:
    """One element of a labelled screen."""

    text: str = ""
    description: str = ""
    password: bool = False
    editable: bool = False
    resource_id: str = ""


def pw(text: str = "", hint: str = "Password") -> El:
    """A password field: showing `text` (bullets, or clear text), else its hint."""
    return El(text or hint, password=True, editable=True, description=hint)


def entry(text: str, hint: str = "", rid: str = "") -> El:
    """An editable text field holding `text`."""
    return El(text, description=hint, editable=True, resource_id=rid)


@dataclass(frozen=True)
class LabelledScreen:
    """A screen and whether it must stay on the device."""

    name: str
    sensitive: bool
    elements: tuple[El | str, ...]
    app: str = "Chrome"
    package: str = "com.android.chrome"
    secure: bool = False
    tags: tuple[str, ...] = field(default=())

    def observation(self) -> Observation:
        """The screen as a device would report it."""
        els = []
        for i, e in enumerate(self.elements):
            el = El(e) if isinstance(e, str) else e
            els.append(
                UIElement(
                    id=f"e{i}", cls="android.widget.EditText" if el.editable else "android.widget.TextView",
                    text=el.text, description=el.description, resource_id=el.resource_id,
                    bounds=Bounds(left=0, top=i * 60, right=1080, bottom=i * 60 + 50),
                    editable=el.editable, password=el.password, clickable=el.editable,
                )
            )
        return Observation(
            device_id="labelled", screen_width=1080, screen_height=2400, elements=els,
            foreground_app=self.app, foreground_package=self.package, secure=self.secure,
        )


def _s(name: str, sensitive: bool, *elements: El | str, **kw: object) -> LabelledScreen:
    return LabelledScreen(name, sensitive, tuple(elements), **kw)  # type: ignore[arg-type]


BANK = {"app": "Bank", "package": "com.example.bank"}
SMS = {"app": "Messages", "package": "com.google.android.apps.messaging"}

SCREENS: tuple[LabelledScreen, ...] = (
    # -- login pages and words about secrets: nothing secret on them --------------------------------
    _s("login page, empty", False, "Sign in", "Username", entry("", "Username"), "Password", pw(), "Forgot password?",
       "Sign in"),
    _s("login page, username typed", False, "Log in to Acme", entry("kanesha", "Username"), pw(), "Remember me",
       "Log in"),
    _s("help: reset your password", False, "How to reset your password",
       "1. Open Settings and tap Password & security.", "2. Tap Change password and enter your current password.",
       "3. Choose a new password of at least 12 characters."),
    _s("help: strong passwords", False, "Choose a strong password",
       "A strong password is at least 12 characters long and mixes letters, numbers and symbols.",
       "Never reuse a password across sites."),
    _s("settings: passcode menu", False, "Passcode & Face ID", "Turn Passcode Off", "Change Passcode",
       "Require Passcode: Immediately", app="Settings", package="com.android.settings"),
    _s("settings: security", False, "Security", "Screen lock", "PIN", "Smart Lock", "Change PIN code",
       app="Settings", package="com.android.settings"),
    _s("help: what is an IBAN", False, "What is an IBAN?",
       "An IBAN (International Bank Account Number) identifies a bank account across borders.",
       "It starts with a two-letter country code."),
    _s("help: where is the CVV", False, "Where is my CVV?",
       "The CVV is the 3-digit security code on the back of your card.",
       "Amex cards show a 4-digit code on the front."),
    _s("article: verification code scams", False, "Scammers want your verification code",
       "Never share a one-time code with anyone who calls you.", "Your bank will never ask for your PIN code."),
    _s("2fa prompt, code not yet typed", False, "Two-factor authentication",
       "Enter the 6-digit code we sent to your phone ending in 42.", entry("", "Verification code"), "Verify",
       "Resend code"),
    _s("password rules", False, "Create account", entry("ada@example.com", "Email"), pw(),
       "Your password is too weak", "Use 8 or more characters"),
    _s("wrong password error", False, "Sign in", pw(), "Your password is incorrect. Try again.", "Forgot password?"),
    _s("wi-fi settings", False, "Wi-Fi", "HomeNet", "Connected", "Share password", "Forget network",
       app="Settings", package="com.android.settings"),
    _s("bank marketing page", False, "Open an account in 5 minutes", "Credit cards with 2% cash back",
       "Mortgage rates from 6.1%", "Call 1-800-555-0199"),
    _s("code of conduct", False, "Code of conduct", "Be kind.", "Report abuse to conduct@example.org"),
    # -- everyday screens with numbers: prices, dates, times, ids --------------------------------------
    _s("product page", False, "Laptop Pro 14", "$1,299.00", "SKU 48213-B", "Qty 2", "In stock: 37",
       "Ships by Dec 12, 2026"),
    _s("order confirmation", False, "Thank you!", "Order #123456789", "Total $45.20", "Estimated delivery Dec 12",
       "Tracking 1Z999AA10123456784"),
    _s("calendar day", False, "Friday, December 5, 2026", "10:30 AM Team sync", "Room 4012", "14:00 - 15:30 Review",
       app="Calendar", package="com.google.android.calendar"),
    _s("weather", False, "San Francisco", "72°F", "Humidity 45%", "Pressure 1013 hPa", "Wind 12 mph"),
    _s("alarms", False, "07:30", "Mon, Tue, Wed, Thu, Fri", "08:15", "Sat", app="Clock",
       package="com.google.android.deskclock"),
    _s("flight status", False, "UA 1234 SFO → JFK", "Gate B22", "Boarding 14:05", "Seat 14C",
       "Confirmation ABC123"),
    _s("zip code form", False, "Shipping address", entry("1 Main St", "Street"), "Zip code", entry("94103", "Zip"),
       "Continue"),
    _s("promo code", False, "Promo code SAVE2024 applied", "Discount code: WINTER", "Subtotal $89.99"),
    _s("contacts list", False, "Ada Lovelace", "555 0100", "Grace Hopper", "+1 415-555-0134", app="Contacts",
       package="com.android.contacts"),
    _s("inbox", False, "Inbox", "ada@example.com", "Lunch on Friday?", "billing@shop.example", "Your receipt #4471",
       app="Gmail", package="com.google.android.gm"),
    _s("stock quote", False, "AAPL", "189.25", "+1.34 (0.71%)", "Vol 52,341,220", "Mkt cap 2.95T"),
    _s("calculator", False, "1234567", "×", "89", "=", "109876463", app="Calculator",
       package="com.android.calculator2"),
    _s("book page", False, "Structure and Interpretation", "ISBN 978-0-306-40615-7", "Published 1985", "$45.00"),
    _s("barcode", False, "Oat milk 1 l", "EAN 4006381333931", "€2.49"),
    _s("masked card", False, "Payment methods", "Visa •••• 4242", "Expires 12/28", "Add card"),
    _s("log timestamps", False, "2026-12-02 05:01:30 build 20261202 passed", "Run 8841 took 342 s"),
    _s("sports", False, "Lakers 112 - 108 Celtics", "Attendance 18997", "Final"),
    _s("recipe", False, "Banana bread", "Bake at 350°F for 55 minutes", "Serves 8", "1,250 reviews"),
    _s("sms, everyday", False, "Mom", "See you at 7?", "Ok, bring 2 bottles", **SMS),
    _s("sms, bank notice", False, "Acme Bank", "Your statement for November is ready.",
       "Questions? Call 1-800-555-0199.", **SMS),
    _s("notification shade", False, "Messages · Ada: Running 10 min late", "Calendar · 10:30 Standup",
       "Battery 85%", app="Home", package="com.android.launcher3"),
    _s("population table", False, "Tokyo 37,400,068", "Delhi 28,514,000", "Shanghai 25,582,000"),
    _s("map", False, "1600 Amphitheatre Pkwy", "Mountain View, CA 94043", "12 min (4.3 mi)"),
    _s("shop: product code", False, "Trail shoe", "Product code 884213", "$129.00", "Use code 2024 at checkout"),
    _s("error and area codes", False, "Something went wrong (error code 5012)", "Area code 415",
       "Postcode SW1A 1AA"),
    _s("about phone: IMEI", False, "About phone", "IMEI 490154203237518", "Serial R58N123ABC",
       app="Settings", package="com.android.settings"),
    _s("account ending", False, "Checking account ending 4821", "Available $2,310.00", "Pay bills"),
    _s("version page", False, "About phone", "Android version 14", "Build UQ1A.240205.004", "Kernel 5.15.123",
       app="Settings", package="com.android.settings"),
    # -- screens that hold a secret -------------------------------------------------------------------
    _s("login page, password typed (masked)", True, "Sign in", entry("kanesha", "Username"), pw("••••••••"),
       "Sign in"),
    _s("login page, password shown in clear", True, "Sign in", entry("kanesha", "Username"), pw("hunter2!"),
       "Hide password"),
    _s("browser login, password typed", True, "Log in", entry("ada@example.com", "Email"), pw("\u2022" * 8), "Log in"),
    _s("sms: verification code", True, "Acme", "Your verification code is 482913", **SMS),
    _s("sms: google code", True, "22000", "G-482913 is your Google verification code.", **SMS),
    _s("sms: code later in the text", True, "Acme", "Use 7391 to log in to Acme. Do not share this code.", **SMS),
    _s("sms: amazon otp in the shade", True, "Messages · 123456 is your Amazon OTP. Do not share it.",
       "Battery 85%", app="Home", package="com.android.launcher3"),
    _s("otp page, code in its own element", True, "Verify it's you", "Verification code", "482913", "Copy",
       app="Authenticator", package="com.example.codes"),
    _s("otp field filled", True, "Two-factor authentication", entry("604918", "One-time code", rid="otp_input"),
       "Verify"),
    _s("authenticator app", True, "Google", "482 913", "GitHub", "118 402",
       app="Authenticator", package="com.google.android.apps.authenticator2"),
    _s("bank card details", True, "Your card", "Card number 4111 1111 1111 1111", "Exp 12/28", "CVV 123", **BANK),
    _s("checkout, card typed", True, "Payment", entry("4242 4242 4242 4242", "Card number"), entry("12/28", "MM/YY"),
       "Pay $45.20"),
    _s("card without spaces", True, "Saved card", "5555555555554444"),
    _s("amex card", True, "Card", "3782 822463 10005"),
    _s("transfer with IBAN", True, "New transfer", "To: Jonas Berg", "IBAN DE89 3704 0044 0532 0130 00", "€250.00"),
    _s("UK IBAN", True, "Payee", "GB82 WEST 1234 5698 7654 32"),
    _s("tax form with SSN", True, "W-9", "Social security number", entry("123-45-6789", "SSN")),
    _s("wi-fi password shared", True, "Share Wi-Fi", "HomeNet", "Password: Tr0ub4dor&3",
       app="Settings", package="com.android.settings"),
    _s("note with a PIN", True, "Notes", "bank PIN is 4821", app="Notes", package="com.google.android.keep"),
    _s("email: temporary password", True, "Welcome", "Your temporary password is Xy7#kq2",
       app="Gmail", package="com.google.android.gm"),
    _s("chat: password in quotes", True, "Ada", 'the wifi password is "correct horse"', **SMS),
    _s("new PIN confirmation", True, "Your PIN has been reset. New PIN: 0412", **BANK),
    _s("instruction with a password value", True,
       'Enter the username "kanesha" and the password "QK3bDe" into the text fields and press login.',
       "Username", entry("", "Username"), "Password", pw(), "Login"),
    _s("security code SMS", True, "Acme Bank", "Security code 7723 for your card payment of $45.20", **SMS),
    _s("login code e-mail", True, "Your login code: 90210", "It expires in 10 minutes.",
       app="Gmail", package="com.google.android.gm"),
    _s("bank details", True, "Pay by bank transfer", "Account number 12345678", "Sort code 12-34-56",
       "Reference INV-4471"),
    _s("ride code SMS", True, "Uber", "Your Uber code is 4721. Never share this code.", **SMS),
    _s("payment app", True, "Send money", "Balance $120.00", "Request", app="PayPal",
       package="com.paypal.android.p2pmobile"),
    _s("password manager", True, "Vault", "GitHub", "Amazon", "Netflix", app="Bitwarden",
       package="com.x8bit.bitwarden"),
    _s("secure window", True, "Balance", "$3,210.55", secure=True, **BANK),
    _s("focused password field", True, "Sign in", pw(), secure=True),
)

KNOWN_MISSES: tuple[LabelledScreen, ...] = (
    _s("password in prose, letters only", True, "Ada", "my password is swordfish", **SMS),
    _s("authenticator code in a generic app", True, "Codes", "GitHub", "118 402", app="Codes",
       package="com.example.codes"),
)
