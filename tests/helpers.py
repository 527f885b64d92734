"""Test helpers shared by several modules."""

from __future__ import annotations

from typing import Any


def complete_answers() -> dict[str, Any]:
    """A complete set of top-level answers for the simplest branch (all 'no')."""
    return {
        "meeting_date": "2026-11-18",
        "participants": ["client"],
        "meeting_mode": "in_person",
        "intervention_received": "yes",
        "still_in_need": "yes",
        "new_needs": "no",
        "other_principal_need": "no",
        "sip_needed": "no",
        "client_participation": "yes",
        "client_satisfaction": "satisfied",
        "assessment": "Bra.",
        "decision": "continue",
        "next_followup": "2027-05-18",
    }
