"""The assistant's consistency hints: named rules over the answers so far; they never block."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from forms.conditions import Context, evaluate, referenced_questions
from forms.loader import STANDARD_FORM_ID
from interview.case import SCALE_DIRECTION, Goal
from interview.coerce import parse_date
from interview.derived import change
from interview.engine import Interview

Severity = Literal["info", "warning"]
HEALTH_CARE = frozenset({"region_health_care", "region_psychiatry", "region_addiction_care", "primary_care"})
NEXT_FOLLOWUP_MAX_DAYS = 366  # "more than 12 months after the meeting"


@dataclass(frozen=True)
class Hint:
    """One raised hint; `key` identifies it for acknowledging (a rule id, per goal where it applies)."""

    rule: str
    key: str
    severity: Severity
    text: dict[str, str]
    points_to: tuple[str, ...]

    def message(self, lang: str) -> str:
        return self.text.get(lang, self.text["sv"])


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    check: Callable[[Interview], Iterator[Hint]]


def _answers(iv: Interview) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    return iv.final_answers()  # only what was asked: a stale answer never raises a hint


def _sip_health_care(iv: Interview) -> Iterator[Hint]:
    a, _ = _answers(iv)
    principals = set(a.get("other_principals") or [])
    if principals & HEALTH_CARE and a.get("sip_needed") == "no":
        yield Hint("sip_health_care", "sip_health_care", "warning", {
            "sv": "Brukaren behöver insatser från hälso- och sjukvården men SIP bedöms inte behövas. "
                  "En SIP ska upprättas när brukaren behöver insatser från både socialtjänsten och hälso- "
                  "och sjukvården, kommunen eller regionen bedömer att den behövs och brukaren samtycker.",
            "en": "The client needs interventions from health care, but no SIP is considered "
                  "needed. A SIP is drawn up when the client needs interventions from both social "
                  "services and health care, the municipality or the region judges it needed, and the "
                  "client consents.",
        }, ("other_principals", "sip_needed"))


def _sip_not_started(iv: Interview) -> Iterator[Hint]:
    a, _ = _answers(iv)
    if a.get("sip_needed") == "yes" and a.get("sip_status") == "not_started":
        yield Hint("sip_not_started", "sip_not_started", "warning", {
            "sv": "En SIP behövs men har inte påbörjats. Arbetet ska påbörjas utan dröjsmål.",
            "en": "A SIP is needed but has not been started. Work should start without delay.",
        }, ("sip_needed", "sip_status"))


def _reached_target(goal: Goal, level: int) -> bool:
    aimed = goal.aimed_level
    if goal.scale == "none" or aimed is None:
        return False
    return (level - aimed) * SCALE_DIRECTION[goal.scale] >= 0


def _level_shown(goal: Goal, level: int) -> str:
    return (f"{level:+d}" if level else "0") if goal.scale == "gas" else str(level)


def _goal_levels(iv: Interview) -> Iterator[Hint]:
    _, goals = _answers(iv)
    for goal, _depth in iv.plan.ordered_goals():
        ga = goals.get(goal.id, {})
        attainment, level = ga.get("attainment"), ga.get("level")
        if level is None:
            continue
        name = goal.text
        keys = (f"goals.{goal.id}.attainment", f"goals.{goal.id}.level")
        if attainment == "achieved" and change(goal, level) in ("none", "negative"):
            yield Hint("achieved_without_progress", f"achieved_without_progress:{goal.id}", "warning", {
                "sv": f"Målet ”{name}” är markerat som uppnått, men nivån är inte bättre än före insatsen.",
                "en": f"The goal “{name}” is marked achieved, but its level is no better than before "
                      "the intervention.",
            }, keys)
        elif attainment == "achieved" and goal.aimed_level is not None and not _reached_target(goal, level):
            # Better than before but short of the target: "Uppnått" is then most often a slip.
            now, aimed = _level_shown(goal, level), _level_shown(goal, goal.aimed_level)
            scale = goal.scale.upper()
            yield Hint("achieved_below_target", f"achieved_below_target:{goal.id}", "warning", {
                "sv": f"Målet ”{name}” är markerat som uppnått, men nivån nu ({scale} {now}) är sämre än "
                      f"målnivån {aimed}.",
                "en": f"The goal “{name}” is marked achieved, but its level now ({scale} {now}) is worse "
                      f"than the target level {aimed}.",
            }, keys)
        if attainment in ("not_achieved", "partly_achieved") and _reached_target(goal, level):
            yield Hint("target_reached_not_achieved", f"target_reached_not_achieved:{goal.id}",
                       "warning", {
                "sv": f"Målet ”{name}” har nått målnivån men är inte markerat som uppnått.",
                "en": f"The goal “{name}” has reached its target level but is not marked achieved.",
            }, keys)


def _unmet_goals(iv: Interview) -> list[Goal]:
    _, goals = _answers(iv)
    return [g for g in iv.plan.goals if goals.get(g.id, {}).get("attainment") not in (None, "achieved")]


def _end_goals_met(iv: Interview) -> Iterator[Hint]:
    a, _ = _answers(iv)
    unmet = _unmet_goals(iv)
    if a.get("decision") == "end_goals_met" and unmet:
        n = len(unmet)
        yield Hint("end_goals_met_unmet", "end_goals_met_unmet", "warning", {
            "sv": f"Insatsen avslutas med att målen är uppnådda, men {n} mål är inte uppnått"
                  f"{'' if n == 1 else 'a'}.",
            "en": f"The intervention ends with the goals met, but {n} goal{'' if n == 1 else 's'} "
                  f"{'is' if n == 1 else 'are'} not achieved.",
        }, ("decision", *(f"goals.{g.id}.attainment" for g in unmet)))


def _need_vs_decision(iv: Interview) -> Iterator[Hint]:
    a, _ = _answers(iv)
    need, decision = a.get("still_in_need"), a.get("decision")
    if need == "no" and decision in ("continue", "revise_plan"):
        yield Hint("continue_without_need", "continue_without_need", "warning", {
            "sv": "Brukaren bedöms inte längre vara i behov av insatsen, men insatsen fortsätter.",
            "en": "The client is no longer considered in need of the intervention, yet it continues.",
        }, ("still_in_need", "decision"))
    if need == "yes" and decision in ("end_goals_met", "end_other"):
        yield Hint("end_with_need", "end_with_need", "warning", {
            "sv": "Brukaren bedöms fortfarande vara i behov av insatsen, men insatsen avslutas.",
            "en": "The client is still considered in need of the intervention, yet it ends.",
        }, ("still_in_need", "decision"))


def _new_needs_unanswered(iv: Interview) -> Iterator[Hint]:
    a, _ = _answers(iv)
    if (a.get("new_needs") == "yes" and a.get("new_needs_response") == ["none"]
            and a.get("other_principal_need") != "yes"):
        yield Hint("new_needs_no_response", "new_needs_no_response", "info", {
            "sv": "Nya behov har uppkommit men leder varken till nya mål, ny insats eller annan huvudman. "
                  "Beskriv gärna varför.",
            "en": "New needs have arisen but lead to no new goals, no new intervention and no other "
                  "principal. Consider saying why.",
        }, ("new_needs", "new_needs_response", "other_principal_need"))


def _not_received_but_achieved(iv: Interview) -> Iterator[Hint]:
    a, goals = _answers(iv)
    achieved = [g for g in iv.plan.goals if goals.get(g.id, {}).get("attainment") == "achieved"]
    if a.get("intervention_received") == "no" and achieved:
        yield Hint("achieved_without_intervention", "achieved_without_intervention", "info", {
            "sv": "Insatsen har inte getts, men mål är markerade som uppnådda. Beskriv vad som "
                  "bidragit till det.",
            "en": "The intervention was not given, yet goals are marked achieved. Consider describing "
                  "what contributed.",
        }, ("intervention_received", *(f"goals.{g.id}.attainment" for g in achieved)))


def _asks_reason(iv: Interview) -> bool:
    return any(s.question.id == "client_view_missing_reason" for s in iv.steps)


def _client_view_missing(iv: Interview) -> Iterator[Hint]:
    a, _ = _answers(iv)
    # Form v2 asks the reason in a question of its own; v1 has it written under the client's views.
    documented = (a.get("client_view") or "").strip() or (a.get("client_view_missing_reason") or "").strip()
    if a.get("client_participation") == "no" and not documented:
        yield Hint("client_view_missing", "client_view_missing", "warning", {
            "sv": "Brukaren har inte deltagit och varken brukarens synpunkter eller skälet till det "
                  "är dokumenterade.",
            "en": "The client did not take part, and neither the client's views nor the reason are "
                  "documented.",
        }, ("client_participation", "client_view_missing_reason" if _asks_reason(iv) else "client_view"))


def _target_date_passed(iv: Interview) -> Iterator[Hint]:
    a, goals = _answers(iv)
    when = parse_date(a.get("meeting_date")) or iv.today
    for goal in iv.plan.goals:
        attainment = goals.get(goal.id, {}).get("attainment")
        if goal.target_date and goal.target_date < when and attainment not in (None, "achieved"):
            yield Hint("target_date_passed", f"target_date_passed:{goal.id}", "info", {
                "sv": f"Måldatumet för ”{goal.text}” har passerat och målet är inte uppnått. "
                      "Överväg att revidera målet eller planen.",
                "en": f"The target date of “{goal.text}” has passed and the goal is not achieved. "
                      "Consider revising the goal or the plan.",
            }, (f"goals.{goal.id}.attainment",))


def _next_followup_far(iv: Interview) -> Iterator[Hint]:
    a, _ = _answers(iv)
    meeting, nxt = parse_date(a.get("meeting_date")), parse_date(a.get("next_followup"))
    if meeting and nxt and (nxt - meeting).days > NEXT_FOLLOWUP_MAX_DAYS:
        yield Hint("next_followup_far", "next_followup_far", "info", {
            "sv": "Nästa uppföljning ligger mer än tolv månader efter mötet.",
            "en": "The next follow-up is more than twelve months after the meeting.",
        }, ("next_followup",))


RULES: Sequence[Rule] = (
    Rule("sip_health_care", "warning", _sip_health_care),
    Rule("sip_not_started", "warning", _sip_not_started),
    Rule("goal_levels", "warning", _goal_levels),
    Rule("end_goals_met_unmet", "warning", _end_goals_met),
    Rule("need_vs_decision", "warning", _need_vs_decision),
    Rule("new_needs_no_response", "info", _new_needs_unanswered),
    Rule("achieved_without_intervention", "info", _not_received_but_achieved),
    Rule("client_view_missing", "warning", _client_view_missing),
    Rule("target_date_passed", "info", _target_date_passed),
    Rule("next_followup_far", "info", _next_followup_far),
)


def declared(iv: Interview) -> Iterator[Hint]:
    """The hints the form itself declares, over what was asked: a condition on per-goal questions is
    checked for each goal (keyed by the goal), any other once. Conditions are interpreted by
    forms.conditions, never evaluated as code."""
    if not iv.form.hints:
        return
    answers, goals = _answers(iv)
    per_goal = frozenset(q.id for sec in iv.form.sections if sec.per_goal for q in sec.questions)
    for h in iv.form.hints:
        refs = tuple(dict.fromkeys(referenced_questions(h.when)))
        text = {"sv": h.message.sv, "en": h.message.en}
        if not any(r in per_goal for r in refs):
            if evaluate(h.when, Context(answers, per_goal_ids=per_goal)):
                yield Hint(h.id, h.id, h.severity, text, refs)
            continue
        for goal, _depth in iv.plan.ordered_goals():
            ctx = Context(answers, goals.get(goal.id, {}), per_goal, goal.scale != "none")
            if evaluate(h.when, ctx):
                points = tuple(f"goals.{goal.id}.{r}" if r in per_goal else r for r in refs)
                yield Hint(h.id, f"{h.id}:{goal.id}", h.severity,
                           {lang: f"{goal.text}: {msg}" for lang, msg in text.items()}, points)


def hints(iv: Interview, acknowledged: Sequence[str] = ()) -> list[Hint]:
    """Every hint the answers so far raise, warnings first, minus those the caseworker acknowledged:
    the assistant's rules on the standard form, and on any form the hints it declares."""
    quiet = set(acknowledged)
    rules = RULES if iv.form.id == STANDARD_FORM_ID else ()
    raised = [h for rule in rules for h in rule.check(iv) if h.key not in quiet]
    raised += [h for h in declared(iv) if h.key not in quiet]
    return sorted(raised, key=lambda h: h.severity != "warning")
