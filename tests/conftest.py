"""Shared fixtures: the standard form, a small plan, the contract's example case file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

from forms.loader import bundled_form
from forms.schema import FormDefinition
from interview.case import Plan

if TYPE_CHECKING:
    from tests.pgserver import PgServer

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


# --- a real PostgreSQL server: one per test session, a fresh database per test module ----------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    from tests.pgserver import start_server

    server = start_server()
    if isinstance(server, str):
        if os.environ.get("CI") == "true":  # CI must test the database, never skip it
            pytest.fail(f"PostgreSQL test server: {server}")
        pytest.skip(f"no PostgreSQL test server: {server}")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pg_db(pg_server: PgServer, request: pytest.FixtureRequest) -> str:
    """The name of a fresh database for this test module (schema, units A and B, test logins)."""
    from tests.pgserver import create_database

    return create_database(pg_server, "t_" + request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
def pg_clean(pg_server: PgServer, pg_db: str) -> str:
    """The module's database emptied of cases and audit entries."""
    from tests.pgserver import clean_database

    clean_database(pg_server, pg_db)
    return pg_db


# --- running side by side (pytest -n auto --dist loadgroup) ------------------------------------------
# A module-scoped fixture is built once per worker that runs one of its tests. Tests that share one
# (a module's PostgreSQL database, the import-check interpreter, a disclosure population) are kept on
# one worker, so it is built once as in a sequential run; a parametrized one (one population per seed)
# once per parameter, so the parameters can still run on different workers.


def _shared_fixture_group(item: pytest.Item) -> str | None:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    shared = sorted(name for name in info.names_closure
                    if any(d.scope in ("module", "package", "class") for d in info.name2fixturedefs.get(name, ())))
    if not shared:
        return None
    callspec = getattr(item, "callspec", None)
    params = [f"{name}={callspec.params[name]!r}" for name in shared
              if callspec is not None and name in callspec.params]
    return "::".join([item.nodeid.split("::")[0], *params])


# tryfirst: pytest-xdist's worker reads the xdist_group marks in this same hook to put the group in the
# test id; it must see ours, or every worker sets each module fixture up again for itself.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is None and (group := _shared_fixture_group(item)):
            item.add_marker(pytest.mark.xdist_group(group))


# Hypothesis: a short profile for local runs, a long one in CI (which sets CI=true). Tests that name
# their own max_examples keep it; the fuzzer (tests/test_fuzz.py) follows the profile.
settings.register_profile(
    "dev", max_examples=100, deadline=5000, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=2000, deadline=5000, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")
