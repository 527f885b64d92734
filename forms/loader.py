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

STANDARD_FORM_ID = "standard-uppfoljning"
MAX_FORM_BYTES = 1_000_000  # the standard form is 40 kB
MAX_FORM_DEPTH = 40  # conditions nest; the standard form needs 12 levels
FORM_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}")
MAX_VERSION = 999


class FormError(Exception):
    """A form definition that cannot be used; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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


def _check(form: FormDefinition) -> list[str]:
    problems: list[str] = []
    seen_sections: set[str] = set()
    earlier: dict[str, tuple[str, Question, bool]] = {}  # id -> (section id, question, per_goal)
    for si, section in enumerate(form.sections):
        spath = f"sections[{si}]"
        if section.id in seen_sections:
            problems.append(f"{spath}.id: section id '{section.id}' is used twice")
        seen_sections.add(section.id)
        for qi, q in enumerate(section.questions):
            qpath = f"{spath}.questions[{qi}]"
            if q.id in earlier:
                problems.append(f"{qpath}.id: question id '{q.id}' is used twice")
            conditions = [("when", q.when)]
            if not isinstance(q.required, bool):
                conditions.append(("required", q.required))
            for key, cond in conditions:
                for ref in referenced_questions(cond):
                    problems.extend(_check_ref(f"{qpath}.{key}", ref, earlier, section.id))
                for ref, value in compared_values(cond):
                    problems.extend(_check_value(f"{qpath}.{key}", ref, value, earlier))
                if uses_goal(cond) and not section.per_goal:
                    problems.append(f"{qpath}.{key}: goal_scaled is only valid in a per-goal section")
                problems.extend(_check_numbers(f"{qpath}.{key}", cond, earlier))
            if q.constraint is not None:
                problems.extend(_check_constraint(f"{qpath}.constraint", q, earlier))
            elif q.constraint_message is not None:
                problems.append(f"{qpath}.constraint_message: there is no constraint")
            if isinstance(q, LevelQuestion) and not section.per_goal:
                problems.append(f"{qpath}.type: a level question belongs in a per-goal section")
            if isinstance(q, ChoiceQuestion | MultiQuestion):
                codes = [c.code for c in q.choices]
                for dup in sorted({c for c in codes if codes.count(c) > 1}):
                    problems.append(f"{qpath}.choices: code '{dup}' is used twice")
                if isinstance(q, ChoiceQuestion) and any(c.exclusive for c in q.choices):
                    problems.append(f"{qpath}.choices: 'exclusive' only applies to multi questions")
                if isinstance(q, MultiQuestion) and q.min_selected > len(q.choices):
                    problems.append(f"{qpath}.min_selected: more than there are choices")
            if isinstance(q, DateQuestion) and q.after is not None:
                target = earlier.get(q.after)
                if target is None:
                    problems.append(f"{qpath}.after: '{q.after}' is not an earlier question")
                elif not isinstance(target[1], DateQuestion):
                    problems.append(f"{qpath}.after: '{q.after}' is not a date question")
            earlier[q.id] = (section.id, q, section.per_goal)
    if any(isinstance(q, LevelQuestion) for _, q in form.questions()):
        for code in ("icf", "gas"):
            if form.scale(code) is None:
                problems.append(f"scales: the '{code}' scale's words are missing")
    return problems


def _check_numbers(path: str, cond: Any, earlier: dict[str, tuple[str, Question, bool]]) -> list[str]:
    return [f"{path}: '{ref}' is not a number question; compare numbers only"
            for ref in compared_numbers(cond)
            if ref in earlier and not isinstance(earlier[ref][1], NumberQuestion)]


def _check_constraint(path: str, q: Question, earlier: dict[str, tuple[str, Question, bool]]) -> list[str]:
    """A constraint reads the answer being given (its own id) and earlier questions asked once; it is
    checked as the answer is given, when no other goal's answers are at hand."""
    own = {**earlier, q.id: ("", q, False)}
    problems: list[str] = []
    for ref in referenced_questions(q.constraint):
        if ref not in own:
            problems.append(f"{path}: '{ref}' is not an earlier question")
        elif ref != q.id and own[ref][2]:
            problems.append(f"{path}: '{ref}' is a per-goal question; a constraint reads its own answer "
                            "and questions asked once")
    for ref, value in compared_values(q.constraint):
        problems.extend(_check_value(path, ref, value, own))
    problems.extend(_check_numbers(path, q.constraint, own))
    if uses_goal(q.constraint):
        problems.append(f"{path}: goal_scaled cannot be part of a constraint")
    return problems


def _check_ref(
    path: str, ref: str, earlier: dict[str, tuple[str, Question, bool]], section_id: str
) -> list[str]:
    if ref not in earlier:
        return [f"{path}: '{ref}' is not an earlier question"]
    ref_section, _, ref_per_goal = earlier[ref]
    if ref_per_goal and ref_section != section_id:
        return [f"{path}: '{ref}' is a per-goal question of another section"]
    return []


def _check_value(
    path: str, ref: str, value: Any, earlier: dict[str, tuple[str, Question, bool]]
) -> list[str]:
    if ref not in earlier:
        return []  # already reported by _check_ref
    q = earlier[ref][1]
    if isinstance(q, ChoiceQuestion | MultiQuestion):
        codes = {c.code for c in q.choices}
        if value not in codes:
            return [f"{path}: {value!r} is not a code of '{ref}' ({', '.join(sorted(codes))})"]
    elif isinstance(q, BoolQuestion) and not isinstance(value, bool):
        return [f"{path}: '{ref}' is a yes/no question; compare with true or false"]
    return []


def parse_form(data: Any) -> FormDefinition:
    """Validate parsed YAML as a form; raise FormError listing every problem."""
    if not isinstance(data, dict):
        raise FormError(["a form definition is a mapping with id, version, title and sections"])
    try:
        form = FormDefinition.model_validate(data)
    except ValidationError as err:
        raise FormError(validation_problems(err)) from None
    problems = _check(form)
    if problems:
        raise FormError(problems)
    return form


def load_form_text(text: str) -> FormDefinition:
    """Parse and check a form with its size, its nesting and its size once YAML aliases expand bounded,
    so a few hostile bytes can neither run for minutes nor fill the memory (the standard form
    itself uses one alias, so forms made from it may too)."""
    if len(text) > MAX_FORM_BYTES:
        raise FormError([f"the file is larger than {MAX_FORM_BYTES // 1_000_000} MB"])
    try:
        data = safeyaml.load(text, max_depth=MAX_FORM_DEPTH, aliases=True)
    except safeyaml.YamlProblem as err:
        raise FormError([str(err)]) from None
    return parse_form(data)


def load_form_file(path: Path) -> FormDefinition:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise FormError([f"{path}: cannot be read ({err.__class__.__name__})"]) from None
    return load_form_text(text)


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
