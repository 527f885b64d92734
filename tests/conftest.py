"""Shared fixtures: the standard form, a small plan, the contract's example case file."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.loader import bundled_form
from forms.schema import FormDefinition
from interview.case import Plan

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def form() -> FormDefinition:
    """Version 1: the contract most tests were written against (it stays installed unchanged)."""
    return bundled_form("standard-uppfoljning", 1)


@pytest.fixture(scope="session")
def form_v2() -> FormDefinition:
    return bundled_form("standard-uppfoljning", 2)


@pytest.fixture
def plan() -> Plan:
    return Plan.model_validate(
        {
            "start": "2026-05-04",
            "goals": [
                {"id": "g1", "text": "Sköta tvätten", "life_area": "d6", "scale": "icf",
                 "baseline": 3, "target": 1},
                {"id": "g1a", "text": "Sortera tvätten", "life_area": "d6", "parent": "g1"},
                {"id": "g2", "text": "Dagverksamhet", "life_area": "d8", "scale": "gas"},
            ],
            "interventions": [{"id": "i1", "name": "Boendestöd"}],
        }
    )


@pytest.fixture
def example_text() -> str:
    return (DATA / "example.yaml").read_text(encoding="utf-8")
