"""The work list follows what other logins do: read again on a timer (in a worker thread) and on return."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from casework import review
from tests.pgserver import PgServer
from tests.test_db_app_review import app_as, db, draft, repo, table_rows  # noqa: F401 (db: a fixture)
from tui.screens.review import ReviewScreen
from tui.screens.worklist import WorkListScreen


async def until(pilot: Pilot[None], check: Any, seconds: float = 15.0) -> bool:
    """Let the app run (its timers fire) until `check()` holds; False when it never did."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        await pilot.pause(0.05)
        if check():
            return True
    return False


def test_a_submission_by_another_login_appears_without_pressing_r(
        pg_server: PgServer, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Doris's list is open; Anna submits a follow-up from her own login; it appears on Doris's list by
    the timer, read off the UI thread, with no key pressed. A screen above the list is not refreshed
    under it; coming back reads the list at once (Bertil's submission shows without waiting)."""
    from tui.screens import worklist as screen_module

    monkeypatch.setattr(screen_module, "REFRESH_S", 0.3, raising=False)  # the timer driven fast
    cw = repo(pg_server, db, "cw_a")
    first, second = draft(cw, "A-20"), draft(cw, "A-21")
    app = app_as(pg_server, db, "sup_a", tmp_path)
    reads: list[str] = []

    async def go() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, WorkListScreen)
            assert table_rows(screen) == []  # nothing submitted yet
            work_rows = app.repo.work_rows  # type: ignore[attr-defined]

            def counted() -> Any:
                reads.append(threading.current_thread().name)
                return work_rows()

            app.repo.work_rows = counted  # type: ignore[attr-defined]
            review.submit(cw, first.id)  # the other login, in its own connection
            assert await until(pilot, lambda: [r[1] for r in table_rows(screen)] == ["A-20"]), \
                table_rows(screen)
            assert reads and threading.main_thread().name not in reads  # read in a worker, never the UI's
            assert table_rows(screen)[0][0] == "att granska"
            # With the follow-up opened above it, no timed reads of the list; back on it, read at once.
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)
            await app.workers.wait_for_complete()
            reads.clear()
            review.submit(cw, second.id)
            await pilot.pause(1.2)  # four ticks of the fast timer
            assert reads == [] and [r[1] for r in table_rows(screen)] == ["A-20"]
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen_stack.index(screen) == len(app.screen_stack) - 1  # on top again
            assert [r[1] for r in table_rows(screen)] == ["A-20", "A-21"]
            assert reads[:1] == [threading.main_thread().name]  # the return's own read, not a tick's

    asyncio.run(go())
    cw.close()


def test_the_timer_reads_every_thirty_seconds_and_a_failed_read_is_no_notice(
        pg_server: PgServer, db: str, tmp_path: Path) -> None:  # noqa: F811
    """The interval in use is 30 s; a read the database refuses (the connection gone) leaves the list as it
    was and raises no notice per tick (the next `r` says it, once)."""
    from textual.timer import Timer

    from storage.errors import StorageError
    from tui.screens import worklist as screen_module

    assert screen_module.REFRESH_S == 30.0
    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-30")
    review.submit(cw, fu.id)
    cw.close()
    app = app_as(pg_server, db, "sup_a", tmp_path)

    async def go() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, WorkListScreen)
            timers = [t for t in screen._timers if isinstance(t, Timer) and t._callback == screen.refresh_rows]
            assert [t._interval for t in timers] == [30.0]

            def refused() -> Any:
                raise StorageError("the database went away")

            app.repo.work_rows = refused  # type: ignore[attr-defined]
            for _ in range(3):
                screen.refresh_rows()  # what each tick calls
                await app.workers.wait_for_complete()
                await pilot.pause()
            assert [r[1] for r in table_rows(screen)] == ["A-30"]
            assert [n for n in app._notifications if n.severity == "error"] == []

    asyncio.run(go())


def test_threads_sharing_the_apps_connection_never_interleave_their_transactions(
        pg_server: PgServer, db: str) -> None:  # noqa: F811
    """The timed read runs in a worker while the UI thread writes on the same connection: four threads
    each run multi-statement transactions on one repository; every one sees only its own statements (a
    temporary row it wrote, then read back and removed) and none fails."""
    cw = repo(pg_server, db, "cw_a")
    failures: list[BaseException] = []
    seen_foreign: list[int] = []

    def worker(n: int) -> None:
        def tx(cur: Any) -> None:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS mine (n int) ON COMMIT DELETE ROWS")
            cur.execute("INSERT INTO mine VALUES (%s)", (n,))
            cur.execute("SELECT pg_sleep(0.001)")
            rows = [r[0] for r in cur.execute("SELECT n FROM mine").fetchall()]
            if rows != [n]:
                seen_foreign.append(n)

        try:
            for _ in range(60):
                cw._tx(tx)
                cw.work_rows()
        except BaseException as err:  # any failure is the finding
            failures.append(err)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    cw.close()
    assert failures == [] and seen_foreign == []


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_work_lists_keys_and_rows_are_whole_at_80x24(pg_server: PgServer, db: str, tmp_path: Path,  # noqa: F811
                                                         lang: str) -> None:
    """A supervisor's list (the longest footer: the unit view's key too): every footer key whole, F1
    among them, and each row's words whole within the 80 columns."""
    from tests.test_tui_first_screen import screen_lines
    from tests.test_tui_layout import footer_shown

    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-40")
    review.submit(cw, fu.id)
    cw.close()
    app = app_as(pg_server, db, "sup_a", tmp_path, lang)

    async def go() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, WorkListScreen)
            shown = footer_shown(app)
            assert f"f1 {({'sv': 'Tangenter', 'en': 'Keys'})[lang]}" in shown
            assert any(k.startswith("u ") for k in shown)  # the supervisor's unit view
            for view in ("mine", "unit"):
                lines = screen_lines(app)
                for row in table_rows(screen):
                    line = next(ln for ln in lines if row[1] in ln)
                    assert all(cell.strip() in line for cell in row), (row, line)
                if view == "mine":
                    await pilot.press("u")
                    await pilot.pause()

    asyncio.run(go())


def test_a_slow_timed_read_never_replaces_a_newer_list(pg_server: PgServer, db: str, tmp_path: Path) -> None:  # noqa: F811
    """The timer's read is slow (held in its thread); meanwhile Anna submits and Doris presses r: the
    list shows the submission. When the old read then arrives, it is dropped, not shown over it."""
    cw = repo(pg_server, db, "cw_a")
    fu = draft(cw, "A-50")
    app = app_as(pg_server, db, "sup_a", tmp_path)
    release = threading.Event()

    async def go() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, WorkListScreen)
            real = app.repo.work_rows  # type: ignore[attr-defined]
            old = real()

            def slow_in_a_thread() -> Any:
                if threading.current_thread() is threading.main_thread():
                    return real()
                release.wait(10)
                return old  # what the database said before the submission

            app.repo.work_rows = slow_in_a_thread  # type: ignore[attr-defined]
            screen.refresh_rows()  # a tick: its read is held
            await pilot.pause()
            review.submit(cw, fu.id)
            await pilot.press("r")
            await pilot.pause()
            assert [r[1] for r in table_rows(screen)] == ["A-50"]
            release.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert [r[1] for r in table_rows(screen)] == ["A-50"]

    try:
        asyncio.run(go())
    finally:
        release.set()
        cw.close()
