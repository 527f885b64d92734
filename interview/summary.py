"""The drafted summary: a deterministic paragraph in Swedish or English written from the answers."""

from __future__ import annotations

from typing import Any

from forms.schema import BoolQuestion, ChoiceQuestion, LevelQuestion
from interview.case import SCALE_RANGES, Goal
from interview.coerce import parse_date
from interview.derived import change
from interview.engine import Interview, Step
from interview.language import count, join, long_date, lower_first

NAME_AT_MOST = 3  # name the goals in a group when there are this few; otherwise only count them

# How the codes read inside a sentence (the form's labels are headings, capitalised and terse).
PRINCIPALS = {
    "sv": {"region_health_care": "regionens hälso- och sjukvård", "region_psychiatry": "regionens psykiatri",
           "region_addiction_care": "regionens beroendevård", "primary_care": "primärvården",
           "forsakringskassan": "Försäkringskassan", "arbetsformedlingen": "Arbetsförmedlingen",
           "school": "skolan eller elevhälsan", "police": "polisen", "kriminalvarden": "Kriminalvården",
           "dental_care": "tandvården", "other_municipal_unit": "en annan enhet i kommunen",
           "civil_society": "en idéburen organisation", "other": "en annan huvudman"},
    "en": {"region_health_care": "the region's health care", "region_psychiatry": "the region's psychiatry",
           "region_addiction_care": "the region's addiction care", "primary_care": "primary care",
           "forsakringskassan": "the Social Insurance Agency",
           "arbetsformedlingen": "the Public Employment Service",
           "school": "the school or pupil health services", "police": "the police",
           "kriminalvarden": "the Prison and Probation Service", "dental_care": "dental care",
           "other_municipal_unit": "another unit of the municipality",
           "civil_society": "a civil-society organisation", "other": "another principal"},
}  # fmt: skip
# Form v2's other actors (not principals): where the client was referred besides the principals.
ACTORS = {
    "sv": {"other_municipal_unit": "en annan enhet i kommunen", "civil_society": "en idéburen organisation",
           "other": "en annan aktör"},
    "en": {"other_municipal_unit": "another unit of the municipality",
           "civil_society": "a civil-society organisation", "other": "another actor"},
}  # fmt: skip
GUIDED = {
    "sv": {"yes": "Brukaren har lotsats dit.", "in_progress": "Lotsning dit pågår.",
           "no": "Brukaren har inte lotsats dit."},
    "en": {"yes": "The client has been guided there.", "in_progress": "Guidance there is in progress.",
           "no": "The client has not been guided there."},
}  # fmt: skip
DECISIONS = {
    "sv": {"continue": "Insatsen fortsätter enligt planen", "revise_plan": "Planen ska revideras",
           "end_goals_met": "Insatsen avslutas eftersom målen är uppnådda",
           "end_other": "Insatsen avslutas av andra skäl", "new_investigation": "En ny utredning inleds"},
    "en": {"continue": "The intervention continues as planned", "revise_plan": "The plan will be revised",
           "end_goals_met": "The intervention ends because the goals have been met",
           "end_other": "The intervention ends for other reasons",
           "new_investigation": "A new investigation will be opened"},
}  # fmt: skip


def _quoted(goals: list[Goal], lang: str) -> str:
    marks = ("”", "”") if lang == "sv" else ("“", "”")
    return join([f"{marks[0]}{g.text}{marks[1]}" for g in goals], lang)


_GOAL_WORDS = {
    "sv": {"achieved": ("uppnåtts", "uppnåtts"), "partly_achieved": ("delvis uppnåtts", "delvis uppnåtts"),
           "not_achieved": ("inte uppnåtts", "inte uppnåtts"),
           "not_assessable": ("inte kunnat bedömas", "inte kunnat bedömas"),
           "unknown": ("inte bedömts ännu", "inte bedömts ännu")},
    "en": {"achieved": ("was achieved", "were achieved"),
           "partly_achieved": ("was partly achieved", "were partly achieved"),
           "not_achieved": ("was not achieved", "were not achieved"),
           "not_assessable": ("could not be assessed", "could not be assessed"),
           "unknown": ("has not been assessed yet", "have not been assessed yet")},
}  # fmt: skip
_ORDER = ("achieved", "partly_achieved", "not_achieved", "not_assessable", "unknown")


