"""The offline planner: a request's clauses become subtasks, with devices and data edges.

Steps, each a rule that holds for any request (no rule fits one sentence):
1. split into stages and clauses (`clauses.split`);
2. per clause: cut out the device address (`devices.Fleet.find`), resolve
   her/him/his to the person named before (`references.resolve_people`),
   note whether it asks something and which device kind its words need;
3. an opener ("open the bank app", "log in ...", "go to example.com") keeps the
   next clause when that clause works in the same place and on the same kind of
   device; "tell me"/"let me know" joins the clause whose result it reports;
4. devices: a leading address ("On phone-2, ...") holds for its stage, a list
   shares one address ("turn on Wi-Fi and Bluetooth on phone-2"), "the other
   one" is the device the previous clause did not use, "every phone" fans out;
5. edges: a stage runs after the one before it; a clause that uses an earlier
   result takes it as an input (a data edge); a clause that points back ("turn
   it on") or asks about the place the previous clause just changed runs after it;
6. conditions: "..., then if it's raining, text Ada ..." gives the clause after the
   condition a `condition` and makes it run after the step before it, whose outputs the
   replanner judges it on (`conditions`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ...protocol.messages import DeviceProfile
from ..graph import DeviceKind, DeviceRequirement, EdgeKind, GraphPatch, InputValue, Ref, SubtaskSpec
from . import lexicon, references
from .base import BadRequest, fleet_help
from .clauses import AddressShape, Clause, Masked, gives_value, split, strip_polite
from .conditions import Cut, cut_conditions, governs
from .devices import Address, Fleet, content_kind, default_kind, strip_address
from .rewrites import between_devices, embedded_lookup, name_the_thing

_CONTACT_OUTPUTS = ("number", "phone", "email", "address")
_PRIVATE_WORDS = re.compile(
    r"\b(bank|password|passcode|pin|login|log ?in|sign ?in|medical|salary|balance|transfer|pay|payment|"
    r"verification code|one-time code|otp)\b",
    re.I,
)


@dataclass
class _Step:
    """A clause on its way to becoming subtasks."""

    clause: Clause
    goal: str
    address: Address | None
    question: str | None
    """The part of the goal that asks something, if any."""
    kind: DeviceKind | None
    area: str | None
    person: str | None = None
    strong: bool = True
    """Whether the words say the kind outright (not just "a question about the world")."""
    open_for_more: bool = True
    """An opener keeps the next clause; after that only if that clause opened something too."""
    devices: list[str] = field(default_factory=list)
    """Device ids it is pinned to (one, or several for a fan-out)."""
    subtasks: list[str] = field(default_factory=list)
    source: tuple[str, _Step] | None = None
    """(input name, the step whose output it takes)."""
    after: list[_Step] = field(default_factory=list)
    """Steps it must run after (besides the previous stage)."""
    condition: str | None = None
    """It runs only if this holds for what the step it runs after found."""

    @property
    def output(self) -> str:
        return references.output_name(self.question) if self.question else "result"

    @property
    def opener(self) -> bool:
        return bool(lexicon.OPENERS.match(self.goal))


class ClausePlanner:
    """Plans without a model: clauses become subtasks on the devices they name.

    "A and B then C" becomes A and B in parallel, then C after both. Device
    addresses become pins ("on phone-2"), fan-outs ("on both phones") or kinds
    ("in the browser"); unknown devices are refused with the list of real ones.
    Questions declare named outputs; "it", "that", "the weather", "her" in later
    clauses become data edges. See the module docstring for the rules.
    """

    async def plan(self, request: str, devices: Sequence[DeviceProfile]) -> GraphPatch:
        """A patch adding the request's subtasks and edges; BadRequest/UnknownDevice if it cannot."""
        masked = Masked(request.strip())
        masked.text, cuts = cut_conditions(masked.text)
        fleet = Fleet(devices)
        clauses = split(masked, lambda piece: _address_shape(piece, fleet))
        if all(c.remark for c in clauses):  # "I'm cold": no clause says what to do; the agent may still see how
            for c in clauses:
                c.remark = False
        steps = [s for s in _read(clauses, fleet) if s.goal.strip(" ,.!?")]
        if not steps:
            raise BadRequest(f"nothing to do in the request {request!r}; say what to do, e.g. 'turn on Wi-Fi'")
        _attach_conditions(steps, cuts, masked)
        steps = _merge(steps)
        _place(steps, fleet)
        _link(steps)
        return _build(steps, masked, fleet)


