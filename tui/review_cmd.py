"""`uppfoljning review …`, `list --mine|--unit`, `reassign` and `db unit|training`: the shared database's
review, work lists and handover on the command line (the rules live in casework/)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from tui.errors import UserError
from tui.text import t
from tui.visible import one_line

Opener = Callable[..., AbstractContextManager[Any]]


def _say(text: str) -> None:
    print(one_line(text))


def _table(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(one_line(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _json(data: Any) -> None:
    import re

    text = json.dumps(data, ensure_ascii=False, indent=2)
    print(re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text))


def _needs_db(args: argparse.Namespace, lang: str, key: str) -> None:
    if not args.database:
        raise UserError(t(key, lang))


def cmd_review(args: argparse.Namespace, repository: Opener) -> int:
    from casework import review

    lang = args.lang or "sv"
    _needs_db(args, lang, "err_review_needs_db")
    with repository(args, writable=True) as repo:
        if args.review_command == "list":
            return _review_list(repo, args, lang)
        fid = repo.resolve(args.id)
        if args.review_command == "submit":
            review.submit(repo, fid, lang)
        elif args.review_command == "return":
            review.return_(repo, fid, args.comment, args.question)
        elif args.review_command == "approve":
            step = review.approve(repo, fid, args.comment, args.question, args.version)
            _say(t("review_approved_version", lang, id=fid, version=step.version))
            return 0
        else:
            review.comment(repo, fid, args.comment, args.question)
            _say(t("review_commented", lang))
            return 0
    done = {"submit": "review_submitted", "return": "review_returned", "approve": "review_approved"}
    _say(t(done[args.review_command], lang, id=fid))
    return 0


def _review_list(repo: Any, args: argparse.Namespace, lang: str) -> int:
    from casework import review

    if args.id:  # one follow-up's comments, by question
        fid = repo.resolve(args.id)
        notes = review.comments(repo, fid)
        if args.format == "json":
            _json([{"id": n.id, "question": n.question, "comment": n.body, "author": n.author,
                    "author_name": n.author_name, "at": n.at.isoformat()} for n in notes])
            return 0
        if not notes:
            _say(t("review_no_comments", lang))
        for question, items in review.by_question(notes).items():
            _say(f"{question or t('review_whole', lang)}:")
            for n in items:
                _say(f"  {n.at.strftime('%Y-%m-%d %H:%M')}  {n.author_name}: {n.body}")
        return 0
    rows = [r for r in repo.work_rows() if r.review_state in ("submitted", "returned", "approved")]
    if args.format == "json":
        _json([{"id": r.id, "case_ref": r.case_ref, "unit": r.unit, "review_state": r.review_state,
                "version": r.version,
                "assigned_to": r.assigned_to, "submitted_by": r.submitted_by,
                "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None} for r in rows])
        return 0
    if not rows:
        _say(t("review_none", lang))
        return 0
    columns = ("col_id", "col_case", "col_status", "col_review_version", "col_caseworker")
    table = [[t(k, lang) for k in columns]]
    table += [[r.id, r.case_ref, t(f"rstate_{r.review_state}", lang), str(r.version), r.assigned_name]
              for r in rows]
    _table(table)
    return 0


def cmd_work_list(args: argparse.Namespace, repository: Opener) -> int:
    """list --mine (the login's work list) or --unit (the unit by caseworker)."""
    from casework import worklist

    lang = args.lang or "sv"
    _needs_db(args, lang, "list_needs_db")
    today = date.today()
    with repository(args, writable=False) as repo:
        rows = repo.work_rows()
        login, role = repo.login, repo.role
    if args.unit_view:
        views = worklist.unit_view(rows, today, draft_days=args.days)
        if args.format == "json":
            _json([{"login": v.login, "name": v.name,
                    "overdue": [_item(i) for i in v.overdue], "old_drafts": [_item(i) for i in v.old_drafts],
                    "awaiting_review": [_item(i) for i in v.awaiting_review]} for v in views])
            return 0
        if not views:
            _say(t("work_none", lang))
        for v in views:
            _say(t("unit_line", lang, name=v.name or t("unit_nobody", lang), overdue=len(v.overdue),
                   drafts=len(v.old_drafts), days=args.days, review=len(v.awaiting_review)))
            for item in (*v.overdue, *v.old_drafts, *v.awaiting_review):
                _say(f"  {t('work_' + item.kind, lang)}  {item.row.id}  {item.row.case_ref}  "
                     f"{item.due or item.row.meeting_date or ''}".rstrip())
        return 0
    items = worklist.my_list(rows, login, role, today)
    if args.due:
        items = [i for i in items if i.kind in ("overdue", "due")]
    if args.format == "json":
        _json([_item(i) for i in items])
        return 0
    if not items:
        _say(t("work_none", lang))
        return 0
    table = [[t(k, lang) for k in ("col_what", "col_id", "col_case", "col_date", "col_caseworker")]]
    table += [[t("work_" + i.kind, lang), i.row.id, i.row.case_ref, i.due or i.row.meeting_date or "–",
               i.row.assigned_name] for i in items]
    _table(table)
    return 0


def _item(item: Any) -> dict[str, Any]:
    r = item.row
    return {"kind": item.kind, "id": r.id, "case_id": r.case_id, "case_ref": r.case_ref, "unit": r.unit,
            "assigned_to": r.assigned_to, "review_state": r.review_state, "status": r.status,
            "due": item.due, "meeting_date": r.meeting_date}


def cmd_reassign(args: argparse.Namespace, repository: Opener) -> int:
    lang = args.lang or "sv"
    _needs_db(args, lang, "err_review_needs_db")
    with repository(args, writable=True) as repo:
        found = repo.find_case(args.case)
        case_id = found.id if found is not None else args.case
        repo.reassign(case_id, args.to)
        ref = found.client.case_ref if found is not None else args.case
    _say(t("reassigned", lang, ref=ref, to=args.to))
    return 0


def db_unit(args: argparse.Namespace, conn: Any, lang: str) -> int:
    from storage.postgres import admin

    flag = {"on": True, "off": False, None: None}
    admin.set_unit(conn, args.unit, review=flag[args.review], training=flag[args.training])
    row = conn.execute("SELECT review_required, training FROM uppfoljning.units WHERE code = %s",
                       (args.unit,)).fetchone()
    yes, no = t("yes_word", lang), t("no_word", lang)
    _say(t("db_unit_set", lang, unit=args.unit, review=yes if row[0] else no,
           training=yes if row[1] else no))
    return 0


def db_training(args: argparse.Namespace, conn: Any, lang: str) -> int:
    """The training unit with the fictitious cases, as the superuser (who alone writes cases of a unit
    nobody works in yet); its follow-ups are reviewed like real ones."""
    from casework.training import seed
    from storage.postgres import admin
    from storage.postgres.repo import PostgresRepository

    # Review off while the practice history (signed follow-ups among it) goes in, on again after.
    admin.set_unit(conn, args.unit, training=True, review=False)
    repo = PostgresRepository(conn=conn)
    seed(repo, lang, args.unit)
    n = len([s for s in repo.summaries() if s.unit == args.unit])
    admin.set_unit(conn, args.unit, review=True)
    _say(t("db_training_done", lang, unit=args.unit, n=n))
    return 0