def _goals_and_subgoals(goals: list[Goal], lang: str) -> str:
    """'tre mål och ett delmål' / 'three goals and one sub-goal': a plan's goals counted as it has them."""
    subs = sum(1 for g in goals if g.parent is not None)
    main = len(goals) - subs
    if main == 1 and subs == 1:
        return "mål och delmål" if lang == "sv" else "goal and sub-goal"
    if lang == "sv":
        return f"{count(main, lang)} mål" + (f" och {count(subs, lang)} delmål" if subs else "")
    words = f"{count(main, lang)} goal{'s' if main != 1 else ''}"
    return words + (f" and {count(subs, lang)} sub-goal{'s' if subs != 1 else ''}" if subs else "")


def _goals_sentence(iv: Interview, lang: str) -> str | None:
    _, answers = iv.final_answers()
    goals = [g for g, _ in iv.plan.ordered_goals()]
    if not goals:
        return None
    groups: dict[str, list[Goal]] = {}
    for g in goals:
        groups.setdefault(answers.get(g.id, {}).get("attainment") or "unknown", []).append(g)
    words = _GOAL_WORDS[lang]
    total = len(goals)
    subs = sum(1 for g in goals if g.parent is not None)
    if len(groups) == 1:
        only = next(iter(groups))
        named = f" ({_quoted(goals, lang)})" if 1 < total <= NAME_AT_MOST else ""
        if lang == "sv":
            if total == 1:
                return f"Planens mål {_quoted(goals, lang)} har {words[only][0]}."
            whole = ("Både målet och delmålet" if total == 2 and subs else "Båda planens mål" if total == 2
                     else f"Alla planens {_goals_and_subgoals(goals, lang)}")
            return f"{whole} har {words[only][1]}{named}."
        if total == 1:
            return f"The plan's goal {_quoted(goals, lang)} {words[only][0]}."
        whole = ("Both the goal and its sub-goal" if total == 2 and subs
                 else "Both of the plan's goals" if total == 2
                 else f"All {_goals_and_subgoals(goals, lang)} of the plan")
        return f"{whole} {words[only][1]}{named}."
    parts = []
    for code in _ORDER:
        members = groups.get(code)
        if members:
            named = f" ({_quoted(members, lang)})" if len(members) <= NAME_AT_MOST else ""
            parts.append(f"{count(len(members), lang)} {words[code][len(members) != 1]}{named}")
    if lang == "sv":
        return f"Av planens {_goals_and_subgoals(goals, lang)} har {join(parts, lang)}."
    return f"Of the plan's {_goals_and_subgoals(goals, lang)}, {join(parts, lang)}."


def _levels_sentence(iv: Interview, lang: str) -> str | None:
    _, answers = iv.final_answers()
    changes = {"positive": 0, "negative": 0, "none": 0}
    for g in iv.plan.goals:
        c = change(g, answers.get(g.id, {}).get("level"))
        if c is not None:
            changes[c] += 1
    if not sum(changes.values()):
        return None
    sv_noun, en_noun = "mål", ("goal", "goals")
    parts: list[str] = []
    for key, sv, en in (("positive", "förbättrats", "improved"), ("negative", "försämrats", "worsened"),
                        ("none", "varit oförändrad", "stayed the same")):  # fmt: skip
        n = changes[key]
        if n:
            # The noun once, on the first part: "förbättrats för ett mål och försämrats för två".
            if lang == "sv":
                noun = f" {sv_noun}" if not parts else ""
                parts.append(f"{sv} för {count(n, lang)}{noun}")
            else:
                noun = f" {en_noun[n != 1]}" if not parts else ""
                parts.append(f"{en} for {count(n, lang)}{noun}")
    if lang == "sv":
        return f"Jämfört med läget före insatsen har nivån {join(parts, lang)}."
    return f"Compared with the situation before the intervention, the level has {join(parts, lang)}."


