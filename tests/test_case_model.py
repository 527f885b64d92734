"""The case model validates as the contract says, with clear messages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from interview import personnummer
from interview.case import Client, Goal, Plan
from interview.messages import validation_lines

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("19121212-1212", "19121212-1212"),
        ("191212121212", "19121212-1212"),
        ("121212-1212", "20121212-1212"),  # most recent century not in the future
        ("121212+1212", "19121212-1212"),  # '+' marks 100 years or older
        ("19701063-2391", "19701063-2391"),  # samordningsnummer: day + 60
        ("8112289874", "19811228-9874"),
    ],
)
def test_valid_personnummer(text: str, normalized: str) -> None:
    assert personnummer.parse(text, TODAY).normalized == normalized


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("19121212-1213", "pnr_check_digit"),
        ("19120231-1219", "pnr_date"),  # 31 Feb (check digit valid for these digits)
        ("1912121", "pnr_format"),
        ("abcdefgh-ijkl", "pnr_format"),
        ("20991212-1216", "pnr_future"),
    ],
)
def test_invalid_personnummer(text: str, key: str) -> None:
    if key in ("pnr_date", "pnr_future"):
        # make the check digit right so that the date rule is what fails
        digits = text.replace("-", "")[2:11]
        check = next(c for c in "0123456789" if personnummer.luhn_ok(digits + c))
        text = text[:-1] + check
    with pytest.raises(personnummer.PersonnummerError) as info:
        personnummer.parse(text, TODAY)
    assert info.value.key == key


def _errors(model: Any, data: dict[str, Any], lang: str = "en") -> list[str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return validation_lines(info.value, lang)


def test_client_messages_in_both_languages() -> None:
    data = {"case_ref": "A-1", "personnummer": "19121212-1213"}
    assert _errors(Client, data) == ["personnummer: the personnummer's check digit is wrong"]
    assert _errors(Client, data, "sv") == ["personnummer: personnumrets kontrollsiffra stämmer inte"]
    assert _errors(Client, {"case_ref": "x" * 41})[0].startswith("case_ref:")
    assert _errors(Client, {"case_ref": "A", "nme": "x"}) == ["nme: unknown key"]
    assert _errors(Client, {"case_ref": "A", "personnummer": "19121212-1212", "birth_year": 1913}) == [
        "birth year 1913 does not match the personnummer (1912)"
    ]


def test_client_age() -> None:
    c = Client(case_ref="A", personnummer="19811228-9874")
    assert c.age_at(date(2026, 11, 25)) == 44
    assert Client(case_ref="A", birth_year=2000).age_at(date(2026, 1, 1)) == 26
    assert Client(case_ref="A").age_at(date(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("goal", "message"),
    [
        ({"scale": "gas", "baseline": 3}, "3 is outside the GAS scale, which runs from -2 to 2"),
        ({"scale": "icf", "target": -1}, "-1 is outside the ICF scale, which runs from 0 to 4"),
        ({"scale": "none", "baseline": 1}, "a goal without a scale cannot have a baseline"),
        ({"scale": "icf", "weight": 2}, "a weight only applies to GAS goals"),
        ({"life_area": "d10"}, "give one of d1"),
    ],
)
def test_goal_rules(goal: dict[str, Any], message: str) -> None:
    data = {"id": "g1", "text": "x", "life_area": "d1", **goal}
    assert any(message in line for line in _errors(Goal, data))


def _plan(goals: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"start": "2026-01-01", "goals": goals, **extra}


def test_plan_rules() -> None:
    g = {"text": "x", "life_area": "d1"}
    assert any("used twice" in e for e in _errors(Plan, _plan([{"id": "a", **g}, {"id": "a", **g}])))
    assert any(
        "refers to goal 'zz'" in e for e in _errors(Plan, _plan([{"id": "a", "parent": "zz", **g}]))
    )
    cycle = [{"id": "a", "parent": "b", **g}, {"id": "b", "parent": "a", **g}]
    assert any("under itself" in e for e in _errors(Plan, _plan(cycle)))
    early = [{"id": "a", "target_date": "2025-01-01", **g}]
    assert any("before the plan's start" in e for e in _errors(Plan, _plan(early)))
    assert any("plausible date" in e for e in _errors(Plan, {"start": "0226-01-01"}))


def test_sub_goals_follow_their_goal() -> None:
    g = {"text": "x", "life_area": "d1"}
    plan = Plan.model_validate(
        _plan([{"id": "a", **g}, {"id": "b", **g}, {"id": "a1", "parent": "a", **g},
               {"id": "a1x", "parent": "a1", **g}])
    )
    assert [(x.id, d) for x, d in plan.ordered_goals()] == [("a", 0), ("a1", 1), ("a1x", 2), ("b", 0)]