def _address_shape(piece: str, fleet: Fleet) -> AddressShape:
    """ "only" if `piece` is nothing but a device address ("on phone-2", "the other one"),
    "some" if it has one, else None."""
    try:
        address = fleet.find(piece, value_from=lexicon.value_start(piece))
    except BadRequest:
        return "some"
    if address is None:
        return None
    return "some" if strip_address(piece, address).strip(" ,") else "only"


def _read(clauses: list[Clause], fleet: Fleet) -> list[_Step]:
    """Each clause's goal text, device address, question, kind, area and the person it means."""
    steps: list[_Step] = []
    people: list[str] = []
    remark = ""  # the context a remark just gave: "it" in the next clause may name its thing
    for clause in clauses:
        text = strip_polite(clause.text)
        if clause.remark:
            remark = text
            people += references.persons(text) or references.subjects(text)
            continue
        if clause.repeat and steps:
            base = steps[-1]
            bare = lexicon.SAME.sub("", lexicon.CLAUSE_END_ADVERBS.sub("", text)).strip(" ,")
            address = fleet.find(bare, value_from=len(bare)) if bare else None
            steps.append(
                _Step(clause, base.goal, address, base.question, base.kind, base.area, base.person, strong=base.strong)
            )
            continue
        if clause.borrowed and clause.verb:
            text = f"{clause.verb} {text}"
        carried = between_devices(text, fleet)
        if carried is not None:  # "copy the note Groceries from phone-1 to phone-2": read there, save here
            (fetch, source), (save, target) = carried
            steps.append(_step(Clause(fetch, clause.stage, "find", joiner=clause.joiner), fetch, source, fleet))
            steps.append(_step(Clause(save, clause.stage, "save"), save, target, fleet))
            continue
        address = fleet.find(text, value_from=lexicon.value_start(text))
        goal = strip_polite(strip_address(text, address) if address else text)
        kind, _ = content_kind(goal, fleet, question=lexicon.asks(goal))
        if address is not None and address.form == "fanout" and address.kind is None and kind is not None:
            address = fleet.narrow(address, kind)  # "turn off Bluetooth on all devices": the phones
        if steps or remark:
            goal = name_the_thing(goal, remark or steps[-1].goal)
        context, remark = remark, ""
        lookup = embedded_lookup(goal, fleet)
        if lookup is not None:  # "send the weather in Paris to Ada": look it up, then send it
            question, goal = lookup
            web = address if address is not None and address.kind == "browser" else None  # "... from the web"
            steps.append(_step(Clause(question, clause.stage, "look", joiner=clause.joiner), question, web, fleet))
            address = None if web else address
            clause = Clause(clause.text, clause.stage, clause.verb, joiner="and")
        goal, person = references.resolve_people(goal, people)
        people += references.persons(goal)
        if context and gives_value(context):  # a remark that gives a value passes it to the clause after it
            goal = f"{goal}: {context}"  # "Update his contact: Tom got a new number, 555 0199"
        steps.append(_step(clause, goal, address, fleet, person))
    if remark and (gives_value(remark) or _WHO_I_AM.search(remark)) and steps:  # nothing after it: it is for
        # the clause before ("What's my balance? PIN is 4321", "fill in the contact form, my name is Ann Lee")
        last = steps[-1]
        last.question = f"{last.goal}: {remark}" if last.question == last.goal else last.question
        last.goal = f"{last.goal}: {remark}"  # "What's my balance? PIN is 4321"
    return steps


def _step(clause: Clause, goal: str, address: Address | None, fleet: Fleet, person: str | None = None) -> _Step:
    question = goal if lexicon.asks(goal) else None
    kind, strong = content_kind(goal, fleet, question=question is not None)
    area = lexicon.phone_area(goal, fleet.app_areas())
    return _Step(clause, goal, address, question, kind, area, person, strong=strong)


_WHO_I_AM = re.compile(r"\bmy name(?:'s| is)\b|\b(?:[Ii] am|[Ii]'m|[Tt]his is)\s+[A-Z][a-z]+")
"""A remark that says who is asking: the form or message before it is from them."""
_FORM = re.compile(r"\b(?:contact|feedback|support|enquiry|inquiry|complaint)?\s*form\b", re.I)
_TO_THE_FORMS_READER = re.compile(r"^(?:tell|inform|ask|remind)\s+them\b|^let\s+them\s+know\b", re.I)
"""'fill in the contact form and tell them ...': what the form is to say, not a message of its own."""


_TEXTS = re.compile(
    r"^(?:text|message|sms|msg|send\s+(?:a\s+)?(?:text|message|sms))\b(?!.*\b(?:saying|that says)\b)", re.I
)


