"""The commands behind the command line: each returns an exit code and prints one line per problem."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pydantic import ValidationError

from forms.loader import STANDARD_FORM_ID, FormError, bundled_form
from interview.casefile import dump_casefile, to_json, to_yaml
from interview.errors import ProblemsError
from interview.followup import Addendum
from interview.messages import validation_lines
from language import describe, plural
from storage.errors import StorageError
from storage.integrity import Finding
from storage.maintenance import change_passphrase, doctor, open_repository, sealed_required
from storage.paths import default_workspace_dir
from storage.tinydb_repo import TinyDBRepository
from storage.workspace import Workspace, WorkspaceSettings
from tui import passphrase
from tui.errors import UserError
from tui.text import t
from tui.visible import one_line, visible

if TYPE_CHECKING:
    from casework.importing import Source
    from forms.schema import FormDefinition


def _lang(args: argparse.Namespace, ws: Workspace | None = None) -> str:
    if args.lang:
        return str(args.lang)
    return ws.settings.lang if ws is not None else "sv"


def _settings(repo: Any) -> WorkspaceSettings:
    from casework.workspace import settings_of

    return settings_of(repo)


def _repo_lang(args: argparse.Namespace, repo: Any) -> str:
    return str(args.lang) if args.lang else _settings(repo).lang


def _who(repo: Any) -> str:
    ws = getattr(repo, "workspace", None)
    return ws.who() if ws is not None else str(repo.who())


def _open_db(args: argparse.Namespace) -> Any:
    """The shared database as the logged-in login (psycopg is imported only here)."""
    from storage.postgres.repo import PostgresRepository

    return PostgresRepository(args.database)


def _workspace_path(args: argparse.Namespace) -> Path:
    return Path(args.workspace).expanduser() if args.workspace else default_workspace_dir()


def _open(args: argparse.Namespace, *, writable: bool) -> TinyDBRepository:
    path = _workspace_path(args)
    return open_repository(path, passphrase=lambda: passphrase.existing(_lang(args)), writable=writable)


def _finding_lines(findings: list[Finding], lang: str) -> list[str]:
    """One line per case whose file was rolled back or removed outside the program."""
    return [
        t("case_rolled_back" if f.kind == "rolled_back" else "case_missing", lang,
          case=f.case_id, have=f.file_gen, known=f.known_gen)
        for f in findings
    ]


@contextmanager
def _repository(args: argparse.Namespace, *, writable: bool) -> Iterator[Any]:
    if args.database:
        db = _open_db(args)
        try:
            yield db
        finally:
            db.close()
        return
    repo = _open(args, writable=writable)
    try:
        lang = _repo_lang(args, repo)
        for name in repo.damaged:
            text = t("damaged_skipped", _lang(args, repo.workspace), name=name)
            _say(f"uppfoljning: {text}", file=sys.stderr)
        for line in _finding_lines(repo.findings, lang):
            _say(f"uppfoljning: {line}", file=sys.stderr)
        yield repo
    finally:
        repo.close()


def run(args: argparse.Namespace) -> int:
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "init": cmd_init,
        "import": cmd_import,
        "list": cmd_list,
        "export": cmd_export,
        "pdf": cmd_pdf,
        "report": cmd_report,
        "correct": cmd_correct,
        "erase": cmd_erase,
        "passphrase": cmd_passphrase,
        "doctor": cmd_doctor,
        "audit": cmd_audit,
        "forms": cmd_forms,
        "db": cmd_db,
        "review": lambda a: _review_cmd("cmd_review", a),
        "reassign": lambda a: _review_cmd("cmd_reassign", a),
    }
    lang = args.lang or "sv"
    if args.database and args.command in ("init", "passphrase", "doctor"):
        print(f"uppfoljning: {t('db_not_here', lang, command=args.command)}", file=sys.stderr)
        return 1
    try:
        return handlers[args.command](args)
    except UserError as err:
        for line in err.lines:
            _say(f"uppfoljning: {line}", file=sys.stderr)
        return 1
    except (StorageError, ProblemsError, FormError) as err:
        host = getattr(err, "host", None)  # an unencrypted connection refused: said in the user's language
        if host is not None:
            _say(f"uppfoljning: {t('db_insecure', lang, host=host)}", file=sys.stderr)
            return 1
        lines = getattr(err, "problems", None) or [describe(err, lang)]
        for line in lines:
            _say(f"uppfoljning: {t('error', lang)}: {line}", file=sys.stderr)
        return 1
    except ValidationError as err:
        # A stored record that no longer passes the model (written by hand or by an older version):
        # storage reads some records without turning this into CorruptFile, so it is caught here.
        where = ".".join(str(p) for p in err.errors()[0]["loc"]) if err.errors() else ""
        _say(f"uppfoljning: {t('error', lang)}: {t('stored_unreadable', lang, where=where)}", file=sys.stderr)
        return 1
    except OSError as err:
        # A path the user named that cannot be used: -o into a missing folder or onto a folder,
        # --workspace naming a file, a full disk. One line, never a traceback.
        where = f"{err.filename}: " if err.filename else ""
        _say(f"uppfoljning: {t('error', lang)}: {where}{describe(err, lang)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _review_cmd(name: str, args: argparse.Namespace) -> int:
    from tui import review_cmd

    return int(getattr(review_cmd, name)(args, _repository))


def _say(text: str, *, file: TextIO | None = None) -> None:
    """Print one line of output with every control character made visible: ids, names and file
    names come from files and the workspace, and must never drive the terminal or forge a line."""
    print(one_line(text), file=file or sys.stdout)


def _json_text(data: Any) -> str:
    """JSON with C1 controls and DEL escaped too (json escapes only C0), so it is safe on a terminal."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)


