"""The drafted summary: a deterministic paragraph in Swedish or English written from the answers."""

from __future__ import annotations

from typing import Any

from forms.schema import BoolQuestion, ChoiceQuestion, LevelQuestion
from interview.case import SCALE_RANGES, Goal
from interview.coerce import parse_date
from interview.derived import change
from interview.engine import Interview, Step
from interview.language import count, join, long_date, lower_first
from language import plural, text

NAME_AT_MOST = 3  # name the goals in a group when there are this few; otherwise only count them

# How the codes read inside a sentence (the form's labels are headings, capitalised and terse); the
# words are in the catalogue (sum_* entries), these are the codes each table knows.
PRINCIPAL_CODES = ("region_health_care", "region_psychiatry", "region_addiction_care", "primary_care",
                   "forsakringskassan", "arbetsformedlingen", "school", "police", "kriminalvarden",
                   "dental_care", "other_municipal_unit", "civil_society", "other")
# Form v2's other actors (not principals): where the client was referred besides the principals.
ACTOR_CODES = ("other_municipal_unit", "civil_society", "other")
_ORDER = ("achieved", "partly_achieved", "not_achieved", "not_assessable", "unknown")


def _known(prefix: str, code: Any, lang: str) -> str | None:
    """The catalogue's sentence or phrase for an answer code, None for a code it has none for."""
    try:
        return text(f"{prefix}{code}", lang) if isinstance(code, str) and code else None
    except KeyError:
        return None


# Quotation marks a caseworker may type; a text that already opens or closes with one is quoted by
# them (or quotes someone itself), and a second pair around it would print doubled: ”"Bra"”.
QUOTES = "\"'”“„«»‹›’‘‚"


def typed_quote(said: str) -> bool:
    """Whether the text starts or ends with a quotation mark of its own."""
    return bool(said) and (said[0] in QUOTES or said[-1] in QUOTES)


def _quoted(goals: list[Goal], lang: str) -> str:
    return join([g.text if typed_quote(g.text) else text("sum_quote", lang, text=g.text) for g in goals],
                lang)


def _goals_and_subgoals(goals: list[Goal], lang: str) -> str:
    """'tre mål och ett delmål' / 'three goals and one sub-goal': a plan's goals counted as it has them."""
    subs = sum(1 for g in goals if g.parent is not None)
    main = len(goals) - subs
    if main == 1 and subs == 1:
        return text("sum_goal_and_subgoal", lang)
    said = plural("sum_n_goals", main, lang, words=count(main, lang))
    if not subs:
        return said
    return text("sum_goals_and_subgoals", lang, goals=said,
                subs=plural("sum_n_subgoals", subs, lang, words=count(subs, lang)))


def _goals_sentence(iv: Interview, lang: str) -> str | None:
    _, answers = iv.final_answers()
    goals = [g for g, _ in iv.plan.ordered_goals()]
    if not goals:
        return None
    groups: dict[str, list[Goal]] = {}
    for g in goals:
        groups.setdefault(answers.get(g.id, {}).get("attainment") or "unknown", []).append(g)
    total = len(goals)
    subs = sum(1 for g in goals if g.parent is not None)
    if len(groups) == 1:
        only = next(iter(groups))
        if total == 1:
            return text("sum_goal_single", lang, goal=_quoted(goals, lang),
                        outcome=text(f"sum_goal_{only}_one", lang))
        named = f" ({_quoted(goals, lang)})" if total <= NAME_AT_MOST else ""
        whole = (text("sum_whole_goal_and_sub", lang) if total == 2 and subs
                 else text("sum_whole_both", lang) if total == 2
                 else text("sum_whole_all", lang, goals=_goals_and_subgoals(goals, lang)))
        outcome = text(f"sum_goal_{only}_many", lang)
        return text("sum_goals_all", lang, whole=whole, outcome=outcome, named=named)
    parts = []
    for code in _ORDER:
        members = groups.get(code)
        if members:
            named = f" ({_quoted(members, lang)})" if len(members) <= NAME_AT_MOST else ""
            outcome = text(f"sum_goal_{code}_{'one' if len(members) == 1 else 'many'}", lang)
            parts.append(text("sum_outcome_part", lang, words=count(len(members), lang), outcome=outcome,
                              named=named))
    return text("sum_goals_mixed", lang, goals=_goals_and_subgoals(goals, lang), parts=join(parts, lang))