def _told(prev: _Step, step: _Step) -> str | None:
    """What a clause tells the person the clause before texts, which is that text's message:
    "text Ada and tell her I'm late" -> "I'm late"."""
    person = prev.person or step.person
    if person is None or not _TEXTS.match(prev.goal) or person not in prev.goal:
        return None
    m = re.match(rf"^(?:tell|let)\s+{re.escape(person)}\s+(?:know\s+)?(?:that\s+)?(.+)$", step.goal, re.I)
    return m.group(1) if m else None


def _merge(steps: list[_Step]) -> list[_Step]:
    """Join a clause to the opener before it (same place, same kind) and "tell me" to what it reports."""
    out: list[_Step] = []
    for step in steps:
        prev = out[-1] if out else None
        if prev is None or step.clause.repeat or step.condition:  # a conditional clause is a branch of its own
            out.append(step)
            continue
        same_device = (
            step.address is None
            or prev.address is None  # "open the bank and tell me my balance on phone-2": one place, one device
            or (prev.address.device_ids == step.address.device_ids and prev.address.kind == step.address.kind)
        )
        report = lexicon.REPORT_BACK.match(step.goal) and same_device
        if same_device and _FORM.search(prev.goal) and _TO_THE_FORMS_READER.match(step.goal):
            prev.goal = f"{prev.goal} and {step.goal[:1].lower()}{step.goal[1:]}"  # what the form is to say
            continue
        if same_device and (said := _told(prev, step)) is not None:
            prev.goal = f"{prev.goal} saying {said}"  # "text Ada and tell her I'm late": one message
            continue
        prev_kind = (prev.address.kind if prev.address else None) or (prev.kind if prev.strong else None)
        step_kind = (step.address.kind if step.address else None) or (step.kind if step.strong else None)
        fits = (
            prev.opener
            and prev.open_for_more
            and same_device
            and (step_kind is None or prev_kind is None or step_kind == prev_kind)
            and (step.area is None or prev.area is None or step.area == prev.area)
        )
        if not (report or fits):
            out.append(step)
            continue
        joiner = " and " if step.clause.joiner == "and" else ", then "
        prev.goal = f"{prev.goal}{joiner}{step.goal[:1].lower()}{step.goal[1:]}"
        if report:  # "... and tell me": the answer is what the previous clause finds
            prev.question = prev.question or prev.goal
        else:
            prev.question = step.question or prev.question
        if step.strong and not prev.strong or prev.kind is None:
            prev.kind, prev.strong = step.kind, step.strong
        prev.address = prev.address or step.address
        prev.area = prev.area or step.area
        prev.person = step.person or prev.person
        prev.open_for_more = step.opener
    return out


def _place(steps: list[_Step], fleet: Fleet) -> None:
    """Resolve each step's devices: inherited addresses, "the other one", fan-outs."""
    for i, step in enumerate(steps):
        prev = steps[i - 1] if i else None
        stage = step.clause.stage
        if step.address is None and prev is not None and prev.address is not None and prev.clause.stage == stage:
            leading = prev.address.start == 0 and prev.address.form != "other"
            clash = step.strong and step.kind and prev.address.kind and step.kind != prev.address.kind
            if (leading or step.clause.borrowed) and not clash:  # "on the browser, look up X and text it": a phone
                step.address = prev.address  # "On phone-2, A and B"; "turn on A on phone-2 and B"
        if step.address is None and not step.clause.borrowed:
            # "turn on Wi-Fi and Bluetooth on phone-2": a list shares the address of its last item
            run: list[_Step] = []
            for later in steps[i + 1 :]:
                if not _continues(later, stage):
                    break
                run.append(later)
            if run and run[-1].address is not None and all(s.address in (None, run[-1].address) for s in run):
                step.address = run[-1].address
                for s in run:
                    s.address = s.address or step.address
        address = step.address
        if address is None:
            continue
        if address.form == "other":
            if prev is None:
                raise BadRequest(
                    f"{address.phrase.strip()!r} needs a device named before it; name the device.\n"
                    + fleet_help(fleet.devices)
                )
            prev_kind = (prev.address.kind if prev.address else None) or prev.kind or default_kind(fleet)
            device, pin_prev = fleet.other(prev.devices, prev_kind, address)
            if pin_prev is not None:
                prev.devices = [pin_prev]
            step.devices = [device]
        else:
            step.devices = list(address.device_ids)


def _continues(step: _Step, stage: int) -> bool:
    """Whether `step` is one more item of the list before it ("... and Bluetooth")."""
    return step.clause.borrowed and step.clause.stage == stage