# --- init and passphrase ---------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    path = _workspace_path(args)
    lang = _lang(args)
    settings = WorkspaceSettings(
        organisation=args.organisation, unit=args.unit, caseworker=args.caseworker, lang=lang
    )
    if (path / "workspace.json").exists():
        raise UserError(f"{t('error', lang)}: {t('err_ws_exists', lang, path=path)}")
    Workspace.check_can_create(path)  # a folder holding cases is refused before any prompt
    secret = None if args.no_encryption else passphrase.new(lang)
    Workspace.create(path, settings, passphrase=secret)
    _say(t("created", lang, path=path))
    if secret is None:
        _say(t("unencrypted_note", lang))  # our own text, several lines
    return 0


def cmd_passphrase(args: argparse.Namespace) -> int:
    path = _workspace_path(args)
    ws = Workspace.open(path)
    lang = _lang(args, ws)
    old = passphrase.existing(lang)
    ws.codec(old)  # a wrong passphrase fails here, logged, before anything is written
    new = passphrase.new(lang, env_allowed=False) if sys.stdin.isatty() else _new_from_env(lang)
    count = change_passphrase(path, old, new)
    _say(plural("passphrase_changed", count, lang))
    return 0


def _new_from_env(lang: str) -> str:
    import os

    value = os.environ.get("UPPFOLJNING_NEW_PASSPHRASE")
    if not value:
        raise UserError(t("new_passphrase_env", lang))
    return passphrase.checked(value, lang)


# --- import, list, export ----------------------------------------------------------------------------


def _form_lookup(ws: Workspace, secret: Callable[[], str | None]) -> Callable[[str, int], Any]:
    """The case-file reader's form lookup: the shipped forms, then the workspace's installed ones
    (opened with the passphrase, asked for only then; FormError if the form is not installed)."""
    from storage.errors import NotFound
    from storage.forms_store import FormStore

    stores: list[FormStore] = []

    def lookup(form_id: str, version: int) -> Any:
        try:
            return bundled_form(form_id, version)
        except FormError:
            if not (ws.path / "forms").is_dir():
                raise
        if not stores:
            stores.append(FormStore(ws.path, ws.codec(secret() if ws.encrypted else None)))
        try:
            return stores[0].get(form_id, version)
        except NotFound as err:
            raise FormError([str(err)]) from None

    return lookup