def _needs_sentences(iv: Interview, lang: str) -> list[str]:
    a, _ = iv.final_answers()
    out = []
    if a.get("new_needs") == "yes":
        areas = [lower_first(iv.form.life_area_label(c, lang)) for c in a.get("new_needs_areas") or []]
        where = ""
        if areas:
            where = f" inom {join(areas, lang)}" if lang == "sv" else f" in {join(areas, lang)}"
        out.append(f"Nya behov har uppkommit{where}." if lang == "sv" else f"New needs have arisen{where}.")
    elif a.get("new_needs") == "no":
        out.append("Inga nya behov har uppkommit." if lang == "sv" else "No new needs have arisen.")
    if a.get("other_principal_need") == "yes":
        names = join([PRINCIPALS[lang].get(c, c) for c in a.get("other_principals") or []], lang)
        guided = GUIDED[lang].get(a.get("guided") or "")
        if lang == "sv":
            out.append(f"Brukaren behöver insatser från {names}.")
        else:
            out.append(f"The client needs interventions from {names}.")
        if guided:
            out.append(guided)
    actors = [ACTORS[lang][c] for c in a.get("other_actors") or [] if c in ACTORS[lang]]
    if actors:
        if lang == "sv":
            out.append(f"Brukaren har hänvisats till {join(actors, lang)}.")
        else:
            out.append(f"The client has been referred to {join(actors, lang)}.")
    return out


def _sip_sentence(iv: Interview, lang: str) -> str | None:
    a, _ = iv.final_answers()
    if a.get("sip_needed") == "no":
        return "Ingen SIP bedöms behövas." if lang == "sv" else "No SIP is considered needed."
    status = a.get("sip_status")
    texts = {
        "sv": {"exists": "Det finns en SIP", "initiated": "Arbetet med en SIP har påbörjats",
               "not_started": "En SIP behövs men har inte påbörjats",
               "declined": "En SIP behövs men brukaren har avböjt"},
        "en": {"exists": "A SIP is in place", "initiated": "Work on a SIP has started",
               "not_started": "A SIP is needed but has not been started",
               "declined": "A SIP is needed but the client has declined"},
    }[lang]  # fmt: skip
    if status not in texts:
        return None
    sip_day = parse_date(a.get("sip_date"))
    when = ""
    if sip_day and status in ("exists", "initiated"):
        when = f" (SIP-datum {long_date(sip_day, lang)})" if lang == "sv" else (
            f" (SIP date {long_date(sip_day, lang)})")
    return f"{texts[status]}{when}."


def _need_sentence(iv: Interview, lang: str) -> str | None:
    need = iv.final_answers()[0].get("still_in_need")
    texts = {
        "sv": {"yes": "Brukaren bedöms fortfarande vara i behov av insatsen.",
               "partly": "Brukaren bedöms fortfarande delvis vara i behov av insatsen.",
               "no": "Brukaren bedöms inte längre vara i behov av insatsen."},
        "en": {"yes": "The client is still considered to be in need of the intervention.",
               "partly": "The client is considered to be still partly in need of the intervention.",
               "no": "The client is no longer considered to be in need of the intervention."},
    }[lang]  # fmt: skip
    return texts.get(need or "")


def _decision_sentence(iv: Interview, lang: str) -> str | None:
    a, _ = iv.final_answers()
    text = DECISIONS[lang].get(a.get("decision") or "")
    if text is None:
        return None
    nxt = parse_date(a.get("next_followup"))
    if nxt is None:
        return f"{text}."
    if lang == "sv":
        return f"{text} och nästa uppföljning sker den {long_date(nxt, lang)}."
    return f"{text}; the next follow-up is on {long_date(nxt, lang)}."


