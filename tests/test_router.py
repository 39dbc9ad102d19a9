"""Routing decisions, pure: the privacy gate first, then availability, state, cascade."""

import pytest

from fleetmind.agents.models.router import Step, route, sensitive_reason


@pytest.mark.parametrize(
    "step",
    [
        Step(private_subtask=True, cloud_available=True, budget_left_usd=1),
        Step(secure_screen=True, cloud_available=True, budget_left_usd=1, stuck=True),
        Step(sensitive="screen shows a credential", cloud_available=True, budget_left_usd=1, policy="cloud-only"),
        Step(private_subtask=True, cloud_available=True, budget_left_usd=1, local_confidence=0.0),
    ],
)
def test_private_steps_never_go_to_the_cloud(step: Step) -> None:
    decision = route(step)
    assert decision.tier == "local" and decision.reason.startswith("privacy")


def test_private_step_without_local_model_is_blocked_not_sent() -> None:
    decision = route(Step(private_subtask=True, local_available=False, cloud_available=True, budget_left_usd=1))
    assert decision.tier == "blocked"


def test_policies() -> None:
    assert route(Step(policy="local-only", cloud_available=True, budget_left_usd=1, stuck=True)).tier == "local"
    assert route(Step(policy="cloud-only", cloud_available=True, budget_left_usd=1)).tier == "cloud"
    assert route(Step(policy="cloud-only", cloud_available=False)).tier == "blocked"


def test_availability_and_budget() -> None:
    assert route(Step(cloud_available=False, stuck=True)).reason == "no cloud model configured"
    assert route(Step(cloud_available=True, budget_left_usd=0.0, stuck=True)).reason == "cloud budget spent"
    assert route(Step(local_available=False, cloud_available=True, budget_left_usd=1)).tier == "cloud"
    assert route(Step(local_available=False, cloud_available=False)).tier == "blocked"


def test_stuck_and_unsure_steps_escalate_confident_ones_stay_local() -> None:
    base = dict(cloud_available=True, budget_left_usd=1.0)
    assert route(Step(**base, stuck=True)).tier == "cloud"
    assert route(Step(**base, local_confidence=0.1)).tier == "cloud"
    assert route(Step(**base, local_confidence=0.9)).tier == "local"
    assert route(Step(**base)).tier == "local"


def test_sensitive_text_rules() -> None:
    assert sensitive_reason(["Card 4111 1111 1111 1111"]) == "screen shows a card number"
    assert sensitive_reason(["Your verification code is 1234"]) == "screen shows a one-time code"
    # Words about secrets are not secrets: a label or a help page stays cloud-eligible; a stated value does not.
    assert sensitive_reason(["Enter password", "How to choose a strong password"]) is None
    assert sensitive_reason(["Your new password is Tr0ub4dor&3"]) == "screen shows a password or PIN"
    assert sensitive_reason(["Wi-Fi", "Bluetooth", "555 0100"]) is None
