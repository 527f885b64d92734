"""The commands behind the command line: each returns an exit code and prints one line per problem."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from forms.loader import FormError, bundled_form, load_form_file
from interview.case import Case, now
from interview.casefile import CaseFile, dump_casefile, load_text, parse_casefile, to_json, to_yaml
from interview.engine import Interview
from interview.errors import ProblemsError
from storage.errors import StorageError
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings, default_workspace_dir
from tui.text import t


class UserError(Exception):
    """A problem the user can fix; each line is printed as it is."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)


def _lang(args: argparse.Namespace, ws: Workspace | None = None) -> str:
    if args.lang:
        return str(args.lang)
    return ws.settings.lang if ws is not None else "sv"


def _workspace_path(args: argparse.Namespace) -> Path:
    return Path(args.workspace).expanduser() if args.workspace else default_workspace_dir()


@contextmanager
def _repository(args: argparse.Namespace, *, writable: bool) -> Iterator[TinyDBRepository]:
    ws = Workspace.open(_workspace_path(args))
    repo = TinyDBRepository(ws, writable=writable)
    try:
        yield repo
    finally:
        repo.close()


def run(args: argparse.Namespace) -> int:
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "init": cmd_init,
        "import": cmd_import,
        "list": cmd_list,
        "export": cmd_export,
        "forms": cmd_forms,
    }
    lang = args.lang or "sv"
    try:
        return handlers[args.command](args)
    except UserError as err:
        for line in err.lines:
            print(f"uppfoljning: {line}", file=sys.stderr)
        return 1
    except (StorageError, ProblemsError, FormError) as err:
        lines = getattr(err, "problems", None) or [str(err)]
        for line in lines:
            print(f"uppfoljning: {t('error', lang)}: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def cmd_init(args: argparse.Namespace) -> int:
    path = _workspace_path(args)
    settings = WorkspaceSettings(
        organisation=args.organisation,
        unit=args.unit,
        caseworker=args.caseworker,
        lang=_lang(args),
    )
    Workspace.create(path, settings)
    print(t("created", _lang(args), path=path))
    return 0


def _read_case_file(path: Path, lang: str) -> CaseFile:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise UserError(f"{path}: {t('cannot_read', lang, why=err.strerror or err)}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path}: {t('not_utf8', lang)}") from None
    try:
        data = load_text(text, json_format=path.suffix.lower() == ".json" or None)
        return parse_casefile(data, lang=lang)
    except ProblemsError as err:
        raise UserError(*(f"{path}: {p}" for p in err.problems)) from None


def cmd_import(args: argparse.Namespace) -> int:
    ws = Workspace.open(_workspace_path(args))
    lang = _lang(args, ws)
    # Validate every file before writing anything: a bad file leaves the workspace untouched.
    parsed: list[tuple[Path, CaseFile]] = []
    problems: list[str] = []
    for name in args.files:
        try:
            parsed.append((Path(name), _read_case_file(Path(name), lang)))
        except UserError as err:
            problems.extend(err.lines)
    if args.final:
        for path, cf in parsed:
            interview = Interview(cf.form, cf.plan, cf.followup.answers, cf.followup.goals, lang=lang)
            from interview.messages import msg

            for step in interview.missing_required():
                where = f"answers.{step.key}" if step.goal is None else step.key
                problems.append(f"{path}: followup.{where}: {msg('required', lang)}")
            signer = args.by or cf.followup.caseworker or ws.settings.caseworker
            if not signer:
                problems.append(f"{path}: {t('final_needs_signer', lang)}")
    if parsed:
        # Conflicts with stored cases are found before anything is written, too.
        reader = TinyDBRepository(ws, writable=False)
        try:
            for path, cf in parsed:
                problems.extend(_conflicts(reader, path, cf, lang))
        finally:
            reader.close()
    if problems:
        raise UserError(*problems, t("nothing_imported", lang))
    repo = TinyDBRepository(ws)
    try:
        ids = [_store(repo, cf, args, ws, lang) for _, cf in parsed]
    finally:
        repo.close()
    print(t("imported", lang, n=len(ids), ids=", ".join(ids)))
    return 0


def _conflicts(repo: TinyDBRepository, path: Path, cf: CaseFile, lang: str) -> list[str]:
    case = repo.find_case(cf.client.case_ref)
    if case is not None:
        pnr = case.client.personnummer
        if pnr and cf.client.personnummer and pnr != cf.client.personnummer:
            return [f"{path}: client.case_ref: {t('other_client', lang, ref=case.client.case_ref)}"]
    known = {s.id for s in repo.summaries()}
    if cf.followup.id in known:
        return [f"{path}: followup.id: {t('exists', lang, id=cf.followup.id)}"]
    return []


def _store(
    repo: TinyDBRepository, cf: CaseFile, args: argparse.Namespace, ws: Workspace, lang: str
) -> str:
    case = repo.find_case(cf.client.case_ref)
    fu = cf.followup
    if case is not None:
        fu = fu.model_copy(update={"case_id": case.id})
        repo.add_followup(fu)
    else:
        case = Case(client=cf.client, plan=cf.plan)
        fu = fu.model_copy(update={"case_id": case.id})
        repo.add_case(case, [fu])
    if args.final and fu.status != "final":
        interview = Interview(cf.form, fu.plan, fu.answers, fu.goals, lang=lang)
        answers, goals = interview.final_answers()
        signer = args.by or fu.caseworker or ws.settings.caseworker
        repo.finalize(fu.id, signer, now(), answers, goals)
    return fu.id


def _is_due(next_date: str | None, today: date) -> bool:
    return next_date is not None and date.fromisoformat(next_date) <= today


def cmd_list(args: argparse.Namespace) -> int:
    with _repository(args, writable=False) as repo:
        lang = _lang(args, repo.workspace)
        rows = sorted(repo.summaries(), key=lambda s: (s.case_ref, s.meeting_date or "", s.id))
        damaged = repo.damaged
    today = date.today()
    if args.due:
        # A case is due when its latest follow-up's next date has come.
        latest: dict[str, Any] = {}
        for s in rows:
            latest[s.case_id] = s
        rows = sorted(
            (s for s in latest.values() if _is_due(s.next_followup, today)),
            key=lambda s: s.next_followup or "",
        )
    for name in damaged:
        print(f"uppfoljning: {name}: damaged; it was skipped and left untouched", file=sys.stderr)
    if args.format == "json":
        out = [
            {**s.model_dump(mode="json"), "due": _is_due(s.next_followup, today)} for s in rows
        ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(t("none_due" if args.due else "no_followups", lang))
        return 0
    header = [t(k, lang) for k in ("col_id", "col_case", "col_status", "col_meeting", "col_next",
                                   "col_caseworker")]  # fmt: skip
    table = [header]
    for s in rows:
        nxt = s.next_followup or "–"
        if _is_due(s.next_followup, today):
            nxt += f" ({t('overdue', lang)})" if s.next_followup != today.isoformat() else ""
        table.append(
            [s.id, s.case_ref, t(f"status_{s.status}", lang), s.meeting_date or "–", nxt, s.caseworker]
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with _repository(args, writable=False) as repo:
        fu = repo.get_followup(repo.resolve(args.id))
        case = repo.get_case(fu.case_id)
        lang = _lang(args, repo.workspace)
    form = bundled_form(fu.form, fu.form_version)
    data = dump_casefile(case.client, fu, form, as_json=args.format == "json")
    text = to_json(data) if args.format == "json" else to_yaml(data)
    if args.output:
        from storage.atomic import atomic_write

        atomic_write(Path(args.output), text.encode("utf-8"), mode=0o600)
        print(t("written", lang, path=args.output), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_forms(args: argparse.Namespace) -> int:
    lang = _lang(args)
    path = Path(args.file)
    try:
        form = load_form_file(path)
    except FormError as err:
        raise UserError(*(f"{path}: {p}" for p in err.problems)) from None
    print(t("form_ok", lang, file=path, id=form.id, version=form.version, n=len(form.questions())))
    return 0
