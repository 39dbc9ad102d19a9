"""The agent gateway's checks, beside the runtime: admitting a hello, screening every
message against the session's own devices, cancelling a returning agent's stale work,
and forgetting sessions whose agents stayed away.

The rules are in `identity` (pure); this module gathers the facts from the running
`Orchestrator` (its sessions, registry and runs) and acts on the verdicts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..protocol.codec import CLOSE_UNAUTHORIZED
from ..protocol.messages import Cancel, Error, Hello, Message, Progress, Question
from ..protocol.transport import FrameSocket, send_unsequenced
from .identity import Admission, CredentialError, HelloFacts, check_message, decide_hello
from .limits import clip
from .runs import AgentSession

if TYPE_CHECKING:
    from .server import Orchestrator

log = logging.getLogger(__name__)


async def admit(orch: Orchestrator, ws: FrameSocket, hello: Hello) -> tuple[str | None, str | None] | None:
    """Check a hello's credential and devices (identity.decide_hello); returns (key id, newly
    issued key), or None after refusing it with an error reply and a close."""
    gate, limits = orch.gate, orch.limits
    device_ids = tuple(d.id for d in hello.devices)
    try:
        credential = await gate.credential(hello.token)
        owners = await gate.owners(device_ids[: limits.max_devices_per_hello + 1])
    except CredentialError as exc:
        await refuse(ws, hello, Admission(False, exc.code, str(exc)))
        return None
    resume = hello.resume.session_id if hello.resume and hello.resume.session_id in orch.sessions else None
    facts = HelloFacts(
        device_ids=device_ids,
        running_listed=len(hello.running),
        key_id=credential.key_id,
        resume_session=resume,
        resume_key=gate.session_keys.get(resume) if resume else None,
        owners=owners,
        live={d: e.session_id for d in device_ids if (e := orch.registry.get(d)) is not None and e.online},
        sessions=len(orch.sessions),
    )
    verdict = decide_hello(facts, limits)
    if not verdict.ok:
        await refuse(ws, hello, verdict)
        return None
    if credential.enrolment is not None:
        try:
            issued = await gate.enrol(hello, credential.enrolment)
        except CredentialError as exc:
            await refuse(ws, hello, Admission(False, exc.code, str(exc)))
            return None
        log.warning("agent %s enrolled %s as device key %s", hello.agent_id, ", ".join(device_ids), issued.id)
        return issued.id, issued.key
    await gate.claim(credential.key_id, device_ids)
    return credential.key_id, None


async def refuse(ws: FrameSocket, hello: Hello, verdict: Admission) -> None:
    """Tell the agent why its hello is refused, and close with the verdict's code."""
    log.warning("refused agent %s: %s", clip(hello.agent_id, 60), verdict.reason)
    await send_unsequenced(ws, Error(code=verdict.code, message=verdict.reason, corr=hello.id), None)
    await ws.close(verdict.close_code, verdict.code)


async def screen(orch: Orchestrator, ws: FrameSocket, agent: AgentSession, message: Message) -> bool:
    """Whether `message` may be applied: a session reports only on its own devices' subtasks
    (identity.check_message). A refused one gets an error reply; a stale one a cancel."""
    wire = getattr(message, "subtask_id", None)
    holder = None
    if isinstance(wire, str):
        run, sid = orch._locate(wire)  # noqa: SLF001 - the runtime's own lookup of live attempts
        holder = run.running[sid].device_id if run is not None else None
    verdict, reason = check_message(message, agent.devices, holder)
    if verdict == "refuse":
        log.warning("agent %s: %s", agent.agent_id, reason)
        await send_unsequenced(ws, Error(code="forbidden", message=reason, corr=message.id), agent.link.session)
        return False
    if verdict == "stale" and isinstance(wire, str) and isinstance(message, (Progress, Question)):
        await agent.link.send(Cancel(subtask_id=wire, reason=f"{reason}; stop it"))
    return verdict == "apply"


async def cancel_stale(orch: Orchestrator, agent: AgentSession, running: Sequence[str]) -> None:
    """Tell a returning agent to stop the subtasks it still runs that are no longer its own."""
    own = {a.wire_id for a in orch._attempts_on(agent.devices)}  # noqa: SLF001
    for wire in running[: orch.limits.max_running_listed]:
        if wire not in own:
            reason = "this attempt is no longer yours (it was re-dispatched or ended while you were away)"
            await agent.link.send(Cancel(subtask_id=wire, reason=reason))


async def watch_revocations(orch: Orchestrator, every_s: float) -> None:
    """Every `every_s`, close the live connections whose device key was revoked (code 4001):
    `fleetmind keys revoke` shuts a host out within a heartbeat, not only at its next hello."""
    while True:
        await asyncio.sleep(every_s)  # a polling period: the key store is another process's file
        keyed = {sid: key for sid, key in orch.gate.session_keys.items() if key is not None}
        try:
            revoked = await orch.gate.revoked(set(keyed.values()))
        except Exception:  # a busy or broken database must not end the watch
            log.exception("could not read revoked keys")
            continue
        for session_id, key in keyed.items():
            agent = orch.sessions.get(session_id)
            if key in revoked and agent is not None and agent.link.ws is not None:
                log.warning("device key %s was revoked: closing agent %s", key, agent.agent_id)
                orch.gate.session_keys[session_id] = f"revoked:{key}"  # it may not resume either
                await agent.link.ws.close(CLOSE_UNAUTHORIZED, "device key revoked; enrol again")


def forget_session(orch: Orchestrator, agent: AgentSession) -> None:
    """Drop a session whose agent stayed away past its grace, and its idle devices."""
    session_id = agent.link.session.session_id
    if agent.link.ws is not None or orch._attempts_on(agent.devices) or orch.sessions.get(session_id) is not agent:  # noqa: SLF001
        return
    del orch.sessions[session_id]
    orch.gate.session_keys.pop(session_id, None)
    for device_id in agent.devices:
        entry = orch.registry.get(device_id)
        if entry is not None and entry.session_id == session_id and not entry.online and not entry.running:
            orch.registry.forget(device_id)
