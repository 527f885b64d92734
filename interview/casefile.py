"""The case-file format (shared/standard-form.md): parse and validate as a whole, and write back."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import yaml
from pydantic import Field, StringConstraints, TypeAdapter, ValidationError

from forms import safeyaml
from forms.conditions import describe
from forms.loader import FormError, bundled_form
from forms.schema import DateQuestion, FormDefinition
from interview.case import MAX_GOALS, MAX_INTERVENTIONS, Client, Plan, valid_id
from interview.coerce import parse_date
from interview.engine import Interview, coerce_in_order
from interview.errors import ProblemsError
from interview.followup import Addendum, FollowUp, split_key
from interview.messages import msg, validation_lines
from interview.textcheck import find_control

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


MAX_DEPTH = 12  # a case file nests six levels; deeper is not a case file


def load_text(text: str, *, json_format: bool | None = None) -> Any:
    """Parse YAML (or JSON, which YAML would also read, but slower) into plain data: no YAML aliases
    (a 'YAML bomb'), no impossible dates or 5,000-digit numbers, bounded nesting; one line each."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ProblemsError([f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB"])
    if "\x00" in text:
        raise ProblemsError(["the file contains NUL bytes; it is not a text case file"])
    if json_format is None:
        json_format = text.lstrip().startswith("{")
    try:
        data = json.loads(text) if json_format else safeyaml.load(text, max_depth=MAX_DEPTH)
    except json.JSONDecodeError as err:
        raise ProblemsError([f"line {err.lineno}: not valid JSON ({err.msg})"]) from None
    except ValueError:  # Python refuses to read an integer of more than 4,300 digits
        raise ProblemsError(["not valid JSON (a number has too many digits)"]) from None
    except safeyaml.YamlProblem as err:
        raise ProblemsError([str(err)]) from None
    except RecursionError:
        raise ProblemsError(["the file is nested too deeply"]) from None
    deep = safeyaml.depth_problem(data, MAX_DEPTH)
    if deep is not None:
        raise ProblemsError([deep])
    return data


def _mapping(value: Any, path: str, lang: str, problems: list[str]) -> dict[Any, Any] | None:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{path}: {msg('not_a_mapping', lang)}")
        return None
    return value


def _unknown_keys(data: dict[Any, Any], allowed: tuple[str, ...], path: str, lang: str) -> list[str]:
    return [
        f"{path}{_short(k)}: {msg('unknown_key', lang)}"
        for k in data
        if not isinstance(k, str) or k not in allowed
    ]


