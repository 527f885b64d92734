"""The standard form as data matches the contract, and the loader reports every problem by path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from forms.loader import FormError, load_form_text
from forms.schema import ChoiceQuestion, FormDefinition, MultiQuestion

# The contract (shared/standard-form.md), written out: section, id, type, codes.
CONTRACT = """
meeting | meeting_date | date |
meeting | participants | multi | client relative legal_guardian provider interpreter other
meeting | meeting_mode | choice | in_person home_visit phone video
intervention | intervention_received | choice | yes partly no
intervention | intervention_gap_reason | text |
goals | attainment | choice | achieved partly_achieved not_achieved not_assessable
goals | level | level |
goals | comment | text |
needs | still_in_need | choice | yes partly no
needs | new_needs | choice | yes no
needs | new_needs_description | text |
needs | new_needs_areas | multi | d1 d2 d3 d4 d5 d6 d7 d8 d9 safety carer_support other
needs | new_needs_response | multi | new_goals new_intervention other_principal none
other_principal | other_principal_need | choice | yes no unknown
other_principal | other_principals | multi | region_health_care region_psychiatry region_addiction_care primary_care forsakringskassan arbetsformedlingen school police kriminalvarden dental_care other_municipal_unit civil_society other
other_principal | guided | choice | yes in_progress no
other_principal | guided_reason | text |
sip | sip_needed | choice | yes no
sip | sip_status | choice | exists initiated not_started declined
sip | sip_date | date |
client_view | client_participation | choice | yes partly no
client_view | client_view | text |
client_view | client_satisfaction | choice | very_satisfied satisfied neutral dissatisfied very_dissatisfied not_asked
outcome | assessment | text |
outcome | decision | choice | continue revise_plan end_goals_met end_other new_investigation
outcome | next_followup | date |
"""


def contract_rows() -> list[tuple[str, str, str, list[str]]]:
    rows = []
    for line in CONTRACT.strip().splitlines():
        section, qid, qtype, codes = (p.strip() for p in line.split("|"))
        rows.append((section, qid, qtype, codes.split()))
    return rows


def test_standard_form_matches_the_contract(form: FormDefinition) -> None:
    got = [(s.id, q.id, q.type) for s, q in form.questions()]
    assert got == [(s, q, t) for s, q, t, _ in contract_rows()]
    for _, qid, _, codes in contract_rows():
        q = form.question(qid)
        if isinstance(q, ChoiceQuestion | MultiQuestion):
            assert [c.code for c in q.choices] == codes, qid
    assert form.id == "standard-uppfoljning" and form.version == 1
    assert next(s for s in form.sections if s.id == "goals").per_goal


def test_every_question_has_labels_and_help_in_both_languages(form: FormDefinition) -> None:
    for _, q in form.questions():
        for text in (q.label, q.help):
            assert text.sv.strip() and text.en.strip(), q.id
            assert text.sv != text.en or q.id == "comment", q.id


def _minimal(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "f",
        "version": 1,
        "title": {"sv": "F", "en": "F"},
        "sections": [
            {
                "id": "s",
                "title": {"sv": "S", "en": "S"},
                "questions": [
                    {"id": "a", "type": "choice", "label": {"sv": "A", "en": "A"},
                     "help": {"sv": "h", "en": "h"},
                     "choices": [{"code": "yes", "label": {"sv": "Ja", "en": "Yes"}}]},
                    {"id": "b", "type": "text", "label": {"sv": "B", "en": "B"},
                     "help": {"sv": "h", "en": "h"},
                     "when": {"equals": {"question": "a", "value": "yes"}}},
                ],
            }
        ],
    }
    base.update(changes)
    return base


def _problems(data: dict[str, object]) -> list[str]:
    with pytest.raises(FormError) as info:
        load_form_text(yaml.safe_dump(data))
    return info.value.problems


def test_minimal_form_loads() -> None:
    assert load_form_text(yaml.safe_dump(_minimal())).id == "f"


def test_missing_english_label_is_reported_with_its_path() -> None:
    data = _minimal()
    data["sections"][0]["questions"][1]["label"] = {"sv": "B"}  # type: ignore[index]
    assert any(p.startswith("sections[0].questions[1]") and "label.en" in p for p in _problems(data))


def test_condition_on_a_later_question_is_refused() -> None:
    data = _minimal()
    qs = data["sections"][0]["questions"]  # type: ignore[index]
    qs[0]["when"] = {"answered": "b"}
    assert "sections[0].questions[0].when: 'b' is not an earlier question" in _problems(data)


def test_condition_value_must_be_a_code_and_ids_unique() -> None:
    data = _minimal()
    qs = data["sections"][0]["questions"]  # type: ignore[index]
    qs[1]["when"] = {"equals": {"question": "a", "value": "ja"}}
    qs.append(dict(qs[1], when=None))
    problems = _problems(data)
    assert any("'ja' is not a code of 'a'" in p for p in problems)
    assert "sections[0].questions[2].id: question id 'b' is used twice" in problems


def test_unknown_keys_and_unknown_condition_operators_are_errors() -> None:
    data = _minimal()
    qs = data["sections"][0]["questions"]  # type: ignore[index]
    qs[0]["lable"] = {"sv": "x", "en": "x"}
    qs[1]["when"] = {"eval": "1"}
    problems = _problems(data)
    assert any("lable: unknown key" in p for p in problems)
    assert any("when" in p and "a condition is one of" in p for p in problems)


def test_broken_yaml_names_the_line() -> None:
    with pytest.raises(FormError) as info:
        load_form_text("id: f\nsections: [\n")
    assert info.value.problems[0].startswith("line ")


def test_forms_validate_command(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(_minimal()), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    data = _minimal()
    data["sections"][0]["questions"][0]["when"] = {"answered": "b"}  # type: ignore[index]
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    run = [sys.executable, "-m", "tui.cli", "--lang", "en", "forms", "validate"]
    ok = subprocess.run([*run, str(good)], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "is valid" in ok.stdout
    fail = subprocess.run([*run, str(bad)], capture_output=True, text=True, check=False)
    assert fail.returncode == 1
    assert "not an earlier question" in fail.stderr and "Traceback" not in fail.stderr


def test_a_form_authors_problems_are_in_their_language(tmp_path: Path) -> None:
    """The form's own checks (beyond the schema) speak the author's language, path first."""
    data = _minimal()
    qs = data["sections"][0]["questions"]  # type: ignore[index]
    qs[0]["when"] = {"answered": "b"}
    qs.append(dict(qs[1], when=None))
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    run = [sys.executable, "-m", "tui.cli", "forms", "validate", str(bad)]
    sv = subprocess.run(run, capture_output=True, text=True, check=False)
    assert sv.returncode == 1 and "Traceback" not in sv.stderr
    assert "sections[0].questions[0].when: 'b' är inte en tidigare fråga" in sv.stderr
    assert "sections[0].questions[2].id: frågans id 'b' används två gånger" in sv.stderr
    assert "earlier question" not in sv.stderr and "used twice" not in sv.stderr
    en = subprocess.run([*run[:3], "--lang", "en", *run[3:]], capture_output=True, text=True, check=False)
    assert "'b' is not an earlier question" in en.stderr and "question id 'b' is used twice" in en.stderr
