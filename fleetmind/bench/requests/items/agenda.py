"""Requests about Calendar events, Clock alarms and the timer.

The virtual phone's today is Monday 2025-06-02, so "tomorrow" is 2025-06-03.

HELD-OUT SET: never tune grounding, prompts or planner rules on single items of
this file; fix the general behaviour an item exposes, and keep the wording here
as it is (see items/__init__.py).
"""

from __future__ import annotations

from ..spec import Check, Contains, Item, Text, all_of, answer, has, lacks, unchanged

CAL, CLOCK = ("Calendar",), ("Clock",)
EVENTS, ALARMS, TIMERS = frozenset({"events"}), frozenset({"alarms"}), frozenset({"timers"})
YOGA = {"title": "Yoga class", "date": "2025-06-06", "start": "18:00", "end": "19:00"}


def _timer(seconds: int) -> Check:
    return has("timers", duration=seconds, running=True)


CALENDAR = [
    Item("cal-lunch-priya", "Put lunch with Priya on my calendar for June 5th at 12:30.", CAL,
         has("events", title=Contains("lunch"), date="2025-06-05", start="12:30"), allow=EVENTS),
    Item("cal-eye-exam", "Can you add a calendar event called Eye exam on 2025-06-10 from 14:00 to 14:45?", CAL,
         has("events", title=Text("Eye exam"), date="2025-06-10", start="14:00", end="14:45"), allow=EVENTS),
    Item("cal-haircut-tomorrow", "I've got a haircut tomorrow at 16:00, add it to my calendar please.", CAL,
         has("events", title=Contains("haircut"), date="2025-06-03", start="16:00"), allow=EVENTS),
    Item("cal-book-club", "Add 'Book club' on 2025-06-12 from 19:00 to 21:00 at the library.", CAL,
         has("events", title=Text("Book club"), date="2025-06-12", start="19:00", end="21:00",
             location=Contains("library")), allow=EVENTS),
    Item("cal-whats-on-4th", "What's on my calendar on June 4th?", CAL,
         all_of(answer(lambda w: w.phone().events[0].title, "the event on June 4th"), unchanged())),
    Item("cal-when-sync", "When is my team sync?", CAL,
         all_of(answer(lambda w: w.phone().events[0].start, "the team sync's start time"), unchanged())),
    Item("cal-cancel-sync", "Cancel the Team sync meeting on my calendar.", CAL,
         lacks("events", title=Text("Team sync")), expect="confirmation", confirm="yes", allow=EVENTS),
    Item("cal-delete-yoga-declined", "Please delete the Yoga class from my calendar.", CAL,
         all_of(has("events", title=Text("Yoga class")), unchanged()), expect="confirmation", confirm="no",
         seed={"phone-1": {"events": [YOGA]}}),
    Item("cal-move-sync", "Could you move the team sync to 11:00 until 11:30?", CAL,
         all_of(has("events", title=Text("Team sync"), start="11:00", end="11:30"),
                lacks("events", start="09:30")), allow=EVENTS),
    Item("cal-landlord-when", "Add a meeting with the landlord to my calendar.", CAL,
         has("events", title=Contains("landlord"), date="2025-06-09", start="17:00"),
         expect="question", reply="Monday 2025-06-09 at 17:00", allow=EVENTS),
]

ALARM_ITEMS = [
    Item("alarm-wake-615", "Wake me up at 6:15 tomorrow, please.", CLOCK,
         has("alarms", hour=6, minute=15, enabled=True), allow=ALARMS),
    Item("alarm-quarter-to-nine", "Set an alarm for quarter to nine called Meds.", CLOCK,
         has("alarms", hour=8, minute=45, label=Text("Meds")), allow=ALARMS),
    Item("alarm-bins", "I need an alarm at 22:00 to remind me to take the bins out.", CLOCK,
         has("alarms", hour=22, minute=0), allow=ALARMS),
    Item("alarm-turn-off-run", "Turn off my 6:45 alarm, I'm not running tomorrow.", CLOCK,
         all_of(has("alarms", hour=6, minute=45, enabled=False), lacks("alarms", hour=6, minute=45, enabled=True)),
         allow=ALARMS),
    Item("alarm-delete-run", "Could you delete the Run alarm?", CLOCK,
         lacks("alarms", label=Text("Run")), expect="confirmation", confirm="yes", allow=ALARMS),
    Item("alarm-change-run", "Change my Run alarm to 7:15.", CLOCK,
         all_of(has("alarms", hour=7, minute=15, label=Text("Run")), lacks("alarms", hour=6, minute=45)),
         allow=ALARMS),
    Item("alarm-impossible", "Set an alarm for 25:70.", CLOCK, unchanged(), expect="refusal"),
    Item("alarm-what-time-run", "What time is my Run alarm set for?", CLOCK,
         all_of(answer(lambda w: w.phone().alarms[0].time_text, "the Run alarm's time"), unchanged())),
    Item("alarm-what-time", "Set an alarm.", CLOCK,
         has("alarms", hour=5, minute=50), expect="question", reply="5:50 in the morning", allow=ALARMS),
]

TIMER_ITEMS = [
    Item("timer-ten-minutes", "Can you start a 10 minute timer?", CLOCK, _timer(600), allow=TIMERS),
    Item("timer-eggs", "Time my eggs, 90 seconds please.", CLOCK, _timer(90), allow=TIMERS),
    Item("timer-stop", "Stop the timer that's running.", CLOCK,
         all_of(has("timers", duration=300, running=False), lacks("timers", running=True)),
         seed={"phone-1": {"timers": [{"duration": 300}]}}, allow=TIMERS),
    Item("timer-hour-and-half", "Set a timer for an hour and a half.", CLOCK, _timer(5400), allow=TIMERS),
    Item("timer-how-long", "Start a timer.", CLOCK, _timer(900),
         expect="question", reply="15 minutes", allow=TIMERS),
]

ITEMS = CALENDAR + ALARM_ITEMS + TIMER_ITEMS
