"""Loads a form definition from YAML and checks it as a whole, reporting every problem with its path."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from forms import safeyaml
from forms.conditions import compared_numbers, compared_values, referenced_questions, uses_goal
from forms.schema import (
    BoolQuestion,
    ChoiceQuestion,
    DateQuestion,
    FormDefinition,
    LevelQuestion,
    MultiQuestion,
    NumberQuestion,
    Question,
)
from language import text

STANDARD_FORM_ID = "standard-uppfoljning"
MAX_FORM_BYTES = 1_000_000  # the standard form is 40 kB
MAX_FORM_DEPTH = 40  # conditions nest; the standard form needs 12 levels
FORM_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}")
MAX_VERSION = 999


class FormError(Exception):
    """A form definition that cannot be used; `problems` holds one line per problem."""

    def __init__(self, problems: list[str], validation: ValidationError | None = None) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.validation = validation  # pydantic's errors, for a front end to say in the user's language


def format_loc(loc: Iterable[int | str]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts)


def validation_problems(err: ValidationError, prefix: str = "") -> list[str]:
    """One line per pydantic error: `path: message`."""
    lines: list[str] = []
    for e in err.errors():
        loc = format_loc(e["loc"])
        path = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"{path}: {msg}" if path else msg)
    return lines


def _p(path: str, key: str, lang: str, **kwargs: Any) -> str:
    """One problem of a form, at its path, in the form author's language."""
    return f"{path}: {text(key, lang, 'form', **kwargs)}"


def _check(form: FormDefinition, lang: str) -> list[str]:
    problems: list[str] = []
    seen_sections: set[str] = set()
    earlier: dict[str, tuple[str, Question, bool]] = {}  # id -> (section id, question, per_goal)
    for si, section in enumerate(form.sections):
        spath = f"sections[{si}]"
        if section.id in seen_sections:
            problems.append(_p(f"{spath}.id", "form_section_twice", lang, id=section.id))
        seen_sections.add(section.id)
        for qi, q in enumerate(section.questions):
            qpath = f"{spath}.questions[{qi}]"
            if q.id in earlier:
                problems.append(_p(f"{qpath}.id", "form_question_twice", lang, id=q.id))
            conditions = [("when", q.when)]
            if not isinstance(q.required, bool):
                conditions.append(("required", q.required))
            for key, cond in conditions:
                for ref in referenced_questions(cond):
                    problems.extend(_check_ref(f"{qpath}.{key}", ref, earlier, section.id, lang))
                for ref, value in compared_values(cond):
                    problems.extend(_check_value(f"{qpath}.{key}", ref, value, earlier, lang))
                if uses_goal(cond) and not section.per_goal:
                    problems.append(_p(f"{qpath}.{key}", "form_goal_scaled_section", lang))
                problems.extend(_check_numbers(f"{qpath}.{key}", cond, earlier, lang))
            if q.constraint is not None:
                problems.extend(_check_constraint(f"{qpath}.constraint", q, earlier, lang))
            elif q.constraint_message is not None:
                problems.append(_p(f"{qpath}.constraint_message", "form_no_constraint", lang))
            if isinstance(q, LevelQuestion) and not section.per_goal:
                problems.append(_p(f"{qpath}.type", "form_level_per_goal", lang))
            if isinstance(q, ChoiceQuestion | MultiQuestion):
                codes = [c.code for c in q.choices]
                for dup in sorted({c for c in codes if codes.count(c) > 1}):
                    problems.append(_p(f"{qpath}.choices", "form_code_twice", lang, code=dup))
                if isinstance(q, ChoiceQuestion) and any(c.exclusive for c in q.choices):
                    problems.append(_p(f"{qpath}.choices", "form_exclusive_multi", lang))
                if isinstance(q, MultiQuestion) and q.min_selected > len(q.choices):
                    problems.append(_p(f"{qpath}.min_selected", "form_min_selected", lang))
            if isinstance(q, DateQuestion) and q.after is not None:
                target = earlier.get(q.after)
                if target is None:
                    problems.append(_p(f"{qpath}.after", "form_not_earlier", lang, ref=q.after))
                elif not isinstance(target[1], DateQuestion):
                    problems.append(_p(f"{qpath}.after", "form_not_date", lang, ref=q.after))
            earlier[q.id] = (section.id, q, section.per_goal)
    problems.extend(_check_hints(form, earlier, lang))
    if any(isinstance(q, LevelQuestion) for _, q in form.questions()):
        for code in ("icf", "gas"):
            if form.scale(code) is None:
                problems.append(_p("scales", "form_scale_words", lang, code=code))
    return problems


def _check_hints(form: FormDefinition, questions: dict[str, tuple[str, Question, bool]],
                 lang: str) -> list[str]:
    """A declared hint reads any question of the form (it is checked over the answers given so far);
    per-goal questions of one section only, since it is then checked goal by goal."""
    problems: list[str] = []
    seen: set[str] = set()
    for hi, hint in enumerate(form.hints):
        path = f"hints[{hi}]"
        if hint.id in seen:
            problems.append(_p(f"{path}.id", "form_hint_twice", lang, id=hint.id))
        seen.add(hint.id)
        goal_sections = set()
        for ref in referenced_questions(hint.when):
            if ref not in questions:
                problems.append(_p(f"{path}.when", "form_hint_unknown", lang, ref=ref))
            elif questions[ref][2]:
                goal_sections.add(questions[ref][0])
        if len(goal_sections) > 1:
            problems.append(_p(f"{path}.when", "form_hint_goal_sections", lang))
        for ref, value in compared_values(hint.when):
            problems.extend(_check_value(f"{path}.when", ref, value, questions, lang))
        if uses_goal(hint.when) and not goal_sections:
            problems.append(_p(f"{path}.when", "form_goal_scaled_section", lang))
        problems.extend(_check_numbers(f"{path}.when", hint.when, questions, lang))
    return problems


