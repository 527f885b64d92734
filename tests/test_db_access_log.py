"""Opening and viewing a follow-up on the shared database is logged in its audit chain (SoLPuL asks
that access be logged and checked), in the same statement as the reading; listing is not per case."""

from __future__ import annotations

import pytest

from interview.case import Plan
from storage.errors import NotFound
from storage.postgres.repo import PostgresRepository
from tests.pgserver import PgServer
from tests.test_postgres import make, sql
from tui.cli import main


def actions(server: PgServer, db: str, followup: str) -> list[tuple[str, str]]:
    with sql(server, db, "postgres") as conn:
        rows = conn.execute("SELECT action, actor FROM uppfoljning.audit WHERE followup_id = %s "
                            "ORDER BY chain, seq", (followup,)).fetchall()
    return [(str(a), str(b)) for a, b in rows]


def test_opening_and_viewing_are_logged_as_the_login(pg_server: PgServer, pg_clean: str, plan: Plan,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    case, fu = make(plan, "LOG-1", "A")
    anna = PostgresRepository(pg_server.dsn("cw_a", pg_clean))
    anna.add_case(case, [fu])
    assert actions(pg_server, pg_clean, fu.id) == [("create", "cw_a")]
    anna.summaries()  # a list names no one case's content: not logged per case
    anna.listing()
    assert actions(pg_server, pg_clean, fu.id) == [("create", "cw_a")]
    anna.open_followup(fu.id)
    bertil = PostgresRepository(pg_server.dsn("cw_a2", pg_clean))
    bertil.get_followup(fu.id)
    assert actions(pg_server, pg_clean, fu.id) == [("create", "cw_a"), ("open", "cw_a"), ("view", "cw_a2")]
    # another unit's caseworker neither reads it nor leaves an entry that claims they did
    cecilia = PostgresRepository(pg_server.dsn("cw_b", pg_clean))
    with pytest.raises(NotFound):
        cecilia.get_followup(fu.id)
    with pytest.raises(NotFound):
        cecilia.open_followup(fu.id)
    assert len(actions(pg_server, pg_clean, fu.id)) == 3
    # the export command views then exports; the chain still verifies
    assert main(["--database", pg_server.dsn("sup_a", pg_clean), "export", fu.id]) == 0
    assert actions(pg_server, pg_clean, fu.id)[3:] == [("view", "sup_a"), ("export", "sup_a")]
    checked, problems = anna.audit_verify()
    assert problems == [] and checked >= 5
    for repo in (anna, bertil, cecilia):
        repo.close()
    capsys.readouterr()