def _read_source(path: Path, lang: str, forms: Callable[[str, int], Any] | None = None) -> Source:
    from casework.importing import read_source

    try:
        raw = path.read_bytes()
    except OSError as err:
        raise UserError(f"{path}: {t('cannot_read', lang, why=describe(err, lang))}") from None
    try:
        return read_source(str(path), raw, lang, json_format=path.suffix.lower() == ".json" or None,
                           forms=forms)
    except ProblemsError as err:
        raise UserError(*err.problems) from None


def cmd_import(args: argparse.Namespace) -> int:
    from casework.importing import import_sources

    if args.database:
        return _import_db(args)
    ws = Workspace.open(_workspace_path(args))
    lang = _lang(args, ws)
    # Every file is read and validated, and the batch is checked as a whole against the workspace,
    # before anything is written: a bad file leaves the workspace untouched.
    sources: list[Source] = []
    problems: list[str] = []
    secret: list[str | None] = []

    def ask() -> str | None:  # once, and before the writing starts only if a file needs an installed form
        if not secret:
            secret.append(passphrase.existing(lang))
        return secret[0]

    lookup = _form_lookup(ws, ask)
    for name in args.files:
        try:
            sources.append(_read_source(Path(name), lang, lookup))
        except UserError as err:
            problems.extend(err.lines)
    from casework.training import refused_imports  # practice files never become real records

    problems += [f"{n}: {t('training_file', lang)}" for n in refused_imports(ws.settings, sources)]
    if problems:
        raise UserError(*problems, t("nothing_imported", lang))
    repo = open_repository(ws.path, passphrase=ask, writable=True)
    try:
        result = import_sources(repo, sources, who=repo.workspace.who(), lang=lang, final=args.final,
                                signer=args.by or ws.settings.caseworker or None)
    except ProblemsError as err:
        raise UserError(*err.problems, t("nothing_imported", lang)) from None
    finally:
        repo.close()
    for name, fid in result.unchanged:
        _say(t("already_stored", lang, file=name, id=fid))
    if result.stored or not result.unchanged:
        _say(plural("imported_followups", len(result.stored), lang, ids=", ".join(result.stored)))
    return 0