RECEIVED = {
    "sv": {"yes": "Brukaren har fått den planerade insatsen.",
           "partly": "Brukaren har delvis fått den planerade insatsen.",
           "no": "Brukaren har inte fått den planerade insatsen."},
    "en": {"yes": "The client has received the planned intervention.",
           "partly": "The client has partly received the planned intervention.",
           "no": "The client has not received the planned intervention."},
}  # fmt: skip
SATISFACTION = {
    "sv": {"very_satisfied": "Brukaren är mycket nöjd med insatsen.",
           "satisfied": "Brukaren är nöjd med insatsen.",
           "neutral": "Brukaren är varken nöjd eller missnöjd med insatsen.",
           "dissatisfied": "Brukaren är missnöjd med insatsen.",
           "very_dissatisfied": "Brukaren är mycket missnöjd med insatsen.",
           "not_asked": "Brukaren har inte tillfrågats om hur nöjd hen är med insatsen."},
    "en": {"very_satisfied": "The client is very satisfied with the intervention.",
           "satisfied": "The client is satisfied with the intervention.",
           "neutral": "The client is neither satisfied nor dissatisfied with the intervention.",
           "dissatisfied": "The client is dissatisfied with the intervention.",
           "very_dissatisfied": "The client is very dissatisfied with the intervention.",
           "not_asked": "The client has not been asked how satisfied they are with the intervention."},
}  # fmt: skip


def _received_sentence(iv: Interview, lang: str) -> str | None:
    return RECEIVED[lang].get(iv.final_answers()[0].get("intervention_received") or "")


def _client_sentences(iv: Interview, lang: str) -> list[str]:
    """The client's own view, kept as theirs: quoted, never paraphrased by the assistant."""
    a, _ = iv.final_answers()
    out = []
    view = " ".join(str(a.get("client_view") or "").split())
    if view:
        marks = ("”", "”") if lang == "sv" else ("“", "”")
        out.append(f"Brukaren säger: {marks[0]}{view}{marks[1]}" if lang == "sv"
                   else f"The client says: {marks[0]}{view}{marks[1]}")
    satisfaction = SATISFACTION[lang].get(a.get("client_satisfaction") or "")
    if satisfaction:
        out.append(satisfaction)
    return out


def draft_sentences(iv: Interview, lang: str = "sv") -> list[str]:
    """The drafted summary's sentences, in order, from whatever has been answered so far."""
    sentences = [
        _received_sentence(iv, lang),
        _goals_sentence(iv, lang),
        _levels_sentence(iv, lang),
        *_needs_sentences(iv, lang),
        _sip_sentence(iv, lang),
        _need_sentence(iv, lang),
        *_client_sentences(iv, lang),
        _decision_sentence(iv, lang),
    ]
    return [s for s in sentences if s]


def draft_summary(iv: Interview, lang: str = "sv") -> str:
    """The summary paragraph, from whatever has been answered so far."""
    return " ".join(draft_sentences(iv, lang))


def _alternatives(iv: Interview, step: Step) -> list[Any]:
    q = step.question
    if isinstance(q, ChoiceQuestion):
        return [c.code for c in q.choices]
    if isinstance(q, BoolQuestion):
        return [True, False]
    if isinstance(q, LevelQuestion) and step.goal is not None and step.goal.scale in SCALE_RANGES:
        low, high = SCALE_RANGES[step.goal.scale]
        return list(range(low, high + 1))
    return []


def stale_draft_keys(iv: Interview, text: str, lang: str = "sv") -> list[str]:
    """Answers changed after a drafted sentence in `text` was written from them.

    No record of the draft is kept: a sentence the assistant would have written had an answer been
    different, still in the text while the answer now reads otherwise, is the trace of the change.
    Sentences the caseworker wrote or rewrote never match, so they are never called stale."""
    if not text.strip():
        return []
    current = set(draft_sentences(iv, lang))
    found: list[str] = []
    for step in iv.applicable_steps():
        if not iv.has(step):
            continue
        now = iv.value(step)
        for alt in _alternatives(iv, step):
            if alt == now:
                continue
            other = draft_sentences(iv.with_answer(step.key, alt), lang)
            if any(s not in current and s in text for s in other):
                found.append(step.key)
                break
    return found
