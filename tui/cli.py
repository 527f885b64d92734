"""The command line: parses arguments and hands over to a command; imports stay lazy for speed."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

VERSION = "0.1.0"

DESCRIPTION = """\
Uppföljning av genomförandeplaner och vårdplaner i socialtjänsten.
Follow-up of care and implementation plans in Swedish social services.

Without a command, the Textual app opens on the default workspace."""

EPILOG = """\
workspace: --workspace DIR, else UPPFOLJNING_WORKSPACE, else the platform's data folder.
exit codes: 0 done, 1 a problem with the input or the workspace (one line per problem), 2 usage."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="uppfoljning",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"uppfoljning {VERSION}")
    parser.add_argument("--workspace", metavar="DIR", help="the workspace folder")
    parser.add_argument(
        "--database", metavar="URL",
        help="the shared PostgreSQL database instead of a workspace (libpq conninfo or postgresql:// URI; "
        "or UPPFOLJNING_DATABASE; PG* variables honoured)",
    )
    parser.add_argument(
        "--lang", choices=("sv", "en"), help="language of messages (default: sv, or UPPFOLJNING_LANG)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help="create a workspace (encrypted unless --no-encryption)")
    p.add_argument("--no-encryption", action="store_true", help="store the workspace unencrypted")
    p.add_argument("--organisation", default="", help="organisation, e.g. the municipality")
    p.add_argument("--unit", default="", help="unit (verksamhet)")
    p.add_argument("--caseworker", default="", help="your name as it appears on documents")

    p = sub.add_parser("import", help="import case files (YAML or JSON) as drafts")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--final", action="store_true", help="finalize (sign) the imported follow-ups")
    p.add_argument("--by", metavar="NAME", help="who signs with --final (default: the caseworker)")

    p = sub.add_parser("training", help="the app on the training workspace (fictitious practice cases)")
    p.add_argument("--reset", action="store_true", help="restore the training workspace to its start")

    p = sub.add_parser("quick", help="the quick mode for thin clients: one question at a time")
    p.add_argument("--case", metavar="REF", help="the case number (default: choose or create one)")

    p = sub.add_parser("list", help="list follow-ups and next follow-up dates")
    p.add_argument("--due", action="store_true", help="only cases whose next follow-up is due")
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = sub.add_parser("export", help="write a follow-up in the case-file format")
    p.add_argument("id", metavar="ID", help="follow-up id (or a unique start of it)")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of the screen")

    p = sub.add_parser("pdf", help="the follow-up document as PDF")
    p.add_argument("id", metavar="ID", help="follow-up id (or a unique start of it)")
    p.add_argument("-o", "--output", metavar="FILE", help="where to write it (default: uppfoljning-ID.pdf)")

    p = sub.add_parser("report", help="group-level compilation (ISU) of the stored follow-ups")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first meeting date (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last meeting date (YYYY-MM-DD)")
    p.add_argument("--unit", help="only this unit (verksamhet)")
    p.add_argument("--caseworker", help="only this caseworker")
    p.add_argument("--plan-type", choices=("genomforandeplan", "vardplan", "behandlingsplan", "sip", "other"))
    p.add_argument("--include-drafts", action="store_true", help="count drafts too (default: final only)")
    p.add_argument(
        "--all-followups",
        action="store_true",
        help="count every follow-up (default: each client's latest in the period)",
    )
    p.add_argument("--threshold", type=int, default=5, metavar="K", help="hide counts below K (default 5)")
    p.add_argument("--format", choices=("table", "csv", "json", "pdf"), default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (needed for pdf)")
    p.add_argument("--compare-previous", action="store_true",
                   help="the same figures for the previous period of the same length beside these")

    p = sub.add_parser("correct", help="add a correction (rättelse) to a final follow-up")
    p.add_argument("id", metavar="ID")
    p.add_argument("--reason", required=True, help="why the record is corrected")
    p.add_argument("--text", required=True, help="the correction itself")
    p.add_argument("--author", help="who corrects (default: the workspace's caseworker)")
    p.add_argument("--question", help="the answer corrected, by its id (assessment, goals.g1.level)")
    p.add_argument(
        "--kind",
        choices=("correction", "client_objection"),
        default="correction",
        help="client_objection notes that the client considers the record incorrect",
    )

    p = sub.add_parser("erase", help="erase a case and its follow-ups (gallring), logged")
    p.add_argument("ref", nargs="?", metavar="REF", help="case number (or case id)")
    p.add_argument("--older-than", metavar="AGE", help="every case whose last entry is older, e.g. 5y")
    p.add_argument("--dry-run", action="store_true", help="only list what would be erased")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    sub.add_parser("passphrase", help="change the workspace's passphrase, re-encrypting every file")
    sub.add_parser("doctor", help="find damaged files and restore their previous generation")

    p = sub.add_parser("audit", help="the audit log")
    audit_sub = p.add_subparsers(dest="audit_command", metavar="SUBCOMMAND", required=True)
    audit_sub.add_parser("verify", help="check the log's hash chain")
    a = audit_sub.add_parser("show", help="show the log")
    a.add_argument("--case", metavar="REF", help="only entries about this case")

    p = sub.add_parser("forms", help="work with form definitions")
    forms_sub = p.add_subparsers(dest="forms_command", metavar="SUBCOMMAND", required=True)
    v = forms_sub.add_parser("validate", help="check a custom form definition")
    v.add_argument("file", metavar="FILE")
    v = forms_sub.add_parser("install", help="install a form (YAML or XLSForm .xlsx) in the workspace")
    v.add_argument("file", metavar="FILE")
    forms_sub.add_parser("list", help="the installed forms and their versions")
    for name, what in (("show", "show a form's questions"), ("export", "write a form out")):
        v = forms_sub.add_parser(name, help=what)
        v.add_argument("id", metavar="ID")
        v.add_argument("--version", type=int, metavar="N", help="the version (default: the newest)")
        if name == "export":
            v.add_argument("--format", choices=("yaml", "xlsform"), default="yaml")
            v.add_argument("-o", "--output", metavar="FILE", help="write to FILE (needed for xlsform)")
    v = forms_sub.add_parser("default", help="the form new follow-ups are made with")
    v.add_argument("id", metavar="ID")

    p = sub.add_parser("db", help="the shared database: schema, migrations and who may do what")
    db_sub = p.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    db_sub.add_parser("init", help="create the schema and the group roles (as the database superuser)")
    db_sub.add_parser("upgrade", help="apply pending schema migrations")
    db_sub.add_parser("status", help="applied and pending migrations, and who you are")
    g = db_sub.add_parser("grant", help="give a database login a role in a unit")
    g.add_argument("login", metavar="LOGIN")
    g.add_argument("--role", required=True, choices=("caseworker", "supervisor", "analyst", "admin"))
    g.add_argument("--unit", required=True, help="the unit (verksamhet); created if new")
    g.add_argument("--name", help="the display name on signatures and in the audit log")
    m = db_sub.add_parser("import-workspace",
                          help="move a local workspace into the database (all or nothing)")
    m.add_argument("dir", metavar="DIR", help="the workspace folder (asks for its passphrase)")
    r = db_sub.add_parser("revoke", help="take a unit from a login, or every unit without --unit")
    r.add_argument("login", metavar="LOGIN")
    r.add_argument("--unit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.lang = args.lang or os.environ.get("UPPFOLJNING_LANG") or None
    args.database = args.database or os.environ.get("UPPFOLJNING_DATABASE") or None
    if args.command is None:
        return _run_app(args)
    if args.command == "quick":
        return _run_quick(args)
    if args.command == "training":
        return _run_training(args)
    from tui import commands  # the heavy part, only when a command runs

    return commands.run(args)


def _run_quick(args: argparse.Namespace) -> int:
    """The quick mode imports only what it uses: no Textual, no reportlab until a PDF is made."""
    from tui.quick_start import main as quick_main

    return quick_main(args)


def _run_training(args: argparse.Namespace) -> int:
    from pathlib import Path

    from casework import training
    from storage.errors import StorageError
    from storage.paths import training_workspace_dir
    from tui.text import t

    lang = args.lang or "sv"
    path = Path(args.workspace).expanduser() if args.workspace else training_workspace_dir()
    try:
        if args.reset:
            n = training.reset(path, lang)
            print(t("training_restored", lang, n=n, path=path))
            return 0
        training.ensure(path, lang)
    except training.TrainingRefused as err:
        why = t("training_" + err.reason, lang, path=path, detail=err.detail)
        print(f"uppfoljning: {why}", file=sys.stderr)
        return 1
    except (StorageError, OSError) as err:
        print(f"uppfoljning: {t('error', lang)}: {err}", file=sys.stderr)
        return 1
    from tui.app import run

    return run(path, args.lang)


def _run_app(args: argparse.Namespace) -> int:
    from pathlib import Path

    from storage.paths import default_workspace_dir, training_workspace_dir
    from tui.app import run

    path = Path(args.workspace).expanduser() if args.workspace else default_workspace_dir()
    return run(path, args.lang, training_path=training_workspace_dir())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