def _import_db(args: argparse.Namespace) -> int:
    """Importing into the shared database: the same checks, signed as the logged-in login."""
    from casework.importing import import_sources
    from storage.errors import NotFound

    lang = _lang(args)
    sources: list[Source] = []
    problems: list[str] = []
    with _repository(args, writable=True) as repo:

        def lookup(form_id: str, version: int) -> Any:  # the shipped forms and the database's
            try:
                return repo.form(form_id, version)
            except NotFound as err:
                raise FormError([str(err)]) from None

        for name in args.files:
            try:
                sources.append(_read_source(Path(name), lang, lookup))
            except UserError as err:
                problems.extend(err.lines)
        if problems:
            raise UserError(*problems, t("nothing_imported", lang))
        try:
            result = import_sources(repo, sources, who=repo.who(), lang=lang, final=args.final,
                                    signer=repo.who())
        except ProblemsError as err:
            raise UserError(*err.problems, t("nothing_imported", lang)) from None
    for name, fid in result.unchanged:
        _say(t("already_stored", lang, file=name, id=fid))
    if result.stored or not result.unchanged:
        _say(plural("imported_followups", len(result.stored), lang, ids=", ".join(result.stored)))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    if getattr(args, "mine", False) or getattr(args, "unit_view", False):
        from tui.review_cmd import cmd_work_list

        return cmd_work_list(args, _repository)
    with _repository(args, writable=False) as repo:
        lang = _repo_lang(args, repo)
        rows = sorted(repo.summaries(), key=lambda s: (s.case_ref, s.meeting_date or "", s.id))
    from casework.due import is_due, latest_signed, overdue_ids

    today = date.today()
    if args.due:
        # A case is due when the next date set at its latest signed follow-up has come.
        by_case: dict[str, list[Any]] = {}
        for s in rows:
            by_case.setdefault(s.case_id, []).append(s)
        latest = [f for f in (latest_signed(items) for items in by_case.values()) if f is not None]
        rows = sorted(
            (s for s in latest if is_due(s.next_followup, today)),
            key=lambda s: s.next_followup or "",
        )
    if args.format == "json":
        out = [{**s.model_dump(mode="json"), "due": is_due(s.next_followup, today)} for s in rows]
        print(_json_text(out))
        return 0
    if not rows:
        _say(t("none_due" if args.due else "no_followups", lang))
        return 0
    keys = ("col_id", "col_case", "col_status", "col_meeting", "col_next", "col_caseworker")
    table = [[t(k, lang) for k in keys]]
    overdue = overdue_ids(rows, today)
    for s in rows:
        nxt = s.next_followup or "–"
        if s.id in overdue:
            nxt += f" ({t('overdue', lang)})"
        status = t(f"status_{s.status}", lang)
        cells = [s.id, s.case_ref, status, s.meeting_date or "–", nxt, s.caseworker]
        table.append([one_line(c) for c in cells])
    widths = [max(len(r[i]) for r in table) for i in range(len(keys))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with _repository(args, writable=False) as repo:
        fu = repo.get_followup(repo.resolve(args.id))
        case = repo.get_case(fu.case_id)
        lang = _repo_lang(args, repo)
        settings = _settings(repo)
        repo.log("export", case=case.id, followup=fu.id, format=args.format)
        form = repo.form(fu.form, fu.form_version)
        repo_training = repo.is_training_unit(case.client.unit)
    from casework.training import mark_casefile

    if repo_training:  # a shared database's training unit marks what leaves it, like a training workspace
        settings = settings.model_copy(update={"training": True})
    data = mark_casefile(dump_casefile(case.client, fu, form, as_json=args.format == "json"), settings)
    text = to_json(data) if args.format == "json" else to_yaml(data)
    return _emit(text.encode("utf-8"), args.output, lang)


def _emit(content: bytes, output: str | None, lang: str) -> int:
    """Write to the named file (atomically, owner-only: it holds case data) or to standard output."""
    if output:
        from storage.atomic import atomic_write

        atomic_write(Path(output), content, mode=0o600)
        _say(t("written", lang, path=output), file=sys.stderr)
    else:
        # YAML escapes control characters itself and our JSON too; this catches what a stored value
        # that bypassed validation could still carry (YAML leaves NEL, U+0085, as it is).
        sys.stdout.write(visible(content.decode("utf-8")))
    return 0


def cmd_pdf(args: argparse.Namespace) -> int:
    from casework.documents import pdf_name, render_followup, write_pdf

    with _repository(args, writable=False) as repo:
        lang = _repo_lang(args, repo)
        fid = repo.resolve(args.id)
        pdf = render_followup(repo, _settings(repo), fid, lang)
    out = Path(args.output) if args.output else Path(pdf_name(fid))
    write_pdf(out, pdf)
    _say(t("written", lang, path=out))
    return 0


def _date_arg(value: str | None, name: str, lang: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(t("err_bad_date_arg", lang, name=name, value=value)) from None


def _report_form(repo: Any, args: argparse.Namespace, lang: str) -> FormDefinition:
    """The form the report compiles: the standard form, or the installed form --form names (the
    version reported on is --version, the newest without it; every version's follow-ups count)."""
    from storage.errors import NotFound

    form_id = args.form or STANDARD_FORM_ID
    try:
        return repo.form(form_id, args.version)  # type: ignore[no-any-return]
    except NotFound:
        shown = f" v{args.version}" if args.version else ""
        raise UserError(t("form_unknown", lang, id=form_id, version=shown)) from None


def cmd_report(args: argparse.Namespace) -> int:
    import time

    from reporting.output import to_csv, to_data, to_table
    from reporting.selection import Selection
    from reporting.suppress import ProtectionFailed

    if args.threshold < 1:
        raise UserError(t("err_threshold", _lang(args)))
    if args.format == "pdf" and not args.output:
        raise UserError(t("err_pdf_needs_output", _lang(args)))
    sel = Selection(
        date_from=_date_arg(args.date_from, "--from", _lang(args)),
        date_to=_date_arg(args.date_to, "--to", _lang(args)),
        unit=args.unit,
        caseworker=args.caseworker,
        plan_type=args.plan_type,
        include_drafts=args.include_drafts,
        all_followups=args.all_followups,
        threshold=args.threshold,
    )
    if sel.reversed_period:
        raise UserError(t("err_period_reversed", _lang(args), first=args.date_from, last=args.date_to))
    started = time.monotonic()
    interactive = sys.stderr.isatty()

    def progress(n: int) -> None:
        # Only when it takes a while, and only on a terminal (never in a pipe's output).
        if interactive and time.monotonic() - started > 1:
            print(f"\r{t('compiling', _lang(args))} {n} …", end="", file=sys.stderr, flush=True)

    with _repository(args, writable=False) as repo:
        lang = _repo_lang(args, repo)
        settings = _settings(repo)
        training = settings.training
        before = None
        if args.compare_previous:
            try:
                before = sel.previous()
            except ValueError:
                raise UserError(t("compare_needs_period", lang)) from None
        form = _report_form(repo, args, lang)
        report = repo.compile_report(form, sel, progress)
        earlier = repo.compile_report(form, before, progress) if before is not None else None
        repo.log("report", followups=report.total.followups)
    if interactive and time.monotonic() - started > 1:
        print("", file=sys.stderr)
    try:
        data = to_data(report, form, training=training)
        previous = to_data(earlier, form, training=training) if earlier is not None else None
    except ProtectionFailed:
        # The disclosure audit found the published figures inconsistent (a fault, never the data's):
        # nothing is published rather than figures whose protection was not proven.
        raise UserError(t("report_unprotected", lang)) from None
    if args.format == "pdf":
        from documents.report import ReportInput, render_report

        pdf = render_report(ReportInput(data, form, datetime.now(UTC), lang=lang,
                                        organisation=settings.organisation, previous=previous,
                                        timezone=settings.timezone))
        return _emit(pdf, args.output, lang)
    if previous is not None:
        from reporting.compare import to_csv_compared, to_table_compared, with_previous

        if args.format == "json":
            text = _json_text(with_previous(data, previous)) + "\n"
        elif args.format == "csv":
            text = to_csv_compared(data, previous, lang)
        else:
            text = to_table_compared(data, previous, form, lang)
    elif args.format == "json":
        text = _json_text(data) + "\n"
    elif args.format == "csv":
        text = to_csv(data, lang)
    else:
        text = to_table(data, form, lang)
    return _emit(text.encode("utf-8"), args.output, lang)


# --- records: corrections and erasure ----------------------------------------------------------------


def cmd_correct(args: argparse.Namespace) -> int:
    with _repository(args, writable=True) as repo:
        lang = _repo_lang(args, repo)
        fid = repo.resolve(args.id)
        author = args.author or _who(repo)
        try:
            addendum = Addendum(kind=args.kind, author=author, reason=args.reason, text=args.text,
                                refers_to=args.question)
        except ValidationError as err:
            raise UserError(*validation_lines(err, lang)) from None
        from casework.corrections import add_correction

        add_correction(repo, fid, addendum, lang)
    _say(t("corrected", lang, id=fid))
    return 0


def _confirm(prompt: str, expected: str, lang: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UserError(t("erase_needs_yes", lang))
    return input(one_line(prompt)).strip() == expected


def cmd_erase(args: argparse.Namespace) -> int:
    from casework import erasure

    with _repository(args, writable=not args.dry_run) as repo:
        lang = _repo_lang(args, repo)
        if args.older_than:
            return _erase_old(repo, args, lang)
        if not args.ref:
            raise UserError(t("erase_ref_or_age", lang))
        found = erasure.find(repo, args.ref)
        if found is None:
            raise UserError(f"{t('error', lang)}: {t('no_case', lang, ref=args.ref)}")
        ref = found.client.case_ref
        if args.dry_run:
            last = erasure.last_entry(repo, found.id).date().isoformat()
            _say(t("would_erase", lang, ref=ref, last=last))
            return 0
        if not _confirm(t("confirm_erase", lang, ref=ref), ref, lang, args.yes):
            _say(t("erase_cancelled", lang))
            return 1
        erasure.erase(repo, found.id)
        _say(t("erased", lang, ref=ref))
    return 0


def _erase_old(repo: TinyDBRepository, args: argparse.Namespace, lang: str) -> int:
    from casework import erasure

    try:
        cutoff = erasure.cutoff(args.older_than, date.today())
    except erasure.BadAge:
        raise UserError(f"--older-than: {t('bad_age', lang)}") from None
    old = [(o.case, o.last) for o in erasure.old_cases(repo, cutoff)]
    if not old:
        _say(t("nothing_old", lang))
        return 0
    for case, last in old:
        _say(t("would_erase", lang, ref=case.client.case_ref, last=last.date().isoformat()))
    if args.dry_run:
        return 0
    if not _confirm(t("confirm_erase_many", lang, n=len(old)), str(len(old)), lang, args.yes):
        _say(t("erase_cancelled", lang))
        return 1
    for case, _ in old:
        erasure.erase(repo, case.id)
        _say(t("erased", lang, ref=case.client.case_ref))
    return 0


# --- audit and repair --------------------------------------------------------------------------------


def _audit_db(args: argparse.Namespace) -> int:
    lang = _lang(args)
    with _repository(args, writable=False) as repo:
        if args.audit_command == "verify":
            checked, problems = repo.audit_verify()
            if problems:
                raise UserError(*problems)
            print(plural("audit_ok", checked, lang))
            return 0
        case_id = None
        if args.case:
            found = repo.find_case(args.case)
            case_id = found.id if found is not None else args.case
        for e in repo.audit_entries(case_id):
            detail = " ".join(f"{k}={v}" for k, v in sorted(e["detail"].items()))
            ids = " ".join(x for x in (e["case"] and f"case={e['case']}",
                                       e["followup"] and f"followup={e['followup']}") if x)
            line = f"{e['seq']:>6}  {e['at'].isoformat()}  {e['actor']}  {e['action']}  {ids}  {detail}"
            _say(line.rstrip())
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """db init / upgrade / status / grant / revoke, as whoever the server says is connected."""
    from storage.postgres import admin
    from storage.postgres.connect import connect

    lang = _lang(args)
    if not args.database:
        raise UserError(t("db_needed", lang))
    if args.db_command == "import-workspace":
        return _move_workspace(args, lang)
    conn = connect(args.database)
    try:
        if args.db_command in ("init", "upgrade"):
            names = admin.upgrade(conn, init=args.db_command == "init")
            print(t("db_upgraded", lang, names=", ".join(names)) if names else t("db_current", lang))
        elif args.db_command == "status":
            st = admin.status(conn)
            units = ", ".join(st.units) or "-"
            print(t("db_status", lang, server=st.server, login=st.login, role=st.role or "-", units=units))
            for v, name in st.applied:
                print(t("db_applied_changed" if (v, name) in st.changed else "db_applied", lang, name=name))
            for _, name in st.pending:
                print(t("db_pending", lang, name=name))
            return 1 if st.pending or st.changed else 0
        elif args.db_command in ("unit", "training"):
            from tui import review_cmd

            return review_cmd.db_unit(args, conn, lang) if args.db_command == "unit" else \
                review_cmd.db_training(args, conn, lang)
        elif args.db_command == "grant":
            admin.grant(conn, args.login, args.role, args.unit, args.name)
            _say(t("db_granted", lang, login=args.login, role=args.role, unit=args.unit))
        else:
            if not admin.revoke(conn, args.login, args.unit):
                raise UserError(t("db_no_grant", lang, login=args.login))
            _say(t("db_revoked", lang, login=args.login))
    finally:
        conn.close()
    return 0


def _move_workspace(args: argparse.Namespace, lang: str) -> int:
    """db import-workspace DIR: every problem listed and nothing moved, or all moved at once."""
    from casework.moving import MoveRefused, move

    path = Path(args.dir).expanduser()
    with _repository(args, writable=True) as db:
        local = open_repository(path, passphrase=lambda: passphrase.existing(lang), writable=False)
        try:
            moved = move(local, db)
        except MoveRefused as err:
            lines = []
            for kind, data in err.refusal.problems:
                if kind in ("rolled_back", "missing"):
                    lines += _finding_lines([data["finding"]], lang)
                elif kind == "form_problem":  # the same lines as `forms install` says
                    lines.append(t(data["key"], lang, **data["args"]))
                else:
                    lines.append(t("move_" + kind, lang, **data))
            raise UserError(*lines, t("move_nothing", lang)) from None
        finally:
            local.close()
    print(t("moved", lang, cases=plural("n_cases", moved.cases, lang),
            followups=plural("n_followups", moved.followups, lang),
            signed=plural("n_signed", moved.signed, lang),
            addenda=plural("n_corrections", moved.addenda, lang)))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from storage.audit import AuditLog, verify

    if args.database:
        return _audit_db(args)

    ws = Workspace.open(_workspace_path(args))
    lang = _lang(args, ws)
    if args.audit_command == "verify":
        # An encrypted workspace's log is keyed: checking it needs the passphrase.
        repo = _open(args, writable=False)
        try:
            problems = verify(
                ws.audit_path, repo.codec, sealed_required=sealed_required(ws, repo.codec)
            )
            problems += [f"{t('damaged_skipped', lang, name=n)}" for n in repo.damaged]
            problems += _finding_lines(repo.findings, lang)
        finally:
            repo.close()
        if problems:
            raise UserError(*problems)
        _say(plural("audit_ok", len(AuditLog(ws.audit_path, "").entries()), lang))
        return 0
    case_id = None
    if args.case:
        with _repository(args, writable=False) as repo:
            found = repo.find_case(args.case)
            case_id = found.id if found is not None else args.case
    for e in AuditLog(ws.audit_path, "").entries():
        if case_id is not None and e.case != case_id:
            continue
        detail = " ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))
        ids = " ".join(x for x in (e.case and f"case={e.case}", e.followup and f"followup={e.followup}") if x)
        _say(f"{e.seq:>6}  {e.at}  {e.who}  {e.action}  {ids}  {detail}".rstrip())
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    path = _workspace_path(args)
    ws = Workspace.open(path)
    lang = _lang(args, ws)
    codec = ws.codec(passphrase.existing(lang) if ws.encrypted else None)
    report = doctor(path, codec)
    for name in report.restored:
        _say(t("doctor_restored", lang, name=name))
    refused = dict(report.refused)
    for name in report.unrecoverable:
        if name in refused:
            _say(t("doctor_refused", lang, name=name, why=refused[name]))
        else:
            _say(t("doctor_lost", lang, name=name))
    for line in report.audit_problems:
        _say(t("doctor_audit", lang, line=line))
    for line in _finding_lines(report.findings, lang):
        _say(line)
    if not (report.damaged or report.audit_problems or report.findings):
        _say(t("doctor_ok", lang))
    return 1 if report.unrecoverable or report.audit_problems or report.findings else 0


def cmd_forms(args: argparse.Namespace) -> int:
    from tui import forms_cmd

    return forms_cmd.run(args, lambda a, repo: _repo_lang(a, repo) if repo else _lang(a), _repository)
