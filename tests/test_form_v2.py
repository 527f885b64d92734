"""Form v2: its own texts and guidance, v1's meaning kept, v2 as the default, both versions imported."""

from __future__ import annotations

import difflib
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from forms.loader import STANDARD_FORM_ID, bundled_form, newest_version
from forms.schema import ChoiceQuestion, FormDefinition, MultiQuestion, Question
from forms.training_data import guidance
from interview.case import Case, Plan
from interview.casefile import load_text, parse_casefile
from interview.engine import Interview
from interview.errors import AnswerError, ProblemsError
from interview.hints import hints
from interview.summary import draft_summary
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings
from tui.cli import main

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 25)
V1 = bundled_form(STANDARD_FORM_ID, 1)
V2 = bundled_form(STANDARD_FORM_ID, 2)
VERSIONS = {1: V1, 2: V2}

# Question labels v2 rewords on purpose (same meaning, the words a caseworker would write).
REWORDED_LABELS = {
    "meeting_mode": "Mötesform",
    "intervention_gap_reason": "Varför har insatsen inte getts fullt ut?",
    "new_needs_areas": "Vilka livsområden gäller de nya behoven?",
    "new_needs_response": "Leder de nya behoven till nya mål eller insatser?",
    "other_principals": "Vilken eller vilka huvudmän?",
    "guided_reason": "Varför har individen inte lotsats?",
    "sip_status": "Har en SIP upprättats?",
    "sip_date": "Datum för SIP-mötet",
    "decision": "Hur går ni vidare?",
}
# Choice labels v2 rewords, each still naming the same thing as in v1: (question, code) -> v2 label.
REWORDED_CHOICES = {
    ("sip_status", "initiated"): "Arbetet har påbörjats",
    ("sip_status", "not_started"): "Nej, inte påbörjat",
    ("other_principals", "other"): "Annan huvudman",
}
PRINCIPALS = ["region_health_care", "region_psychiatry", "region_addiction_care", "primary_care",
              "forsakringskassan", "arbetsformedlingen", "school", "police", "kriminalvarden", "dental_care",
              "other"]


# --- the form's own checks -------------------------------------------------------------------------


def texts_of(form: FormDefinition) -> list[tuple[str, Any]]:
    """Every bilingual text of a form with where it is: titles, labels, help, choices, legal refs."""
    out: list[tuple[str, Any]] = [("title", form.title)]
    out += [(f"life_areas.{c.code}", c.label) for c in form.life_areas]
    for sc in form.scales:
        out += [(f"scales.{sc.code}", sc.name)] + [(f"scales.{sc.code}.{lv.value}", lv.label) for lv in sc.levels]
    for section in form.sections:
        out.append((f"{section.id}.title", section.title))
        for q in section.questions:
            out += [(f"{q.id}.label", q.label), (f"{q.id}.help", q.help)]
            out += [(f"{q.id}.legal", ref.text) for ref in q.legal]
            if isinstance(q, ChoiceQuestion | MultiQuestion):
                out += [(f"{q.id}.{c.code}", c.label) for c in q.choices]
    return out


@pytest.mark.parametrize("version", [1, 2])
def test_every_text_is_there_in_both_languages(version: int) -> None:
    for where, text in texts_of(VERSIONS[version]):
        assert text.sv.strip() and text.en.strip(), where
        assert text.sv == text.sv.strip() and text.en == text.en.strip(), where


@pytest.mark.parametrize("version", [1, 2])
def test_every_question_has_guidance_in_both_languages(version: int) -> None:
    notes = guidance()
    for _, q in VERSIONS[version].questions():
        assert q.id in notes, q.id
        for key in ("why", "consider"):
            for lang in ("sv", "en"):
                assert notes[q.id][key][lang].strip(), (q.id, key, lang)
            assert notes[q.id][key]["sv"] != notes[q.id][key]["en"], (q.id, key)
    assert set(notes) == {q.id for f in VERSIONS.values() for _, q in f.questions()}  # nothing stale


def _sentences(text: str) -> list[str]:
    return [re.sub(r"[^\w ]", "", s).strip().lower() for s in re.split(r"[.;:!?]\s*", text) if s.strip()]


