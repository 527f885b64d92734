"""The case-file format (shared/standard-form.md): parse and validate as a whole, and write back."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from forms.conditions import describe
from forms.loader import FormError, bundled_form
from forms.schema import DateQuestion, FormDefinition
from interview.case import Client, Plan
from interview.coerce import parse_date
from interview.engine import Interview
from interview.errors import AnswerError, ProblemsError
from interview.followup import Addendum, FollowUp
from interview.messages import msg, validation_lines

MAX_FILE_BYTES = 2_000_000  # a follow-up is a few kB; anything far larger is a mistake or an attack
TOP_KEYS = ("training", "form", "form_version", "client", "plan", "followup")
FOLLOWUP_KEYS = (
    "id", "caseworker", "status", "answers", "goals", "answered_at",
    "created_at", "updated_at", "finalized_at", "finalized_by", "addenda", "acknowledged_hints",
)  # fmt: skip

FormLookup = Callable[[str, int], FormDefinition]


@dataclass
class CaseFile:
    """A validated case file: the client, the plan and the follow-up (its case_id not yet set)."""

    client: Client
    plan: Plan
    followup: FollowUp
    form: FormDefinition
    training: bool = False  # exported from a training workspace: fictitious, never a real record


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases, which is how a 'YAML bomb' multiplies itself."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(f"line {event.start_mark.line + 1}: aliases (*name) are not allowed")
        return super().compose_node(parent, index)


def load_text(text: str, *, json_format: bool | None = None) -> Any:
    """Parse YAML (or JSON, which YAML would also read, but slower) into plain data."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ProblemsError([f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB"])
    if "\x00" in text:
        raise ProblemsError(["the file contains NUL bytes; it is not a text case file"])
    if json_format is None:
        json_format = text.lstrip().startswith("{")
    try:
        if json_format:
            return json.loads(text)
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as err:
        raise ProblemsError([f"line {err.lineno}: not valid JSON ({err.msg})"]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ProblemsError([f"{where}not valid YAML ({problem})"]) from None
    except RecursionError:
        raise ProblemsError(["the file is nested too deeply"]) from None


def _mapping(value: Any, path: str, lang: str, problems: list[str]) -> dict[Any, Any] | None:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{path}: {msg('not_a_mapping', lang)}")
        return None
    return value


def _unknown_keys(data: dict[Any, Any], allowed: tuple[str, ...], path: str, lang: str) -> list[str]:
    return [
        f"{path}{k}: {msg('unknown_key', lang)}" for k in data if not isinstance(k, str) or k not in allowed
    ]


def _validated(model: Any, data: Any, path: str, lang: str, problems: list[str]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems.extend(validation_lines(err, lang, path))
        return None


_ADDENDA = TypeAdapter(list[Addendum])
_STAMPS = TypeAdapter(dict[str, datetime])
_STAMP = TypeAdapter(datetime)
_KEYS = TypeAdapter(list[str])


def parse_casefile(
    data: Any,
    *,
    lang: str = "sv",
    today: date | None = None,
    forms: FormLookup = bundled_form,
) -> CaseFile:
    """Validate a whole case file against its form; raise ProblemsError listing every problem."""
    problems: list[str] = []
    if data is None:
        raise ProblemsError([msg("empty_file", lang)])
    top = _mapping(data, "file", lang, problems)
    if top is None:
        raise ProblemsError(problems)
    problems += _unknown_keys(top, TOP_KEYS, "", lang)
    training = top.get("training", False)
    if not isinstance(training, bool):
        problems.append(f"training: {msg('true_or_false', lang)}")
    form: FormDefinition | None = None
    form_id, version = top.get("form"), top.get("form_version")
    if form_id is None or version is None:
        for key in ("form", "form_version"):
            if top.get(key) is None:
                problems.append(f"{key}: {msg('missing', lang)}")
    else:
        try:
            form = forms(str(form_id), int(version))
        except (FormError, ValueError, TypeError):
            problems.append(f"form: {msg('form_unknown', lang, form=form_id, version=version)}")
    client = _validated(Client, top.get("client"), "client", lang, problems)
    plan = _validated(Plan, top.get("plan"), "plan", lang, problems)
    fu = _mapping(top.get("followup"), "followup", lang, problems)
    if fu is None or form is None or plan is None:
        raise ProblemsError(problems or [f"followup: {msg('missing', lang)}"])
    problems += _unknown_keys(fu, FOLLOWUP_KEYS, "followup.", lang)

    status = fu.get("status")
    partial = status == "draft"
    if status not in (None, "draft", "final"):
        problems.append(f"followup.status: {msg('status_code', lang)}")
    failed: set[str] = set()
    answers, goal_answers = _coerce_answers(fu, form, plan, lang, today, problems, failed)
    interview = Interview(form, plan, answers, goal_answers, today=today, lang=lang)
    for key in interview.stale_keys():
        step = interview.step(key)
        path = f"followup.{'answers.' + key if step.goal is None else key}"
        why = describe(step.question.when)
        problems.append(f"{path}: {msg('not_applicable', lang, why=why)}")
    if not partial:
        for step in interview.missing_required():
            if step.key in failed:
                continue  # its value was already reported as invalid
            path = f"followup.{'answers.' + step.key if step.goal is None else step.key}"
            problems.append(f"{path}: {msg('required', lang)}")

    extra: dict[str, Any] = {}
    for key, adapter in (
        ("answered_at", _STAMPS),
        ("created_at", _STAMP),
        ("updated_at", _STAMP),
        ("finalized_at", _STAMP),
        ("addenda", _ADDENDA),
        ("acknowledged_hints", _KEYS),
    ):
        if fu.get(key) is not None:
            try:
                extra[key] = adapter.validate_python(fu[key])
            except ValidationError as err:
                problems.extend(validation_lines(err, lang, f"followup.{key}"))
                continue
            problems += _stamp_problems(key, extra[key], lang)
    for key in ("id", "caseworker", "finalized_by"):
        if fu.get(key) is not None:
            if not isinstance(fu[key], str) or not fu[key].strip() or len(fu[key]) > 200:
                problems.append(f"followup.{key}: {msg('not_text', lang)}")
            else:
                extra[key] = fu[key].strip()
    if status == "final" and not (extra.get("finalized_at") and extra.get("finalized_by")):
        problems.append(f"followup.finalized_by: {msg('missing', lang)}")
    if problems or client is None:
        raise ProblemsError(problems)
    extra.setdefault("caseworker", client.caseworker)
    followup = FollowUp(
        case_id="",
        form=form.id,
        form_version=form.version,
        status=status or "draft",
        plan=plan,
        answers=answers,
        goals=goal_answers,
        **extra,
    )
    return CaseFile(client, plan, followup, form, training is True)


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def _stamp_problems(key: str, value: Any, lang: str) -> list[str]:
    """Every time must say its zone (a stored naive time cannot be compared with the others, which
    once made every later command fail) and lie between 1900 and now."""
    if key == "addenda":
        stamps = {f"[{i}].date": a.date for i, a in enumerate(value)}
    elif key == "answered_at":
        stamps = {f".{k}": v for k, v in value.items()}
    elif key in ("created_at", "updated_at", "finalized_at"):
        stamps = {"": value}
    else:
        return []
    latest = datetime.now(UTC) + timedelta(days=1)  # a day's grace for clocks and zones
    problems = []
    for where, stamp in stamps.items():
        if stamp.tzinfo is None or stamp.utcoffset() is None:
            problems.append(f"followup.{key}{where}: {msg('stamp_zone', lang, value=stamp.isoformat())}")
        elif not EARLIEST <= stamp <= latest:
            problems.append(f"followup.{key}{where}: {msg('date_range', lang, value=stamp.isoformat())}")
    return problems


def _coerce_answers(
    fu: dict[Any, Any],
    form: FormDefinition,
    plan: Plan,
    lang: str,
    today: date | None,
    problems: list[str],
    failed: set[str],
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    raw_answers = _mapping(fu.get("answers"), "followup.answers", lang, problems) or {}
    raw_goals = _mapping(fu.get("goals"), "followup.goals", lang, problems) or {}
    top_ids = {q.id for s in form.sections if not s.per_goal for q in s.questions}
    goal_ids = {q.id for s in form.sections if s.per_goal for q in s.questions}
    for key in raw_answers:
        if key not in top_ids:
            problems.append(
                f"followup.answers.{key}: {msg('unknown_question', lang, form=form.id)}"
            )
    known_goals = {g.id for g in plan.goals}
    for gid, inner in raw_goals.items():
        if gid not in known_goals:
            problems.append(f"followup.goals.{gid}: {msg('unknown_goal', lang, goal=gid)}")
        elif isinstance(inner, dict):
            for key in inner:
                if key not in goal_ids:
                    problems.append(
                        f"followup.goals.{gid}.{key}: "
                        f"{msg('unknown_question', lang, form=form.id)}"
                    )
        elif inner is not None:
            problems.append(f"followup.goals.{gid}: {msg('not_a_mapping', lang)}")

    # Coerce in the form's order, so a rule like "after meeting_date" sees the earlier answer.
    interview = Interview(form, plan, {}, {}, today=today, lang=lang)
    answers: dict[str, Any] = {}
    goal_answers: dict[str, dict[str, Any]] = {}
    for step in interview.steps:
        if step.goal is None:
            source: dict[Any, Any] = raw_answers
            path = f"followup.answers.{step.question.id}"
        else:
            inner = raw_goals.get(step.goal.id)
            source = inner if isinstance(inner, dict) else {}
            path = f"followup.{step.key}"
        if step.question.id not in source:
            continue
        probe = Interview(form, plan, answers, goal_answers, today=today, lang=lang)
        try:
            value = probe.coerce(step, source[step.question.id])
        except AnswerError as err:
            problems.append(f"{path}: {err}")
            failed.add(step.key)
            continue
        if step.goal is None:
            answers[step.question.id] = value
        else:
            goal_answers.setdefault(step.goal.id, {})[step.question.id] = value
    return answers, goal_answers


def dump_casefile(
    client: Client, followup: FollowUp, form: FormDefinition, *, as_json: bool
) -> dict[str, Any]:
    """The follow-up in the case-file format: only what was asked, so it imports as written."""
    interview = Interview(form, followup.plan, followup.answers, followup.goals)
    answers, goals = interview.final_answers()
    kept = {s.key for s in interview.applicable_steps() if interview.has(s)}
    if not as_json:
        # Dates as YAML dates (unquoted) so the file reads as a person would write it.
        for qid, value in answers.items():
            if isinstance(form.question(qid), DateQuestion) and value is not None:
                answers[qid] = parse_date(value)
    fu: dict[str, Any] = {
        "id": followup.id,
        "caseworker": followup.caseworker,
        "status": followup.status,
        "answers": answers,
        "goals": goals,
        "answered_at": {k: v for k, v in followup.answered_at.items() if k in kept},
        "created_at": followup.created_at,
        "updated_at": followup.updated_at,
    }
    if followup.finalized_at is not None:
        fu["finalized_at"] = followup.finalized_at
        fu["finalized_by"] = followup.finalized_by
    if followup.addenda:
        fu["addenda"] = [a.model_dump(exclude_none=True) for a in followup.addenda]
    if followup.acknowledged_hints:
        fu["acknowledged_hints"] = list(followup.acknowledged_hints)
    data = {
        "form": followup.form,
        "form_version": followup.form_version,
        "client": client.model_dump(exclude_none=True),
        "plan": _plan_data(followup.plan),
        "followup": fu,
    }
    if as_json:
        parsed: dict[str, Any] = json.loads(json.dumps(data, default=_json_default))
        return parsed
    return data


def _plan_data(plan: Plan) -> dict[str, Any]:
    data = plan.model_dump(exclude_none=True)
    for goal in data["goals"]:
        if goal.get("weight") == 1.0:
            del goal["weight"]  # the default; only GAS goals carry a weight
    return data


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def to_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
