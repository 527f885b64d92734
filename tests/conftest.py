"""Shared fixtures: the standard form, a small plan, the contract's example case file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from forms.loader import bundled_form
from forms.schema import FormDefinition
from interview.case import Plan

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def form() -> FormDefinition:
    return bundled_form()


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


# Hypothesis: a short profile for local runs, a long one in CI (which sets CI=true). Tests that name
# their own max_examples keep it; the fuzzer (tests/test_fuzz.py) follows the profile.
settings.register_profile(
    "dev", max_examples=100, deadline=5000, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=2000, deadline=5000, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")