def repeats(note: str, help_text: str) -> str | None:
    """Why a guidance text repeats the help shown above it, or None when it adds something of its own."""
    if note.strip().lower() == help_text.strip().lower():
        return "equal"
    for n in _sentences(note):
        for h in _sentences(help_text):
            if n == h or (len(h) > 15 and h in n) or (len(n) > 15 and n in h):
                return f"the sentence {n!r} is in the help"
            if difflib.SequenceMatcher(None, n, h).ratio() > 0.75:
                return f"the sentence {n!r} is nearly the help's {h!r}"
    return None


def test_the_repetition_check_catches_what_the_issue_found() -> None:
    # Guidance as it stood before v2 (issue 18): each of these repeated its help text.
    old = {
        "still_in_need": "Bedöm behovet nu, inte när insatsen beviljades.",
        "meeting_mode": "Ett hembesök ger ofta en bättre bild av vardagen än ett telefonsamtal.",
        "sip_status": "Arbetet med en SIP ska påbörjas utan dröjsmål.",
        "client_participation": "Om brukaren inte deltagit: skriv varför under brukarens synpunkter.",
    }
    for qid, note in old.items():
        assert repeats(note, V1.question(qid).help.sv), qid
    assert repeats("Bedöm målet som det är formulerat.", V1.question("attainment").help.sv)
    assert repeats("x", "x") == "equal"


@pytest.mark.parametrize("version", [1, 2])
def test_guidance_never_repeats_the_help(version: int) -> None:
    notes = guidance()
    for _, q in VERSIONS[version].questions():
        for key in ("why", "consider"):
            for lang in ("sv", "en"):
                problem = repeats(notes[q.id][key][lang], q.help.get(lang))
                assert problem is None, (version, q.id, key, lang, problem)
        for lang in ("sv", "en"):  # nor do the two guidance texts repeat each other
            assert repeats(notes[q.id]["why"][lang], notes[q.id]["consider"][lang]) is None, q.id


def test_no_guidance_repeats_its_own_heading() -> None:
    from tui.strings import s

    for qid, entry in guidance().items():
        for key in ("why", "consider"):
            for lang in ("sv", "en"):
                heading = s(f"guidance_{key}", lang)
                shown = f"{heading}: {entry[key][lang]}"  # as the app and quick mode print it
                assert not entry[key][lang].lower().startswith(heading.lower()), (qid, key, lang)
                assert f"{heading}: {heading}".lower() not in shown.lower()
    assert "tänk på" not in json.dumps(guidance(), ensure_ascii=False).lower()


def test_the_sip_rule_is_stated_as_it_is() -> None:
    help_sv = V2.question("sip_needed").help.sv
    # all three conditions: both social services and health care, a principal judges it needed, consent
    for part in ("både socialtjänsten och hälso- och sjukvården", "kommunen eller regionen bedömer", "samtycker"):
        assert part in help_sv
    refs = {ref.text.sv: ref.verified for ref in V2.question("sip_needed").legal}
    new_law = [t for t in refs if "2025:400" in t]
    assert new_law and not any(refs[t] for t in new_law)  # not checked against the law's text: unverified
    assert any("2001:453" in t for t in refs)  # the old reference beside it


# --- v2 keeps v1's meaning -------------------------------------------------------------------------


def test_v2_keeps_every_v1_id_with_its_type_section_and_rules() -> None:
    for section, q1 in V1.questions():
        q2 = V2.question(q1.id)
        assert q2.type == q1.type, q1.id
        assert V2.section_of(q1.id).id == section.id and V2.section_of(q1.id).per_goal == section.per_goal
        assert q2.when == q1.when and q2.required == q1.required, q1.id
        for attr in ("min_selected", "not_future", "after", "max_length"):
            assert getattr(q2, attr, None) == getattr(q1, attr, None), (q1.id, attr)
        label = REWORDED_LABELS.get(q1.id, q1.label.sv)
        assert q2.label.sv == label, q1.id


