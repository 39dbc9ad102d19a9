"""Where the graph goes after each node: on to the next part of the loop, to a question, or to the end."""

from __future__ import annotations

from typing import Literal

from ..records import LoopState


def after_observe(state: LoopState) -> Literal["plan", "note"]:
    return "note" if "subgoals" in state else "plan"  # the plan is made once, on the first screen


def after_verify(state: LoopState) -> Literal["act", "ask", "reflect", "finish"]:
    if state.get("result") is not None:
        return "finish"
    if state.get("question") is not None:
        return "ask"
    return "act" if state.get("pending") is not None else "reflect"


def after_reflect(state: LoopState) -> Literal["recover", "decide", "finish"]:
    if state.get("result") is not None:
        return "finish"
    return "recover" if state.get("recover") else "decide"


def after_decide(state: LoopState) -> Literal["act", "ask", "finish"]:
    if state.get("result") is not None:
        return "finish"
    return "ask" if state.get("question") is not None else "act"


def after_ask(state: LoopState) -> Literal["act", "decide", "finish"]:
    if state.get("result") is not None:
        return "finish"
    return "act" if state.get("pending") is not None else "decide"


def after_act(state: LoopState) -> Literal["observe", "finish"]:
    return "finish" if state.get("result") is not None else "observe"
