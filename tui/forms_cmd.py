"""`uppfoljning forms …`: validate, install, list, show, export and choose the default form."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from forms.conditions import describe
from forms.loader import FormError, load_form_file
from forms.schema import ChoiceQuestion, FormDefinition, MultiQuestion
from forms.versions import Problem
from interview.messages import validation_lines
from language import plural
from storage.errors import NotFound
from tui.errors import UserError
from tui.text import t
from tui.visible import one_line


def _say(text: str, *, file: Any = None) -> None:
    print(one_line(text), file=file or sys.stdout)


def problem_lines(problems: list[Problem], lang: str) -> list[str]:
    return [t(p.key, lang, **p.args) for p in problems]


def read_form(path: Path, lang: str) -> FormDefinition:
    """A form from a YAML file or an XLSForm workbook; UserError naming every problem."""
    try:
        if path.suffix.lower() == ".xlsx":
            from forms.xlsform import load_xlsform

            return load_xlsform(path, lang)
        return load_form_file(path, lang)
    except FormError as err:
        problems = validation_lines(err.validation, lang) if err.validation is not None else err.problems
        raise UserError(*(f"{path}: {p}" for p in problems)) from None


def run(args: argparse.Namespace, lang_of: Any, repository: Any) -> int:
    """`lang_of(args, repo)` and `repository(args, writable=)` come from tui.commands."""
    command = args.forms_command
    if command == "validate":
        lang = lang_of(args, None)
        path = Path(args.file)
        form = read_form(path, lang)
        _say(plural("form_ok", len(form.questions()), lang, file=path, id=form.id, version=form.version))
        return 0
    if command == "install":
        try:
            form = read_form(Path(args.file), lang_of(args, None))
        except UserError as err:
            raise UserError(*err.lines, t("form_nothing_installed", lang_of(args, None))) from None
        with repository(args, writable=False) as repo:
            return _install(repo, form, lang_of(args, repo))
    if command == "default":
        with repository(args, writable=True) as repo:
            return _default(repo, args.id, lang_of(args, repo))
    with repository(args, writable=False) as repo:
        lang = lang_of(args, repo)
        if command == "list":
            return _list(repo, lang)
        form = _find(repo, args.id, args.version, lang)
        if command == "show":
            for line in show_lines(form, lang):
                _say(line)
            return 0
        return _export(form, args.format, args.output, lang)


def _install(repo: Any, form: FormDefinition, lang: str) -> int:
    from storage.forms_store import FormRefused

    try:
        written = repo.form_store().install(form)
    except FormRefused as err:
        raise UserError(*problem_lines(err.problems, lang), t("form_nothing_installed", lang)) from None
    key = "form_installed" if written else "form_already_installed"
    _say(t(key, lang, id=form.id, version=form.version, n=len(form.questions())))
    return 0


def _find(repo: Any, form_id: str, version: int | None, lang: str) -> FormDefinition:
    try:
        return repo.form(form_id, version)  # type: ignore[no-any-return]
    except NotFound:
        shown = f" v{version}" if version else ""
        raise UserError(t("form_unknown", lang, id=form_id, version=shown)) from None


def _default(repo: Any, form_id: str, lang: str) -> int:
    form = _find(repo, form_id, None, lang)
    repo.set_default_form(form.id)  # the workspace's setting, or the shared database's
    _say(t("form_default_set", lang, id=form.id, version=form.version))
    return 0


def _list(repo: Any, lang: str) -> int:
    store = repo.form_store()
    default = repo.default_form_id()
    for form_id, versions in store.versions().items():
        newest = repo.form(form_id, versions[-1])
        mark = f"  ({t('form_default_mark', lang)})" if form_id == default else ""
        shown = ", ".join(str(v) for v in versions)
        _say(f"{form_id}  v{shown}  {newest.title.get(lang)}{mark}")
    return 0


def show_lines(form: FormDefinition, lang: str) -> list[str]:
    lines = [f"{form.id} v{form.version}: {form.title.get(lang)}"]
    for section in form.sections:
        per_goal = f" ({t('form_per_goal', lang)})" if section.per_goal else ""
        lines.append(f"[{section.id}] {section.title.get(lang)}{per_goal}")
        for q in section.questions:
            extra = ""
            if isinstance(q, ChoiceQuestion | MultiQuestion):
                extra = " {" + ", ".join(c.code for c in q.choices) + "}"
            when = f"  {t('form_when', lang)} {describe(q.when)}" if q.when is not None else ""
            required = " *" if q.required is True else ""
            lines.append(f"  {q.id} ({q.type}){required}: {q.label.get(lang)}{extra}{when}")
    for h in form.hints:
        when = f"{t('form_when', lang)} {describe(h.when)}"
        lines.append(f"! {h.id} ({h.severity}) {when}: {h.message.get(lang)}")
    return lines


def export_yaml(form: FormDefinition) -> str:
    import yaml

    data = form.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data = {"id": form.id, "version": form.version, **data}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _export(form: FormDefinition, fmt: str, output: str | None, lang: str) -> int:
    if fmt == "xlsform":
        from forms.xlsform import to_xlsx

        content = to_xlsx(form, lang)
        if not output:
            raise UserError(t("form_xlsx_needs_file", lang))
    else:
        content = export_yaml(form).encode("utf-8")
    if output:
        from storage.atomic import atomic_write

        atomic_write(Path(output), content, mode=0o600)
        _say(t("written", lang, path=output), file=sys.stderr)
    else:
        from tui.visible import visible

        sys.stdout.write(visible(content.decode("utf-8")))
    return 0