def _check_numbers(path: str, cond: Any, earlier: dict[str, tuple[str, Question, bool]],
                   lang: str) -> list[str]:
    return [_p(path, "form_not_number", lang, ref=ref)
            for ref in compared_numbers(cond)
            if ref in earlier and not isinstance(earlier[ref][1], NumberQuestion)]


def _check_constraint(path: str, q: Question, earlier: dict[str, tuple[str, Question, bool]],
                      lang: str) -> list[str]:
    """A constraint reads the answer being given (its own id) and earlier questions asked once; it is
    checked as the answer is given, when no other goal's answers are at hand."""
    own = {**earlier, q.id: ("", q, False)}
    problems: list[str] = []
    for ref in referenced_questions(q.constraint):
        if ref not in own:
            problems.append(_p(path, "form_not_earlier", lang, ref=ref))
        elif ref != q.id and own[ref][2]:
            problems.append(_p(path, "form_constraint_per_goal", lang, ref=ref))
    for ref, value in compared_values(q.constraint):
        problems.extend(_check_value(path, ref, value, own, lang))
    problems.extend(_check_numbers(path, q.constraint, own, lang))
    if uses_goal(q.constraint):
        problems.append(_p(path, "form_goal_scaled_constraint", lang))
    return problems


def _check_ref(
    path: str, ref: str, earlier: dict[str, tuple[str, Question, bool]], section_id: str, lang: str
) -> list[str]:
    if ref not in earlier:
        return [_p(path, "form_not_earlier", lang, ref=ref)]
    ref_section, _, ref_per_goal = earlier[ref]
    if ref_per_goal and ref_section != section_id:
        return [_p(path, "form_other_section", lang, ref=ref)]
    return []


def _check_value(
    path: str, ref: str, value: Any, earlier: dict[str, tuple[str, Question, bool]], lang: str
) -> list[str]:
    if ref not in earlier:
        return []  # already reported by _check_ref
    q = earlier[ref][1]
    if isinstance(q, ChoiceQuestion | MultiQuestion):
        codes = {c.code for c in q.choices}
        if value not in codes:
            listed = ", ".join(sorted(codes))
            return [_p(path, "form_not_code", lang, value=repr(value), ref=ref, codes=listed)]
    elif isinstance(q, BoolQuestion) and not isinstance(value, bool):
        return [_p(path, "form_yes_no", lang, ref=ref)]
    return []


def parse_form(data: Any, lang: str = "en") -> FormDefinition:
    """Validate parsed YAML as a form; raise FormError listing every problem (in `lang`: a form's
    author reads them)."""
    if not isinstance(data, dict):
        raise FormError([text("form_not_mapping", lang, "form")])
    try:
        form = FormDefinition.model_validate(data)
    except ValidationError as err:
        raise FormError(validation_problems(err), err) from None
    problems = _check(form, lang)
    if problems:
        raise FormError(problems)
    return form


def load_form_text(source: str, lang: str = "en") -> FormDefinition:
    """Parse and check a form with its size, its nesting and its size once YAML aliases expand bounded,
    so a few hostile bytes can neither run for minutes nor fill the memory (the standard form
    itself uses one alias, so forms made from it may too)."""
    if len(source) > MAX_FORM_BYTES:
        raise FormError([text("form_too_large", lang, "form", mb=MAX_FORM_BYTES // 1_000_000)])
    try:
        data = safeyaml.load(source, max_depth=MAX_FORM_DEPTH, aliases=True)
    except safeyaml.YamlProblem as err:
        raise FormError([str(err)]) from None
    return parse_form(data, lang)


def load_form_file(path: Path, lang: str = "en") -> FormDefinition:
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise FormError([_p(str(path), "form_unreadable", lang, why=err.__class__.__name__)]) from None
    return load_form_text(content, lang)


@lru_cache(maxsize=1)
def installed_forms() -> frozenset[tuple[str, int]]:
    """(id, version) of every form shipped with the package: the only forms a case file can name."""
    found = set()
    for ref in resources.files("forms").joinpath("definitions").iterdir():
        m = re.fullmatch(r"([a-z][a-z0-9_-]{0,63})-v([1-9][0-9]{0,2})\.yaml", ref.name)
        if m is not None:
            found.add((m.group(1), int(m.group(2))))
    return frozenset(found)


def newest_version(form_id: str = STANDARD_FORM_ID) -> int:
    """The highest installed version of a form: the one new follow-ups are made with."""
    found = [v for f, v in installed_forms() if f == form_id]
    if not found:
        raise FormError([f"form {str(form_id)[:64]!r} is not installed"])
    return max(found)


def bundled_form(form_id: str = STANDARD_FORM_ID, version: int | None = None) -> FormDefinition:
    """A form shipped with the package, by id and version (follow-ups render with their own version);
    without a version, the newest installed one. Looked up among the installed forms, never built into
    a path: `../../x` or a list names none."""
    if version is None and isinstance(form_id, str):
        version = newest_version(form_id)
    if (
        not isinstance(form_id, str)
        or isinstance(version, bool)
        or not isinstance(version, int)
        or (form_id, version) not in installed_forms()
    ):
        raise FormError([f"form {str(form_id)[:64]!r} version {str(version)[:8]} is not installed"])
    return _installed(form_id, version)


@lru_cache(maxsize=8)
def _installed(form_id: str, version: int) -> FormDefinition:
    ref = resources.files("forms").joinpath("definitions", f"{form_id}-v{version}.yaml")
    return load_form_text(ref.read_text(encoding="utf-8"))