def _validated(model: Any, data: Any, path: str, lang: str, problems: list[str]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems.extend(validation_lines(err, lang, path))
        return None


_ADDENDA = TypeAdapter(Annotated[list[Addendum], Field(max_length=100)])
_STAMPS = TypeAdapter(dict[str, datetime])
_STAMP = TypeAdapter(datetime)
_HINT_KEY = StringConstraints(pattern=r"^[a-z_]{1,64}(:[A-Za-z0-9_-]{1,32})?$")
_KEYS = TypeAdapter(Annotated[list[Annotated[str, _HINT_KEY]], Field(max_length=100)])


def parse_casefile(
    data: Any,
    *,
    lang: str = "sv",
    today: date | None = None,
    forms: FormLookup = bundled_form,
) -> CaseFile:
    """Validate a whole case file against its form; raise ProblemsError listing every problem.

    Every string is checked for control characters and line breaks, every number for its size, the
    ids against one pattern and the plan's size before the expensive work starts."""
    problems: list[str] = []
    if data is None:
        raise ProblemsError([msg("empty_file", lang)])
    top = _mapping(data, "file", lang, problems)
    if top is None:
        raise ProblemsError(problems)
    raw_problems = _raw_problems(top, lang)
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
            if not isinstance(form_id, str) or type(version) is not int:
                raise FormError([])
            form = forms(form_id, version)  # among the installed forms only, never a path
        except FormError:
            unknown = msg("form_unknown", lang, form=_short(form_id), version=_short(version))
            problems.append(f"form: {unknown}")
    client = _validated(Client, top.get("client"), "client", lang, problems)
    plan = None
    raw_plan = top.get("plan")
    size = _plan_size_problems(raw_plan, lang)  # before validating thousands of goals
    if size:
        problems += size
    else:
        plan = _validated(Plan, raw_plan, "plan", lang, problems)
    fu = _mapping(top.get("followup"), "followup", lang, problems)
    if fu is None or form is None or plan is None:
        raise ProblemsError(_merged(problems or [f"followup: {msg('missing', lang)}"], raw_problems))
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
    if "answered_at" in extra:
        known = {s.key for s in interview.steps}
        for key in extra["answered_at"]:
            if key not in known:
                text = msg("unknown_question", lang, form=form.id)
                problems.append(f"followup.answered_at.{_short(key)}: {text}")
    fid = fu.get("id")
    if fid is not None:
        if not isinstance(fid, str) or not valid_id(fid.strip()):
            problems.append(f"followup.id: {msg('bad_id', lang)}")
        else:
            extra["id"] = fid.strip()
    for key in ("caseworker", "finalized_by"):
        if fu.get(key) is not None:
            value = fu[key]
            if not isinstance(value, str) or not value.strip() or len(value) > 200:
                problems.append(f"followup.{key}: {msg('not_text', lang)}")
            else:
                extra[key] = value.strip()
    if status == "final" and not (extra.get("finalized_at") and extra.get("finalized_by")):
        problems.append(f"followup.finalized_by: {msg('missing', lang)}")
    problems = _merged(problems, raw_problems)
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


MAX_PROBLEMS = 50  # a file with 10,000 bad goals needs the first few lines, not 10,000
# Where a text may span lines: answers, and the reason and text of an addendum. Everywhere else (ids,
# names, codes, the caseworker) a line break would forge a line in a listing or a log.
_MULTILINE = re.compile(
    r"followup\.(answers|goals)\..*|followup\.addenda\[\d+\]\.(reason|text)|plan\.goals\[\d+\]\.text"
)
MAX_NUMBER = 10**15


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _raw_problems(top: dict[Any, Any], lang: str) -> list[str]:
    """Every string (key or value) with a control character, or a line break outside a text, and
    every number beyond any field's range, by path; walked without recursion."""
    out: list[str] = []
    stack: list[tuple[Any, str]] = [(top, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                shown = _short(key)
                sub = f"{path}.{shown}" if path else shown
                if isinstance(key, str):
                    out += _text_problem(key, sub, lang, multiline=False)
                stack.append((value, sub))
        elif isinstance(node, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node))
        elif isinstance(node, str):
            out += _text_problem(node, path, lang, multiline=bool(_MULTILINE.fullmatch(path)))
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > MAX_NUMBER:
            out.append(f"{path}: {msg('number_range', lang)}")
    return out


def _text_problem(text: str, path: str, lang: str, *, multiline: bool) -> list[str]:
    pos = find_control(text)
    if pos is None and not multiline:
        pos = next((i for i, ch in enumerate(text) if ch in "\r\n\t\u2028\u2029"), None)
    if pos is None:
        return []
    return [f"{path}: {msg('text_control', lang, char=f'U+{ord(text[pos]):04X}', pos=pos + 1)}"]


def _merged(problems: list[str], raw: list[str]) -> list[str]:
    """The checks' problems, then the raw walk's for paths no check named; at most MAX_PROBLEMS."""
    named = {line.split(": ", 1)[0] for line in problems}
    out = problems + [line for line in raw if line.split(": ", 1)[0] not in named]
    if len(out) > MAX_PROBLEMS:
        out = [*out[:MAX_PROBLEMS], f"… {len(out) - MAX_PROBLEMS} more"]
    return out


def _plan_size_problems(raw: Any, lang: str) -> list[str]:
    if not isinstance(raw, dict):
        return []
    out = []
    for key, limit in (("goals", MAX_GOALS), ("interventions", MAX_INTERVENTIONS)):
        items = raw.get(key)
        if isinstance(items, list) and len(items) > limit:
            out.append(f"plan.{key}: {msg('too_many', lang, n=len(items), max=limit)}")
    return out


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
                f"followup.answers.{_short(key)}: {msg('unknown_question', lang, form=form.id)}"
            )
    known_goals = {g.id for g in plan.goals}
    for gid, inner in raw_goals.items():
        if gid not in known_goals:
            problems.append(f"followup.goals.{_short(gid)}: {msg('unknown_goal', lang, goal=_short(gid))}")
        elif isinstance(inner, dict):
            for key in inner:
                if key not in goal_ids:
                    problems.append(
                        f"followup.goals.{gid}.{_short(key)}: "
                        f"{msg('unknown_question', lang, form=form.id)}"
                    )
        elif inner is not None:
            problems.append(f"followup.goals.{gid}: {msg('not_a_mapping', lang)}")

    answers, goal_answers, wrong = coerce_in_order(
        form, plan, raw_answers, raw_goals, today=today, lang=lang
    )
    for key, text in wrong.items():
        qid, gid = split_key(key)
        path = f"followup.answers.{qid}" if gid is None else f"followup.{key}"
        problems.append(f"{path}: {text}")
        failed.add(key)
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