def _levels_sentence(iv: Interview, lang: str) -> str | None:
    _, answers = iv.final_answers()
    changes = {"positive": 0, "negative": 0, "none": 0}
    for g in iv.plan.goals:
        c = change(g, answers.get(g.id, {}).get("level"))
        if c is not None:
            changes[c] += 1
    if not sum(changes.values()):
        return None
    parts: list[str] = []
    for key in ("positive", "negative", "none"):
        n = changes[key]
        if n:
            # The noun once, on the first part: "förbättrats för ett mål och försämrats för två".
            said = text(f"sum_change_{key}", lang)
            if not parts:
                parts.append(plural("sum_change_first", n, lang, change=said, words=count(n, lang)))
            else:
                parts.append(text("sum_change_more", lang, change=said, words=count(n, lang)))
    return text("sum_levels", lang, parts=join(parts, lang))


def _needs_sentences(iv: Interview, lang: str) -> list[str]:
    a, _ = iv.final_answers()
    out = []
    if a.get("new_needs") == "yes":
        areas = [lower_first(iv.form.life_area_label(c, lang)) for c in a.get("new_needs_areas") or []]
        out.append(text("sum_new_needs_in", lang, areas=join(areas, lang)) if areas
                   else text("sum_new_needs", lang))
    elif a.get("new_needs") == "no":
        out.append(text("sum_no_new_needs", lang))
    if a.get("other_principal_need") == "yes":
        names = join([_known("sum_principal_", c, lang) or c for c in a.get("other_principals") or []], lang)
        guided = _known("sum_guided_", a.get("guided"), lang)
        out.append(text("sum_needs_principals", lang, names=names))
        if guided:
            out.append(guided)
    actors = [_known("sum_actor_", c, lang) or c for c in a.get("other_actors") or [] if c in ACTOR_CODES]
    if actors:
        out.append(text("sum_referred", lang, actors=join(actors, lang)))
    return out


def _sip_sentence(iv: Interview, lang: str) -> str | None:
    a, _ = iv.final_answers()
    if a.get("sip_needed") == "no":
        return text("sum_no_sip", lang)
    status = a.get("sip_status")
    known = ("exists", "initiated", "not_started", "declined")
    said = _known("sum_sip_", status, lang) if status in known else None
    if said is None:
        return None
    sip_day = parse_date(a.get("sip_date"))
    when = ""
    if sip_day and status in ("exists", "initiated"):
        when = text("sum_sip_date", lang, date=long_date(sip_day, lang))
    return f"{said}{when}."


def _need_sentence(iv: Interview, lang: str) -> str | None:
    need = iv.final_answers()[0].get("still_in_need")
    return _known("sum_need_", need, lang) if need in ("yes", "partly", "no") else None


def _decision_sentence(iv: Interview, lang: str) -> str | None:
    a, _ = iv.final_answers()
    said = _known("sum_decision_", a.get("decision"), lang)
    if said is None:
        return None
    nxt = parse_date(a.get("next_followup"))
    if nxt is None:
        return f"{said}."
    return text("sum_next", lang, decision=said, date=long_date(nxt, lang))


def _received_sentence(iv: Interview, lang: str) -> str | None:
    return _known("sum_received_", iv.final_answers()[0].get("intervention_received"), lang)


def _client_sentences(iv: Interview, lang: str) -> list[str]:
    """The client's own view, kept as theirs: quoted, never paraphrased by the assistant."""
    a, _ = iv.final_answers()
    out = []
    view = " ".join(str(a.get("client_view") or "").split())
    if view:
        out.append(text("sum_client_says_own" if typed_quote(view) else "sum_client_says", lang, view=view))
    satisfaction = _known("sum_satisfaction_", a.get("client_satisfaction"), lang)
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
