"""Property tests: any sequence of answers, skips and changes keeps the engine consistent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.loader import bundled_form
from forms.schema import (
    BoolQuestion,
    ChoiceQuestion,
    DateQuestion,
    LevelQuestion,
    MultiQuestion,
    TextQuestion,
)
from interview.case import SCALE_RANGES, Plan
from interview.engine import Interview, Step
from interview.textcheck import find_control

TODAY = date(2026, 11, 25)
FORM = bundled_form()


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    n = draw(st.integers(0, 4))
    goals: list[dict[str, Any]] = []
    for i in range(n):
        scale = draw(st.sampled_from(["icf", "gas", "none"]))
        goal: dict[str, Any] = {"id": f"g{i}", "text": f"Mål {i}", "life_area": "d1", "scale": scale}
        if scale != "none" and draw(st.booleans()):
            low, high = SCALE_RANGES[scale]
            goal["baseline"] = draw(st.integers(low, high))
        if i and draw(st.booleans()):
            goal["parent"] = f"g{draw(st.integers(0, i - 1))}"
        goals.append(goal)
    return Plan.model_validate({"start": "2026-01-01", "goals": goals})


def valid_raw(data: st.DataObject, iv: Interview, step: Step) -> Any:
    q = step.question
    if not iv.is_required(step) and data.draw(st.integers(0, 4)) == 0:
        return None  # skip an optional question
    if isinstance(q, DateQuestion):
        if q.after is not None:
            base = date.fromisoformat(iv.answers.get(q.after) or TODAY.isoformat())
            return base + timedelta(days=data.draw(st.integers(1, 400)))
        return TODAY - timedelta(days=data.draw(st.integers(0, 300)))
    if isinstance(q, ChoiceQuestion):
        return data.draw(st.sampled_from([c.code for c in q.choices]))
    if isinstance(q, MultiQuestion):
        exclusive = [c.code for c in q.choices if c.exclusive]
        normal = [c.code for c in q.choices if not c.exclusive]
        if len(exclusive) > 0 and data.draw(st.booleans()):
            return [data.draw(st.sampled_from(exclusive))]
        return data.draw(st.lists(st.sampled_from(normal), min_size=max(1, q.min_selected),
                                  unique=True))
    if isinstance(q, TextQuestion):
        text = st.text(min_size=1, max_size=30).filter(lambda s: s.strip() and find_control(s) is None)
        return data.draw(text)
    if isinstance(q, LevelQuestion):
        assert step.goal is not None
        low, high = SCALE_RANGES[step.goal.scale]
        return data.draw(st.integers(low, high))
    assert isinstance(q, BoolQuestion)
    return data.draw(st.booleans())


def check_invariants(iv: Interview) -> None:
    applicable = iv.applicable_steps()
    keys = [s.key for s in applicable]
    nxt = iv.next_step()
    if nxt is not None:
        assert iv.is_applicable(nxt) and not iv.is_answered(nxt)
        # everything asked before the next question has an answer (or a recorded skip)
        assert all(iv.is_answered(s) for s in applicable[: keys.index(nxt.key)])
    else:
        assert iv.is_complete()
    progress = iv.progress()
    assert progress.answered == sum(1 for s in applicable if iv.is_answered(s)) <= progress.applicable
    assert not set(iv.stale_keys()) & set(keys)
    answers, goals = iv.final_answers()
    final_keys = set(answers) | {f"goals.{g}.{q}" for g, qs in goals.items() for q in qs}
    assert final_keys <= set(keys)
    # Replaying only the final record asks exactly the same questions: no hidden state.
    replay = Interview(FORM, iv.plan, answers, goals, today=TODAY)
    assert [s.key for s in replay.applicable_steps()] == keys
    replay_next = replay.next_step()
    assert (replay_next.key if replay_next else None) == (nxt.key if nxt else None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(), data=st.data())
def test_any_sequence_keeps_the_engine_consistent(plan: Plan, data: st.DataObject) -> None:
    iv = Interview(FORM, plan, {}, today=TODAY)
    assert iv.next_step() is not None  # a fresh follow-up always has a first question
    for _ in range(data.draw(st.integers(1, 60))):
        answered = [s for s in iv.applicable_steps() if iv.has(s)]
        nxt = iv.next_step()
        go_back = answered and (nxt is None or data.draw(st.integers(0, 3)) == 0)
        step = data.draw(st.sampled_from(answered)) if go_back else nxt
        if step is None:
            break
        value = iv.coerce(step, valid_raw(data, iv, step))
        iv = iv.with_answer(step.key, value)
        check_invariants(iv)


@settings(max_examples=60, deadline=None)
@given(plan=plans(), data=st.data())
def test_walking_forward_always_ends_complete(plan: Plan, data: st.DataObject) -> None:
    iv = Interview(FORM, plan, {}, today=TODAY)
    steps = 0
    while (step := iv.next_step()) is not None:
        iv = iv.with_answer(step.key, iv.coerce(step, valid_raw(data, iv, step)))
        steps += 1
        assert steps <= len(iv.steps)
    assert iv.is_complete()
    assert iv.progress().fraction == 1.0
