"""The command line: parses arguments and hands over to a command; imports stay lazy for speed."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from language import argparse_translation, describe, normalise
from tui.text import t

VERSION = "0.1.0"

def _lang_of(argv: Sequence[str]) -> str:
    """The language asked for, read before parsing so that the help and argparse's errors speak it."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return os.environ.get("UPPFOLJNING_LANG") or "sv"


def _speak(lang: str) -> None:
    """argparse looks up its own words ("usage:", "error:", "invalid choice") through the gettext
    functions it imported as module globals; point them at the 'argparse' catalogue of `lang`. A
    process speaks one language, so this is set once per parser built."""
    tr = argparse_translation(lang)
    vars(argparse).update(_=tr.gettext, ngettext=tr.ngettext)


def build_parser(lang: str = "sv") -> argparse.ArgumentParser:
    lang = normalise(lang)
    _speak(lang)

    def h(key: str) -> str:
        return t(key, lang)

    parser = argparse.ArgumentParser(
        prog="uppfoljning",
        description=h("cli_description"),
        epilog=h("cli_epilog"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"uppfoljning {VERSION}",
                        help=h("cli_version"))
    parser.add_argument("--workspace", metavar=h("mv_dir"), help=h("cli_workspace"))
    parser.add_argument("--database", metavar=h("mv_url"), help=h("cli_database"))
    parser.add_argument("--lang", choices=("sv", "en"), help=h("cli_lang"))
    sub = parser.add_subparsers(dest="command", metavar=h("mv_command"))

    p = sub.add_parser("init", help=h("cli_init"), description=h("cli_init"))
    p.add_argument("--no-encryption", action="store_true", help=h("cli_no_encryption"))
    p.add_argument("--organisation", default="", metavar=h("mv_name"), help=h("cli_organisation"))
    p.add_argument("--unit", default="", metavar=h("mv_unit"), help=h("cli_unit"))
    p.add_argument("--caseworker", default="", metavar=h("mv_name"), help=h("cli_caseworker"))

    p = sub.add_parser("import", help=h("cli_import"), description=h("cli_import"))
    p.add_argument("files", nargs="+", metavar=h("mv_file"), help=h("cli_files"))
    p.add_argument("--final", action="store_true", help=h("cli_final"))
    p.add_argument("--by", metavar=h("mv_name"), help=h("cli_by"))

    p = sub.add_parser("training", help=h("cli_training"), description=h("cli_training"))
    p.add_argument("--reset", action="store_true", help=h("cli_reset"))

    p = sub.add_parser("quick", help=h("cli_quick"), description=h("cli_quick"))
    p.add_argument("--case", metavar=h("mv_ref"), help=h("cli_case"))

    p = sub.add_parser("list", help=h("cli_list"), description=h("cli_list"))
    p.add_argument("--due", action="store_true", help=h("cli_due"))
    p.add_argument("--format", choices=("table", "json"), default="table", help=h("cli_format"))
    who = p.add_mutually_exclusive_group()
    who.add_argument("--mine", action="store_true", help=h("cli_mine"))
    who.add_argument("--unit", dest="unit_view", action="store_true", help=h("cli_unit_view"))
    p.add_argument("--days", type=int, default=14, metavar="N", help=h("cli_days"))

    p = sub.add_parser("review", help=h("cli_review"), description=h("cli_review"))
    review_sub = p.add_subparsers(dest="review_command", metavar=h("mv_subcommand"), required=True)
    for name in ("submit", "return", "approve", "comment"):
        r = review_sub.add_parser(name, help=h(f"cli_review_{name}"), description=h(f"cli_review_{name}"))
        r.add_argument("id", metavar="ID", help=h("cli_id"))
        if name != "submit":
            r.add_argument("--comment", required=name == "comment", metavar=h("mv_text"),
                           help=h("cli_review_text"))
            r.add_argument("--question", metavar="QID", help=h("cli_review_question"))
        if name == "approve":
            r.add_argument("--version", type=int, metavar="N", help=h("cli_review_version"))
    r = review_sub.add_parser("list", help=h("cli_review_list"), description=h("cli_review_list"))
    r.add_argument("id", nargs="?", metavar="ID", help=h("cli_id"))
    r.add_argument("--format", choices=("table", "json"), default="table", help=h("cli_format"))

    p = sub.add_parser("reassign", help=h("cli_reassign"), description=h("cli_reassign"))
    p.add_argument("case", metavar=h("mv_ref"), help=h("cli_ref"))
    p.add_argument("--to", required=True, metavar=h("mv_login"), help=h("cli_reassign_to"))

    p = sub.add_parser("export", help=h("cli_export"), description=h("cli_export"))
    p.add_argument("id", metavar="ID", help=h("cli_id"))
    p.add_argument("--format", choices=("yaml", "json"), default="yaml", help=h("cli_format"))
    p.add_argument("-o", "--output", metavar=h("mv_file"), help=h("cli_output"))

    p = sub.add_parser("pdf", help=h("cli_pdf"), description=h("cli_pdf"))
    p.add_argument("id", metavar="ID", help=h("cli_id"))
    p.add_argument("-o", "--output", metavar=h("mv_file"), help=h("cli_pdf_output"))

    p = sub.add_parser("report", help=h("cli_report"), description=h("cli_report"))
    p.add_argument("--from", dest="date_from", metavar=h("mv_date"), help=h("cli_from"))
    p.add_argument("--to", dest="date_to", metavar=h("mv_date"), help=h("cli_to"))
    p.add_argument("--unit", metavar=h("mv_unit"), help=h("cli_only_unit"))
    p.add_argument("--caseworker", metavar=h("mv_name"), help=h("cli_only_caseworker"))
    p.add_argument("--plan-type", choices=("genomforandeplan", "vardplan", "behandlingsplan", "sip", "other"),
                   help=h("cli_plan_type"))
    p.add_argument("--include-drafts", action="store_true", help=h("cli_include_drafts"))
    p.add_argument("--all-followups", action="store_true", help=h("cli_all_followups"))
    p.add_argument("--threshold", type=int, default=5, metavar="K", help=h("cli_threshold"))
    p.add_argument("--format", choices=("table", "csv", "json", "pdf"), default="table", help=h("cli_format"))
    p.add_argument("-o", "--output", metavar=h("mv_file"), help=h("cli_report_output"))
    p.add_argument("--compare-previous", action="store_true", help=h("cli_compare_previous"))
    p.add_argument("--form", metavar="ID", help=h("cli_report_form"))
    p.add_argument("--version", type=int, metavar="N", help=h("cli_form_version"))

    p = sub.add_parser("correct", help=h("cli_correct"), description=h("cli_correct"))
    p.add_argument("id", metavar="ID", help=h("cli_correct_id"))
    p.add_argument("--reason", required=True, metavar=h("mv_text"), help=h("cli_reason"))
    p.add_argument("--text", required=True, metavar=h("mv_text"), help=h("cli_text"))
    p.add_argument("--author", metavar=h("mv_name"), help=h("cli_author"))
    p.add_argument("--question", metavar="ID", help=h("cli_question"))
    p.add_argument("--kind", choices=("correction", "client_objection"), default="correction",
                   help=h("cli_kind"))

    p = sub.add_parser("erase", help=h("cli_erase"), description=h("cli_erase"))
    p.add_argument("ref", nargs="?", metavar=h("mv_ref"), help=h("cli_ref"))
    p.add_argument("--older-than", metavar=h("mv_age"), help=h("cli_older_than"))
    p.add_argument("--dry-run", action="store_true", help=h("cli_dry_run"))
    p.add_argument("--yes", action="store_true", help=h("cli_yes"))

    sub.add_parser("passphrase", help=h("cli_passphrase"), description=h("cli_passphrase"))
    sub.add_parser("doctor", help=h("cli_doctor"), description=h("cli_doctor"))

    p = sub.add_parser("audit", help=h("cli_audit"), description=h("cli_audit"))
    audit_sub = p.add_subparsers(dest="audit_command", metavar=h("mv_subcommand"), required=True)
    audit_sub.add_parser("verify", help=h("cli_audit_verify"), description=h("cli_audit_verify"))
    a = audit_sub.add_parser("show", help=h("cli_audit_show"), description=h("cli_audit_show"))
    a.add_argument("--case", metavar=h("mv_ref"), help=h("cli_audit_case"))

    p = sub.add_parser("forms", help=h("cli_forms"), description=h("cli_forms"))
    forms_sub = p.add_subparsers(dest="forms_command", metavar=h("mv_subcommand"), required=True)
    v = forms_sub.add_parser("validate", help=h("cli_forms_validate"), description=h("cli_forms_validate"))
    v.add_argument("file", metavar=h("mv_file"), help=h("cli_file"))
    v = forms_sub.add_parser("install", help=h("cli_forms_install"), description=h("cli_forms_install"))
    v.add_argument("file", metavar=h("mv_file"), help=h("cli_form_file"))
    forms_sub.add_parser("list", help=h("cli_forms_list"), description=h("cli_forms_list"))
    for name in ("show", "export"):
        v = forms_sub.add_parser(name, help=h(f"cli_forms_{name}"), description=h(f"cli_forms_{name}"))
        v.add_argument("id", metavar="ID", help=h("cli_form_id"))
        v.add_argument("--version", type=int, metavar="N", help=h("cli_form_version"))
        if name == "export":
            v.add_argument("--format", choices=("yaml", "xlsform"), default="yaml", help=h("cli_format"))
            v.add_argument("-o", "--output", metavar=h("mv_file"), help=h("cli_forms_export_output"))
    v = forms_sub.add_parser("default", help=h("cli_forms_default"), description=h("cli_forms_default"))
    v.add_argument("id", metavar="ID", help=h("cli_form_id"))

    p = sub.add_parser("db", help=h("cli_db"), description=h("cli_db"))
    db_sub = p.add_subparsers(dest="db_command", metavar=h("mv_subcommand"), required=True)
    db_sub.add_parser("init", help=h("cli_db_init"), description=h("cli_db_init"))
    db_sub.add_parser("upgrade", help=h("cli_db_upgrade"), description=h("cli_db_upgrade"))
    db_sub.add_parser("status", help=h("cli_db_status"), description=h("cli_db_status"))
    g = db_sub.add_parser("grant", help=h("cli_db_grant"), description=h("cli_db_grant"))
    g.add_argument("login", metavar=h("mv_login"), help=h("cli_login"))
    g.add_argument("--role", required=True, choices=("caseworker", "supervisor", "analyst", "admin"),
                   help=h("cli_db_role"))
    g.add_argument("--unit", required=True, metavar=h("mv_unit"), help=h("cli_db_unit"))
    g.add_argument("--name", metavar=h("mv_name"), help=h("cli_db_name"))
    m = db_sub.add_parser("import-workspace", help=h("cli_db_import"), description=h("cli_db_import"))
    m.add_argument("dir", metavar=h("mv_dir"), help=h("cli_db_dir"))
    u = db_sub.add_parser("unit", help=h("cli_db_unit_cmd"), description=h("cli_db_unit_cmd"))
    u.add_argument("unit", metavar=h("mv_unit"), help=h("cli_db_unit"))
    u.add_argument("--review", choices=("on", "off"), help=h("cli_db_review"))
    u.add_argument("--training", choices=("on", "off"), help=h("cli_db_training_flag"))
    u = db_sub.add_parser("training", help=h("cli_db_training"), description=h("cli_db_training"))
    u.add_argument("--unit", default="Övning", metavar=h("mv_unit"), help=h("cli_db_unit"))
    r = db_sub.add_parser("revoke", help=h("cli_db_revoke"), description=h("cli_db_revoke"))
    r.add_argument("login", metavar=h("mv_login"), help=h("cli_login"))
    r.add_argument("--unit", metavar=h("mv_unit"), help=h("cli_db_revoke_unit"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_lang_of(argv))
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
    from language import plural
    from storage.errors import StorageError
    from storage.paths import training_workspace_dir

    lang = args.lang or "sv"
    path = Path(args.workspace).expanduser() if args.workspace else training_workspace_dir()
    try:
        if args.reset:
            n = training.reset(path, lang)
            print(plural("training_restored", n, lang, path=path))
            return 0
        training.ensure(path, lang)
    except training.TrainingRefused as err:
        why = t("training_" + err.reason, lang, path=path, detail=err.detail)
        print(f"uppfoljning: {why}", file=sys.stderr)
        return 1
    except (StorageError, OSError) as err:
        print(f"uppfoljning: {t('error', lang)}: {describe(err, lang)}", file=sys.stderr)
        return 1
    from tui.app import run

    return run(path, args.lang)


def _run_app(args: argparse.Namespace) -> int:
    from pathlib import Path

    from storage.paths import default_workspace_dir, training_workspace_dir
    from tui.app import run

    if args.database:
        from casework.shared import open_database
        from storage.errors import StorageError

        lang = args.lang or "sv"
        try:  # before the app starts: a refusal is one line on the terminal, not a screen
            opened = open_database(args.database)
        except StorageError as err:
            print(f"uppfoljning: {t('error', lang)}: {describe(err, lang)}", file=sys.stderr)
            return 1
        return run(None, args.lang, opened=opened)

    path = Path(args.workspace).expanduser() if args.workspace else default_workspace_dir()
    return run(path, args.lang, training_path=training_workspace_dir())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