def _build(steps: list[_Step], masked: Masked, fleet: Fleet) -> GraphPatch:
    """Subtasks, data inputs and edges for the placed steps."""
    specs: list[SubtaskSpec] = []
    edges: dict[tuple[str, str], EdgeKind] = {}
    by_stage: dict[int, list[str]] = {}
    for step in steps:
        stage = step.clause.stage
        before = [n for n in by_stage if n < stage]
        after = by_stage[max(before)] if before else []  # a stage runs after the one before it
        inputs: dict[str, InputValue] = {}
        if step.source is not None:
            name, producer = step.source
            inputs[name] = Ref.model_validate({"from": producer.subtasks[0], "output": producer.output})
        needs = [sid for dep in step.after for sid in dep.subtasks]
        kind = (step.address.kind if step.address else None) or step.kind or default_kind(fleet)
        kinds = {d.id: d.kind for d in fleet.devices}
        requirements = [DeviceRequirement(kind=kinds.get(dev, kind), device_id=dev) for dev in step.devices] or [
            DeviceRequirement(kind=kind)
        ]
        goal = masked.restore(step.goal)
        for requirement in requirements:
            sid = f"s{len(specs) + 1}"
            specs.append(
                SubtaskSpec(
                    id=sid,
                    goal=goal[:1].upper() + goal[1:],
                    device=requirement,
                    inputs=inputs,
                    outputs=[step.output],
                    privacy="private" if _PRIVATE_WORDS.search(goal) else "normal",
                    condition=step.condition,
                )
            )
            step.subtasks.append(sid)
            for src in [*after, *needs]:
                edges[(src, sid)] = "on_success"
        by_stage.setdefault(stage, []).extend(step.subtasks)
    return GraphPatch.from_specs(
        specs, [(a, b, k) for (a, b), k in edges.items()], reason=f"split into {len(specs)} clause(s)"
    )


def _attach_conditions(steps: list[_Step], cuts: list[Cut], masked: Masked) -> None:
    """Give each cut condition to the step of the clause right after it (the last step made of it)."""
    for cut in cuts:
        governed = [s for s in steps if governs(cut, s.clause.text)]
        if not governed:
            continue
        if governed[-1] is steps[0]:
            raise BadRequest(
                f"'if {masked.restore(cut.condition)}' needs a step before it that finds that out;"
                " say it first, e.g. 'check the weather, then if it's raining, text Ada ...'"
            )
        governed[-1].condition = masked.restore(cut.condition)


_OBJECT = re.compile(r"^\w+(?:\s+(?:me|us|him|her|them|[A-Z]\w*))?\s+(?:the|that|this)\s+([a-z]+)\b")


def _link(steps: list[_Step]) -> None:
    """Find where each step's data comes from, and what it must run after.

    An opener whose page a later clause uses ("open the weather site and text the
    forecast to Ada") becomes a reader of it: "... and read the forecast".
    """
    for i, step in enumerate(steps):
        earlier = steps[:i]
        producers = [s for s in earlier if s.question]
        source: _Step | None = None
        if producers and references.generic_reference(step.goal):
            source = producers[-1]
        if source is None:
            source = next((p for p in reversed(producers) if references.mentions_output(step.goal, p.output)), None)
        if source is None and step.person:  # "find Ada's number, then call her"
            source = next(
                (p for p in reversed(producers) if step.person in p.goal and p.output in _CONTACT_OUTPUTS), None
            )
        prev = earlier[-1] if earlier else None
        if source is None and producers and _OBJECT.match(step.goal) and references.sends(step.goal):
            source = producers[-1]  # "check the news and text me the headline"
        if source is None and prev is not None and prev.question and references.bare_send(step.goal):
            source = prev  # "find out the weather in Rome and text my wife": what was found is the message
        if source is None and prev is not None and prev.opener and not prev.question:
            noun = _OBJECT.match(step.goal)
            if noun or references.generic_reference(step.goal):
                what = f"the {noun.group(1)}" if noun else "what it shows"
                prev.goal += f" and read {what}"
                prev.question = f"read {what}"
                source = prev
        if source is not None:
            to_person = step.person is not None and step.person in source.goal
            name = references.input_role(step.goal, source.output, to_person=to_person)
            step.source = (name, source)
            step.after.append(source)
        elif step.condition and prev is not None:
            step.after.append(prev)  # "then if it's raining, ...": judged on what the step before found
        elif prev is not None and references.refers_back(step.goal):
            step.after.append(prev)  # "turn it on": after what "it" came from
        elif prev is not None and step.person and step.person in prev.goal:
            step.after.append(prev)  # "add a contact named Tom and call him": after he is added
        if (
            prev is not None
            and step.question
            and not prev.question
            and prev.clause.stage == step.clause.stage
            and step.area
            and step.area == prev.area
        ):
            step.after.append(prev)  # "add Ada to my contacts and tell me how many I have": ask after the change
