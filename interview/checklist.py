"""What a complete follow-up documents: a checklist for feedback after a practice follow-up."""

from __future__ import annotations

from dataclasses import dataclass

from interview.engine import Interview


@dataclass(frozen=True)
class CheckItem:
    id: str
    done: bool
    text: dict[str, str]

    def label(self, lang: str) -> str:
        return self.text.get(lang, self.text["sv"])


def checklist(iv: Interview) -> list[CheckItem]:
    a, goals = iv.final_answers()
    plan_goals = iv.plan.goals
    assessed = all(goals.get(g.id, {}).get("attainment") for g in plan_goals)
    unassessable_explained = all(
        (goals.get(g.id, {}).get("comment") or "").strip()
        for g in plan_goals if goals.get(g.id, {}).get("attainment") == "not_assessable"
    )
    reasons = unassessable_explained
    if a.get("intervention_received") in ("partly", "no"):
        reasons = reasons and bool((a.get("intervention_gap_reason") or "").strip())
    if a.get("guided") == "no":
        reasons = reasons and bool((a.get("guided_reason") or "").strip())
    # Form v2 asks why the view is missing in a question of its own; either documents it.
    view = bool((a.get("client_view") or "").strip() or (a.get("client_view_missing_reason") or "").strip())
    ending = a.get("decision") in ("end_goals_met", "end_other", "new_investigation")
    next_or_end = bool(a.get("next_followup")) or (ending and bool((a.get("assessment") or "").strip()))
    return [
        CheckItem("goals_assessed", (assessed and bool(plan_goals)) or not plan_goals, {
            "sv": "Varje mål i planen är bedömt", "en": "Every goal of the plan is assessed"}),
        CheckItem("reasons_given", reasons, {
            "sv": "Skäl är angivna där något inte blev av (insatsen, lotsning, mål som inte kunde bedömas)",
            "en": "Reasons are given where something did not happen (intervention, guidance, goals that "
                  "could not be assessed)"}),
        CheckItem("client_view", view, {
            "sv": "Brukarens egen uppfattning är dokumenterad (eller varför den saknas)",
            "en": "The client's own view is documented (or why it is missing)"}),
        CheckItem("next_or_end", next_or_end, {
            "sv": "Det finns ett datum för nästa uppföljning, eller ett skäl att avsluta",
            "en": "There is a date for the next follow-up, or a reason to end"}),
    ]
