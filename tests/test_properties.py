"""Property tests of the pure core: exactly-once delivery across drops, and the privacy gate."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fleetmind.agents.models.router import Step, route
from fleetmind.protocol.messages import Ack, Progress
from fleetmind.protocol.session import Session

# A link's life: the sender sends, the wire delivers (or duplicates) some of what is in
# flight, connections drop (losing everything in flight) and resume (replaying).
OPS = st.lists(st.sampled_from(["send", "deliver", "duplicate", "ack", "drop", "resume"]), max_size=60)


@settings(max_examples=300, deadline=None)
@given(OPS)
def test_every_message_arrives_exactly_once_and_in_order(ops: list[str]) -> None:
    sender, receiver = Session("a"), Session("b")
    wire: list[Progress] = []  # in flight, in order
    received: list[int] = []
    sent = 0
    connected = True
    for op in ops:
        if op == "send":
            sent += 1
            msg = sender.stamp(Progress(subtask_id="s", step=sent, action={}, tier="rule"))
            if connected:
                wire.append(msg)  # type: ignore[arg-type]
        elif op in ("deliver", "duplicate") and wire:
            msg = wire[0] if op == "duplicate" else wire.pop(0)
            if receiver.receive(msg):
                received.append(msg.step)
        elif op == "ack" and connected:
            sender.receive(receiver.stamp(Ack()))
        elif op == "drop":
            connected, wire = False, []
        elif op == "resume":
            connected = True
            wire = list(sender.replay_after(receiver.last_received))  # type: ignore[arg-type]
    # finally: reconnect and deliver everything
    for msg in sender.replay_after(receiver.last_received):
        if receiver.receive(msg):
            received.append(msg.step)  # type: ignore[attr-defined]
    assert received == list(range(1, sent + 1))


STEPS = st.builds(
    Step,
    policy=st.sampled_from(["auto", "local-only", "cloud-only"]),
    private_subtask=st.booleans(),
    secure_screen=st.booleans(),
    sensitive=st.one_of(st.none(), st.just("screen shows a credential")),
    local_available=st.booleans(),
    cloud_available=st.booleans(),
    budget_left_usd=st.floats(min_value=0, max_value=10),
    stuck=st.booleans(),
    local_confidence=st.one_of(st.none(), st.floats(min_value=-10, max_value=10)),
)


@settings(max_examples=500, deadline=None)
@given(STEPS)
def test_private_steps_are_never_routed_to_the_cloud(step: Step) -> None:
    decision = route(step)
    private = step.private_subtask or step.secure_screen or bool(step.sensitive)
    if private:
        assert decision.tier != "cloud"
    if decision.tier == "cloud":
        assert step.cloud_available and step.policy != "local-only"
    if decision.tier == "local":  # cloud-only yields to the privacy gate, nothing else does
        assert step.local_available and (step.policy != "cloud-only" or private)
