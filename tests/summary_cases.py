"""Six varied follow-ups for the golden summaries (answers beyond the simplest complete branch)."""

from __future__ import annotations

from typing import Any

GOALS = [
    {"id": "g1", "text": "Sköta tvätten själv", "life_area": "d6", "scale": "icf", "baseline": 3, "target": 1},
    {"id": "g1a", "text": "Sortera tvätten", "life_area": "d6", "parent": "g1"},
    {"id": "g2", "text": "Gå till dagverksamheten", "life_area": "d8", "scale": "gas", "baseline": -1},
    {"id": "g3", "text": "Betala hyran i tid", "life_area": "d8", "scale": "icf", "baseline": 2},
]

CASES: dict[str, dict[str, Any]] = {
    "all_achieved_one_goal": {
        "goals": GOALS[:1],
        "answers": {"decision": "end_goals_met", "next_followup": None, "still_in_need": "no"},
        "goal_answers": {"g1": {"attainment": "achieved", "level": 1}},
    },
    "mixed_four_goals": {
        "goals": GOALS,
        "answers": {},
        "goal_answers": {"g1": {"attainment": "partly_achieved", "level": 2},
                         "g1a": {"attainment": "achieved"},
                         "g2": {"attainment": "not_achieved", "level": -2},
                         "g3": {"attainment": "not_assessable", "level": 2}},
    },
    "new_needs_and_principals": {
        "goals": GOALS[:2],
        "answers": {"new_needs": "yes", "new_needs_description": "Ensam", "new_needs_areas": ["d7", "safety"],
                    "new_needs_response": ["new_goals", "other_principal"],
                    "other_principal_need": "yes",
                    "other_principals": ["forsakringskassan", "primary_care", "region_psychiatry"],
                    "guided": "in_progress", "sip_needed": "yes", "sip_status": "initiated",
                    "sip_date": "2026-12-03", "decision": "revise_plan", "next_followup": "2027-02-15"},
        "goal_answers": {"g1": {"attainment": "achieved", "level": 1}, "g1a": {"attainment": "achieved"}},
    },
    "not_guided_sip_declined": {
        "goals": GOALS[2:3],
        "answers": {"other_principal_need": "yes", "other_principals": ["arbetsformedlingen"],
                    "guided": "no", "guided_reason": "Vill vänta", "sip_needed": "yes",
                    "sip_status": "declined", "still_in_need": "partly"},
        "goal_answers": {"g2": {"attainment": "partly_achieved", "level": 0}},
    },
    "no_goals_new_investigation": {
        "goals": [],
        "answers": {"decision": "new_investigation", "next_followup": None, "sip_needed": "yes",
                    "sip_status": "not_started"},
        "goal_answers": {},
    },
    "partial_draft": {
        "goals": GOALS[:2],
        "answers": {"decision": None, "next_followup": None, "new_needs": None, "sip_needed": None,
                    "still_in_need": None},
        "goal_answers": {"g1": {"attainment": "achieved", "level": 3}},
    },
}
