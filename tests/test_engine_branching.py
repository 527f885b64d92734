"""Table-driven branching over the standard form: which questions each answer opens or closes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from forms.schema import FormDefinition
from interview.case import Plan
from interview.engine import Interview
from interview.errors import AnswerError
from tests.helpers import complete_answers

TODAY = date(2026, 11, 25)

# answers given (beyond the simplest complete branch) -> questions that must be asked / not asked
BRANCHES: list[tuple[dict[str, Any], set[str], set[str]]] = [
    ({}, set(), {"intervention_gap_reason", "new_needs_description", "new_needs_areas",
                 "new_needs_response", "other_principals", "guided", "guided_reason",
                 "sip_status", "sip_date"}),
    ({"intervention_received": "partly"}, {"intervention_gap_reason"}, set()),
    ({"intervention_received": "no"}, {"intervention_gap_reason"}, set()),
    ({"new_needs": "yes"}, {"new_needs_description", "new_needs_areas", "new_needs_response"}, set()),
    ({"other_principal_need": "yes"}, {"other_principals", "guided"}, {"guided_reason"}),
    ({"other_principal_need": "unknown"}, set(), {"other_principals", "guided"}),
    ({"other_principal_need": "yes", "guided": "no"}, {"guided_reason"}, set()),
    ({"other_principal_need": "yes", "guided": "in_progress"}, set(), {"guided_reason"}),
    ({"sip_needed": "yes"}, {"sip_status"}, {"sip_date"}),
    ({"sip_needed": "yes", "sip_status": "exists"}, {"sip_date"}, set()),
    ({"sip_needed": "yes", "sip_status": "initiated"}, {"sip_date"}, set()),
    ({"sip_needed": "yes", "sip_status": "declined"}, set(), {"sip_date"}),
    # a stale answer to a closed question does not open its followers
    ({"sip_needed": "no", "sip_status": "exists"}, set(), {"sip_status", "sip_date"}),
    ({"other_principal_need": "no", "guided": "no"}, set(), {"guided", "guided_reason"}),
]


@pytest.mark.parametrize(("extra", "asked", "not_asked"), BRANCHES)
def test_branching(
    form: FormDefinition, plan: Plan, extra: dict[str, Any], asked: set[str], not_asked: set[str]
) -> None:
    iv = Interview(form, plan, {**complete_answers(), **extra}, today=TODAY)
    keys = {s.key for s in iv.applicable_steps()}
    assert asked <= keys
    assert not (not_asked & keys)


def test_per_goal_questions_repeat_for_each_goal_and_level_only_on_scaled_goals(
    form: FormDefinition, plan: Plan
) -> None:
    iv = Interview(form, plan, {}, today=TODAY)
    goal_keys = [s.key for s in iv.applicable_steps() if s.goal is not None]
    assert goal_keys == [
        "goals.g1.attainment", "goals.g1.level", "goals.g1.comment",
        "goals.g1a.attainment", "goals.g1a.comment",
        "goals.g2.attainment", "goals.g2.level", "goals.g2.comment",
    ]  # fmt: skip
    assert iv.step("goals.g1a.attainment").depth == 1


@pytest.mark.parametrize(
    ("decision", "required"),
    [("continue", True), ("revise_plan", True), ("end_goals_met", False), ("end_other", False),
     ("new_investigation", False)],
)
def test_next_followup_required_only_when_the_intervention_goes_on(
    form: FormDefinition, plan: Plan, decision: str, required: bool
) -> None:
    answers = {**complete_answers(), "decision": decision}
    del answers["next_followup"]
    iv = Interview(form, plan, answers, today=TODAY)
    assert iv.is_required(iv.step("next_followup")) is required


def test_walk_in_order_and_complete(form: FormDefinition, plan: Plan) -> None:
    given = {**complete_answers(), "new_needs": "yes", "new_needs_description": "Ensam",
             "new_needs_areas": ["d7"], "new_needs_response": ["new_goals"]}
    goal_values = {"attainment": "achieved", "level": 1, "comment": None}
    iv = Interview(form, plan, {}, today=TODAY)
    asked = []
    while (step := iv.next_step()) is not None:
        asked.append(step.key)
        raw = goal_values[step.question.id] if step.goal else given.get(step.question.id)
        iv = iv.with_answer(step.key, iv.coerce(step, raw))
    assert iv.is_complete()
    assert asked[:4] == ["meeting_date", "participants", "meeting_mode", "intervention_received"]
    assert "new_needs_description" in asked and "sip_status" not in asked
    assert iv.progress().answered == iv.progress().applicable == len(asked)


def test_changing_an_answer_back_drops_dependants_from_the_final_record(
    form: FormDefinition, plan: Plan
) -> None:
    iv = Interview(form, plan, {**complete_answers(), "new_needs": "yes",
                                "new_needs_description": "Ensam"}, today=TODAY)
    assert "new_needs_description" in {s.key for s in iv.applicable_steps()}
    iv = iv.with_answer("new_needs", "no")
    answers, _ = iv.final_answers()
    assert "new_needs_description" not in answers
    assert iv.stale_keys() == ["new_needs_description"]  # kept in the draft, never in the record


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("meeting_date", "2026-13-01", "'2026-13-01' is not a date; write YYYY-MM-DD"),
        ("meeting_date", "2027-01-01", "2027-01-01 is in the future"),
        ("meeting_mode", "skype", "'skype' is not one of in_person, home_visit, phone, video"),
        ("participants", [], "an answer is required"),
        ("new_needs_response", ["none", "new_goals"], "“Nothing” cannot be combined with other choices"),
        ("next_followup", "2026-11-01", "2026-11-01 must be later than “Date of the follow-up” (2026-11-18)"),
        ("goals.g2.level", 3, "3 is outside the GAS scale, which runs from -2 to 2"),
        ("goals.g1.level", "hög", "'hög' is not a level"),
        ("assessment", "", "an answer is required"),
        ("assessment", "a\x00b", "the text contains a NUL character, which cannot be stored"),
    ],
)
def test_answer_validation_messages(
    form: FormDefinition, plan: Plan, key: str, raw: Any, message: str
) -> None:
    iv = Interview(form, plan, {"meeting_date": "2026-11-18", "new_needs": "yes"},
                   today=TODAY, lang="en")
    with pytest.raises(AnswerError) as info:
        iv.coerce(iv.step(key), raw)
    assert str(info.value) == message


def test_messages_are_swedish_by_default(form: FormDefinition, plan: Plan) -> None:
    iv = Interview(form, plan, {}, today=TODAY)
    with pytest.raises(AnswerError, match="ligger i framtiden"):
        iv.coerce(iv.step("meeting_date"), "2030-01-01")


@pytest.mark.parametrize(
    ("key", "raw", "value"),
    [
        ("meeting_date", date(2026, 11, 18), "2026-11-18"),
        ("meeting_date", "20261118", "2026-11-18"),
        ("intervention_received", True, "yes"),  # YAML 1.1 reads unquoted yes as True
        ("new_needs", False, "no"),
        ("participants", "provider, client", ["client", "provider"]),  # form order
        ("goals.g2.level", "−1", -1),  # a typographic minus
        ("goals.g2.level", "+2", 2),
        ("goals.g1.comment", "", None),  # optional: a skip
    ],
)
def test_coercion(form: FormDefinition, plan: Plan, key: str, raw: Any, value: Any) -> None:
    iv = Interview(form, plan, {}, today=TODAY)
    assert iv.coerce(iv.step(key), raw) == value


def test_skipped_optional_question_counts_as_answered(form: FormDefinition, plan: Plan) -> None:
    iv = Interview(form, plan, {}, {"g1": {"attainment": "achieved"}}, today=TODAY)
    iv = iv.with_answer("goals.g1.level", None)
    keys = [s.key for s in iv.applicable_steps() if iv.has(s)]
    assert "goals.g1.level" in keys
    assert iv.next_step() is not None and iv.next_step().key == "meeting_date"  # type: ignore[union-attr]


def test_a_skip_stops_counting_when_the_question_turns_required(form: FormDefinition, plan: Plan) -> None:
    # Found by the property test: next_followup skipped while ending, then the decision changed.
    answers = {**complete_answers(), "decision": "end_goals_met", "next_followup": None, "client_view": None}
    goals = {g: {"attainment": "achieved", "level": None, "comment": None} for g in ("g1", "g1a", "g2")}
    iv = Interview(form, plan, answers, goals, today=TODAY)
    assert iv.next_step() is None and iv.is_complete()
    iv = iv.with_answer("decision", "continue")
    assert iv.next_step() is not None and iv.next_step().key == "next_followup"  # type: ignore[union-attr]
    assert not iv.is_complete()


@pytest.mark.parametrize("raw", ["9" * 5000, "-" + "9" * 5000, "²", "٣", "1_0", "-", "+-1"])
def test_a_level_that_is_no_small_ascii_number_is_an_answer_error(form: FormDefinition, plan: Plan,
                                                                  raw: str) -> None:
    """Never a ValueError: int() refuses over 4,300 digits and "²" (a digit to isdigit()); the
    fuzzer found the first as a traceback from `uppfoljning import`."""
    iv = Interview(form, plan, {}, today=TODAY)
    with pytest.raises(AnswerError):
        iv.coerce(iv.step("goals.g1.level"), raw)
    assert iv.coerce(iv.step("goals.g2.level"), " −1 ") == -1 and iv.coerce(iv.step("goals.g1.level"), "+3") == 3