def test_codes_in_both_versions_keep_their_meaning() -> None:
    for _, q1 in V1.questions():
        q2 = V2.question(q1.id)
        if not isinstance(q1, ChoiceQuestion | MultiQuestion):
            continue
        assert isinstance(q2, ChoiceQuestion | MultiQuestion)
        v2_choices = {c.code: c for c in q2.choices}
        for c1 in q1.choices:
            c2 = v2_choices.get(c1.code)
            if c2 is None:
                continue
            assert c2.label.sv == REWORDED_CHOICES.get((q1.id, c1.code), c1.label.sv), (q1.id, c1.code)
            assert c2.exclusive == c1.exclusive, (q1.id, c1.code)
    assert [c.code for c in V1.life_areas] == [c.code for c in V2.life_areas]
    assert V1.scales == V2.scales


def test_v2_changes_what_the_contract_says() -> None:
    def codes(q: Question) -> list[str]:
        assert isinstance(q, ChoiceQuestion | MultiQuestion)
        return [c.code for c in q.choices]

    assert "custodian" in codes(V2.question("participants")) and "custodian" not in codes(V1.question("participants"))
    assert codes(V2.question("other_principals")) == PRINCIPALS
    actors = V2.question("other_actors")
    assert isinstance(actors, MultiQuestion) and actors.required is False and actors.when is None
    assert codes(actors) == ["other_municipal_unit", "civil_society", "other", "none"]
    assert [c.code for c in actors.choices if c.exclusive] == ["none"]
    ids = [q.id for _, q in V2.questions()]
    assert ids[ids.index("guided_reason") + 1] == "other_actors"
    assert ids[ids.index("client_satisfaction") + 1] == "client_view_missing_reason"
    assert [q.id for q in V2.sections[-1].questions] == ["decision", "next_followup", "assessment"]
    assert [q.id for q in V1.sections[-1].questions] == ["assessment", "decision", "next_followup"]
    assert set(ids) - {q.id for _, q in V1.questions()} == {"other_actors", "client_view_missing_reason"}


def test_the_v2_file_uses_no_yaml_aliases() -> None:
    # Forms from outside may have their aliases refused; the shipped v2 needs none.
    text = (Path(__file__).parents[1] / "forms" / "definitions" / "standard-uppfoljning-v2.yaml").read_text()
    assert not re.search(r"(^|\s)[&*][a-z_]+", text)


# --- the newest version is the default; v1 stays -----------------------------------------------------


def test_new_followups_use_the_newest_version_and_v1_stays_installed(tmp_path: Path) -> None:
    assert newest_version() == 2 and bundled_form().version == 2 and bundled_form() == V2
    assert bundled_form(STANDARD_FORM_ID, 1).version == 1
    from casework.session import FollowUpSession, start_followup

    cf = parse_casefile(load_text((DATA / "example.yaml").read_text(encoding="utf-8")))
    repo = TinyDBRepository(Workspace.create(tmp_path / "ws", WorkspaceSettings(caseworker="A")))
    try:
        case = Case(client=cf.client, plan=cf.plan)
        repo.add_case(case, [cf.followup.model_copy(update={"case_id": case.id})])
        new = start_followup(repo, case, "A")
        assert (new.form, new.form_version) == (STANDARD_FORM_ID, 2)
        old = next(f for f in repo.followups_of(case.id) if f.id != new.id)
        assert old.form_version == 1
        assert FollowUpSession(repo, old.id).form == V1  # the old one keeps its own version
        assert FollowUpSession(repo, new.id).form == V2
    finally:
        repo.close()


# --- case files of both versions ----------------------------------------------------------------------


def v2_file(**answers: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA / "example.yaml").read_text(encoding="utf-8"))
    data["form_version"] = 2
    data["followup"]["answers"].update(answers)
    return data


def parse(data: dict[str, Any], lang: str = "en") -> Any:
    return parse_casefile(load_text(yaml.safe_dump(data, allow_unicode=True)), lang=lang, today=TODAY)


def test_a_v2_case_file_imports_with_the_new_questions() -> None:
    cf = parse(v2_file(participants=["client", "custodian"], other_actors=["civil_society", "other_municipal_unit"],
                       client_participation="no", client_view_missing_reason="Ville inte komma; vi ringer i januari.",
                       other_principal_need="yes", other_principals=["school", "region_psychiatry"],
                       guided="in_progress"))
    a = cf.followup.answers
    assert cf.followup.form_version == 2 and cf.form == V2
    assert a["participants"] == ["client", "custodian"]
    assert a["other_actors"] == ["other_municipal_unit", "civil_society"]  # in the form's order
    assert a["client_view_missing_reason"].startswith("Ville inte komma")


@pytest.mark.parametrize(("changes", "problem"), [
    ({"client_participation": "no"}, "followup.answers.client_view_missing_reason: an answer is required"),
    ({"client_satisfaction": "not_asked"}, "followup.answers.client_view_missing_reason: an answer is required"),
    ({"client_view_missing_reason": "Ingen anledning"}, "followup.answers.client_view_missing_reason"),
    ({"other_actors": ["none", "civil_society"]}, "followup.answers.other_actors"),
    ({"other_principal_need": "yes", "guided": "yes", "other_principals": ["civil_society"]},
     "followup.answers.other_principals"),
    ({"participants": ["client", "nanny"]}, "followup.answers.participants"),
])
def test_a_v2_case_file_is_checked_against_v2(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(ProblemsError) as info:
        parse(v2_file(**changes))
    assert any(p.startswith(problem) for p in info.value.problems), info.value.problems


def test_v1_files_keep_v1_rules() -> None:
    data = yaml.safe_load((DATA / "example.yaml").read_text(encoding="utf-8"))
    data["followup"]["answers"].update(other_principal_need="yes", guided="yes",
                                       other_principals=["civil_society", "other_municipal_unit"])
    cf = parse(data)  # codes v2 moved out of other_principals still import as v1 records
    assert cf.followup.form_version == 1 and cf.form == V1
    assert cf.followup.answers["other_principals"] == ["other_municipal_unit", "civil_society"]
    for extra in ({"other_actors": ["none"]}, {"participants": ["custodian"]},
                  {"client_view_missing_reason": "x"}):
        bad = yaml.safe_load((DATA / "example.yaml").read_text(encoding="utf-8"))
        bad["followup"]["answers"].update(extra)
        with pytest.raises(ProblemsError):
            parse(bad)  # v1 has no such question or code


def _pdf_text(path: Path) -> str:
    pages = PdfReader(io.BytesIO(path.read_bytes())).pages
    return " ".join(" ".join((p.extract_text() or "") for p in pages).split())  # labels may wrap


def test_v1_and_v2_records_import_render_and_compile_side_by_side(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "init", "--no-encryption"]) == 0
    v2 = v2_file(other_actors=["civil_society"], participants=["client", "custodian"])
    v2["client"]["case_ref"] = "IFO-2026-0200"
    (tmp_path / "v2.yaml").write_text(yaml.safe_dump(v2, allow_unicode=True), encoding="utf-8")
    assert main(["--workspace", str(ws), "import", str(DATA / "example.yaml"), str(tmp_path / "v2.yaml")]) == 0
    capsys.readouterr()
    assert main(["--workspace", str(ws), "list", "--format", "json"]) == 0
    listed = {r["case_ref"]: r["id"] for r in json.loads(capsys.readouterr().out)}
    texts = {}
    for ref, fid in listed.items():
        out = tmp_path / f"{ref}.pdf"
        assert main(["--workspace", str(ws), "pdf", fid, "-o", str(out)]) == 0
        texts[ref] = _pdf_text(out)
    v1_text, v2_text = texts["IFO-2026-0117"], texts["IFO-2026-0200"]
    assert "Form för mötet" in v1_text and "Fortsättning" in v1_text  # v1's own labels
    assert "Mötesform" not in v1_text and "Hur går ni vidare?" not in v1_text
    assert "Mötesform" in v2_text and "Hur går ni vidare?" in v2_text and "Vårdnadshavare" in v2_text
    assert "Idéburen organisation" in v2_text
    # the v2 document asks the decision before the assessment, as the form does
    assert v2_text.index("Hur går ni vidare?") < v2_text.index("Handläggarens samlade bedömning")
    assert v1_text.index("Handläggarens samlade bedömning") < v1_text.index("Fortsättning")
    capsys.readouterr()
    assert main(["--workspace", str(ws), "report", "--format", "json", "--threshold", "1",
                 "--include-drafts"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["followups"] == 2  # both versions counted, and the report says which
    assert report["form"]["versions_covered"] == [1, 2] and report["form"]["reported_on_version"] == 2


# --- a walk through the engine on v2 -----------------------------------------------------------------

PLAN = Plan.model_validate({"start": "2026-01-01", "goals": [
    {"id": "g1", "text": "Gå till skolan alla dagar", "life_area": "d8", "scale": "gas", "baseline": -2},
    {"id": "g2", "text": "Ha en trygg vuxen att prata med", "life_area": "d7", "scale": "none"}]})

WALK: dict[str, Any] = {
    "meeting_date": "2026-11-18", "participants": ["client", "custodian"], "meeting_mode": "in_person",
    "intervention_received": "partly", "intervention_gap_reason": "Kontaktpersonen började först i maj.",
    "goals.g1.attainment": "partly_achieved", "goals.g1.level": -1, "goals.g1.comment": "Fyra dagar av fem.",
    "goals.g2.attainment": "achieved", "goals.g2.comment": None,
    "still_in_need": "yes", "new_needs": "yes", "new_needs_description": "Sover dåligt.",
    "new_needs_areas": ["d5", "safety"], "new_needs_response": ["other_principal"],
    "other_principal_need": "yes", "other_principals": ["region_psychiatry", "school"], "guided": "no",
    "guided_reason": "Vårdnadshavarna vill vänta till efter jul.", "other_actors": ["none"],
    "sip_needed": "yes", "sip_status": "initiated", "sip_date": "2026-12-03",
    "client_participation": "partly", "client_view": "Jag vill inte byta skola.", "client_satisfaction": "satisfied",
    "decision": "revise_plan", "next_followup": "2027-02-15", "assessment": None,  # filled from the draft
}


def walk(answers: dict[str, Any], form: FormDefinition = V2) -> tuple[Interview, list[str], dict[str, str]]:
    iv = Interview(form, PLAN, {}, {}, today=TODAY)
    asked: list[str] = []
    drafts: dict[str, str] = {}
    while (step := iv.next_step()) is not None:
        asked.append(step.key)
        assert len(asked) < 60
        raw = answers[step.key]
        if step.key == "assessment":
            drafts["at_assessment"] = draft_summary(iv, "sv")
            raw = drafts["at_assessment"]
        iv = iv.with_answer(step.key, iv.coerce(step, raw))
    return iv, asked, drafts


def test_a_v2_walk_answers_every_question_type() -> None:
    iv, asked, drafts = walk(WALK)
    assert iv.is_complete()
    types = {iv.step(k).question.type for k in asked}
    assert types == {"date", "multi", "choice", "text", "level"}  # the standard form has no yes/no question
    assert asked.index("guided_reason") + 1 == asked.index("other_actors")
    assert asked[-3:] == ["decision", "next_followup", "assessment"]
    assert "client_view_missing_reason" not in asked  # participation partly, satisfaction given
    answers, _ = iv.final_answers()
    assert answers["other_actors"] == ["none"] and "client_view_missing_reason" not in answers
    # decision is asked before the assessment, so the drafted assessment states it
    assert "Planen ska revideras och nästa uppföljning sker den 15 februari 2027." in drafts["at_assessment"]
    assert answers["assessment"] == drafts["at_assessment"]


def test_other_actors_none_stands_alone_and_may_be_skipped() -> None:
    iv, _, _ = walk(WALK)
    step = iv.step("other_actors")
    with pytest.raises(AnswerError):
        iv.coerce(step, ["none", "civil_society"])
    with pytest.raises(AnswerError):
        iv.coerce(step, ["civil_society", "none"])
    assert iv.coerce(step, ["civil_society", "other_municipal_unit"]) == ["other_municipal_unit", "civil_society"]
    assert iv.coerce(step, None) is None and not iv.is_required(step)  # optional: a skip is an answer
    skipped = iv.with_answer("other_actors", None)
    assert skipped.is_complete() and skipped.final_answers()[0]["other_actors"] is None


@pytest.mark.parametrize(("changes", "asked"), [
    ({"client_participation": "no"}, True),
    ({"client_satisfaction": "not_asked"}, True),
    ({"client_participation": "no", "client_satisfaction": "not_asked"}, True),
    ({"client_participation": "yes"}, False),
    ({"client_satisfaction": "very_dissatisfied"}, False),
])
def test_the_missing_view_reason_is_asked_only_when_the_view_is_missing(changes: dict[str, Any],
                                                                         asked: bool) -> None:
    answers = {**WALK, **changes, "client_view_missing_reason": "Ville inte delta i dag."}
    iv, keys, _ = walk(answers)
    assert ("client_view_missing_reason" in keys) is asked
    if asked:
        step = iv.step("client_view_missing_reason")
        assert iv.is_required(step)
        with pytest.raises(AnswerError):
            iv.coerce(step, "  ")
        assert keys.index("client_satisfaction") + 1 == keys.index("client_view_missing_reason")
        # changing the answer back drops it from the record (kept only as a stale draft answer)
        back = iv.with_answer("client_participation", "yes").with_answer("client_satisfaction", "satisfied")
        assert "client_view_missing_reason" not in back.final_answers()[0]
        assert back.stale_keys() == ["client_view_missing_reason"]


def test_v1_walk_keeps_its_order_and_its_draft() -> None:
    v1_answers = {k: v for k, v in WALK.items() if k != "other_actors"}
    v1_answers["participants"] = ["client", "relative"]
    iv, asked, drafts = walk(v1_answers, V1)
    assert asked[-3:] == ["assessment", "decision", "next_followup"]
    assert "other_actors" not in asked and iv.is_complete()
    # in v1 the decision comes after the assessment, so the draft cannot state it yet
    assert "Planen ska revideras" not in drafts["at_assessment"]


def test_the_draft_names_other_actors_in_both_languages() -> None:
    answers = {**WALK, "other_actors": ["civil_society", "other"]}
    iv, _, _ = walk(answers)
    assert "Brukaren har hänvisats till en idéburen organisation och en annan aktör." in draft_summary(iv, "sv")
    assert "The client has been referred to a civil-society organisation and another actor." in \
        draft_summary(iv, "en")


def test_hints_work_on_v2() -> None:
    iv, _, _ = walk({**WALK, "client_participation": "no", "client_view": None,
                     "client_view_missing_reason": "Ville inte delta."})
    assert "client_view_missing" not in {h.rule for h in hints(iv)}  # the reason is documented
    bare = iv.with_answer("client_view_missing_reason", "")
    found = [h for h in hints(bare) if h.rule == "client_view_missing"]
    assert found and found[0].points_to == ("client_participation", "client_view_missing_reason")
    for h in hints(bare):
        for key in h.points_to:
            assert bare.step(key)
    sip = iv.with_answer("sip_needed", "no")
    assert "sip_health_care" in {h.rule for h in hints(sip)}  # region psychiatry without a SIP


# --- the training cases ---------------------------------------------------------------------------------


def practice() -> dict[str, Any]:
    from forms.training_data import practice_files

    return {name: parse_casefile(load_text(text)) for name, text in practice_files()}


def test_training_cases_model_good_documentation() -> None:
    cases = practice()
    assert {cf.followup.form_version for cf in cases.values()} == {1, 2}
    # earlier follow-ups stay on v1, every later one is on v2
    assert [n for n, cf in cases.items() if cf.followup.form_version == 1] == [
        "01-socialpsykiatri-1.yaml", "02-missbruk-1.yaml"]
    for name, cf in cases.items():
        a = cf.followup.answers
        surname = (cf.client.name or "").split()[-1].lower()
        for word in ("bidrag", "ålder", "famil", "lss", "missbruk", "psyk", "barn", "bostad", "ekonomi"):
            assert not surname.startswith(word), name  # "Bidragsson", "Åldersdotter", "Familjsson"
        assert not any("god man" in i.name.lower() for i in cf.plan.interventions), name
        if cf.followup.status != "final":
            continue
        assert len(a["assessment"]) >= 250, name  # a real assessment, not a line
        view = a.get("client_view") or ""
        first_person = re.search(r"\b(jag|mig|min|mitt|mina|vi)\b", view, re.IGNORECASE)
        assert view.startswith("”") and first_person and len(view) >= 80, name  # quoted, own words
        for goal in cf.followup.goals.values():
            assert goal.get("comment") is None or len(goal["comment"]) >= 30, name


def test_training_cases_named_in_the_issue() -> None:
    cases = practice()
    children = cases["06-barn-och-unga.yaml"]
    a = children.followup.answers
    assert children.plan.type == "genomforandeplan" and "custodian" in a["participants"]
    assert {"region_psychiatry", "school"} <= set(a["other_principals"])  # BUP and the school
    assert a["sip_needed"] == "yes" and a["sip_status"] == "exists"
    assert a["client_satisfaction"] == "not_asked" and a["client_view_missing_reason"]
    money = cases["05-ekonomiskt-bistand.yaml"]
    achieved = [g for g, v in money.followup.goals.items() if v["attainment"] == "achieved"]
    assert achieved and money.followup.answers["guided"] != "no"  # no "not guided" beside an achieved goal
    assert "Bostad med särskild service för vuxna" in [i.name for i in cases["04-lss.yaml"].plan.interventions]
    assert cases["03-aldreomsorg.yaml"].followup.answers["client_view"].startswith("”Jag ")
    housing = cases["08-bostad-missbruk.yaml"]
    assert "legal_guardian" in housing.followup.answers["participants"]  # a god man takes part; not an insats


def test_the_training_workspace_shows_a_v1_record_with_v1(tmp_path: Path) -> None:
    from casework.documents import render_followup
    from tui import training

    path = tmp_path / "training"
    training.build(path)
    ws = Workspace.open(path)
    repo = TinyDBRepository(ws, writable=False)
    try:
        pdf = {fid: render_followup(repo, ws.settings, fid, "sv") for fid in ("ovn0002a", "ovn0002b")}
    finally:
        repo.close()
    old, new = (" ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf[f])).pages).split())
                for f in ("ovn0002a", "ovn0002b"))
    assert "standard-uppfoljning v1" in old and "Form för mötet" in old and "Mötesform" not in old
    assert "standard-uppfoljning v2" in new and "Mötesform" in new and "Idéburen organisation" in new


def test_the_checklist_counts_the_reason_for_a_missing_view() -> None:
    from interview.checklist import checklist

    def done(answers: dict[str, Any]) -> bool:
        iv, _, _ = walk(answers)
        return next(i.done for i in checklist(iv) if i.id == "client_view")

    assert done({**WALK, "client_participation": "no", "client_view": None,
                 "client_view_missing_reason": "Ville inte delta; vi ringer i januari."})
    assert not done({**WALK, "client_view": None})  # neither the view nor why it is missing


def test_v1_codes_that_v2_moved_are_not_counted_as_v2_principals(tmp_path: Path) -> None:
    import subprocess
    import sys

    ws = tmp_path / "ws"
    run = [sys.executable, "-m", "tui.cli", "--workspace", str(ws), "--lang", "en"]
    subprocess.run([*run, "init", "--no-encryption", "--caseworker", "A"], check=True, capture_output=True)
    data = yaml.safe_load((Path(__file__).parent / "data" / "example.yaml").read_text(encoding="utf-8"))
    data["followup"]["answers"].update(other_principal_need="yes", other_principals=["civil_society"],
                                       guided="yes")
    path = tmp_path / "v1.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    subprocess.run([*run, "import", "--final", str(path)], check=True, capture_output=True)
    out = subprocess.run([*run, "report", "--format", "json", "--threshold", "1"], check=True,
                         capture_output=True, text=True).stdout
    report = json.loads(out)
    assert report["form"] == {"id": "standard-uppfoljning", "reported_on_version": 2, "versions_covered": [1]}
    principals = report["questions"]["other_principals"]
    assert "civil_society" not in principals  # v2's principals hold no civil-society code
    assert all(v == 0 for v in principals.values() if isinstance(v, int)), principals
