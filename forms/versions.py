"""Compares form versions: what differs between two contents of one version, and what a new version
may not change (a question's type or place, a code's meaning), each problem named by question label."""

from __future__ import annotations

import hashlib
import json
from typing import Any, NamedTuple

from forms.schema import Choice, ChoiceQuestion, FormDefinition, MultiQuestion, Question, Section


class Problem(NamedTuple):
    """One problem as a catalogue key and its arguments, so the caller says it in the user's language."""

    key: str
    args: dict[str, Any]


def canonical(form: FormDefinition) -> bytes:
    """The form's content as canonical JSON: YAML layout, comments and key order never count."""
    data = form.model_dump(mode="json", by_alias=True)
    if not data["hints"]:
        del data["hints"]  # a form without hints keeps the fingerprint it had before forms had them
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def fingerprint(form: FormDefinition) -> str:
    return hashlib.sha256(canonical(form)).hexdigest()


def _label(q: Question) -> str:
    text = q.label.sv
    return text if len(text) <= 60 else text[:57] + "…"


def _dump(x: Any) -> Any:
    return x.model_dump(mode="json", by_alias=True) if hasattr(x, "model_dump") else x


def differences(old: FormDefinition, new: FormDefinition) -> list[Problem]:
    """What differs between two contents given the same id and version, one line per thing."""
    out: list[Problem] = []
    for key in ("title", "life_areas", "scales", "secrecy", "hints"):
        if _dump(getattr(old, key)) != _dump(getattr(new, key)):
            out.append(Problem("form_diff_part", {"part": key}))
    if [s.id for s in old.sections] != [s.id for s in new.sections]:
        out.append(Problem("form_diff_sections", {}))
    else:
        for a, b in zip(old.sections, new.sections, strict=True):
            if a.title != b.title or a.per_goal != b.per_goal:
                out.append(Problem("form_diff_section", {"section": a.id}))
    old_q = {q.id: q for _, q in old.questions()}
    new_q = {q.id: q for _, q in new.questions()}
    for qid, q in new_q.items():
        if qid not in old_q:
            out.append(Problem("form_diff_added", {"label": _label(q), "id": qid}))
    for qid, q in old_q.items():
        if qid not in new_q:
            out.append(Problem("form_diff_removed", {"label": _label(q), "id": qid}))
            continue
        a, b = _dump(q), _dump(new_q[qid])
        keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        if keys:
            out.append(Problem("form_diff_changed", {"label": _label(q), "id": qid, "what": ", ".join(keys)}))
    if not out and [q for _, q in old.questions()] != [q for _, q in new.questions()]:
        out.append(Problem("form_diff_order", {}))
    if not out:
        out.append(Problem("form_diff_other", {}))
    return out


def _scope(section: Section) -> str:
    return "per_goal" if section.per_goal else "once"


def compatibility(earlier: FormDefinition, later: FormDefinition) -> list[Problem]:
    """Problems where `later` (a higher version of the same form) changes what `earlier`'s ids and codes
    mean. A later version may add questions and codes, reorder and reword; it may drop a question or a
    code, but never give an id or a code another meaning: another type, another place (per goal or
    once), or a code carrying the words another code had."""
    out: list[Problem] = []
    before = {q.id: (s, q) for s, q in earlier.questions()}
    for s_new, q_new in later.questions():
        if q_new.id not in before:
            continue
        s_old, q_old = before[q_new.id]
        args = {"label": _label(q_new), "id": q_new.id, "old": earlier.version, "new": later.version}
        if q_old.type != q_new.type:
            out.append(Problem("form_compat_type", {**args, "was": q_old.type, "now": q_new.type}))
            continue
        if _scope(s_old) != _scope(s_new):
            out.append(Problem("form_compat_scope", args))
        if isinstance(q_old, ChoiceQuestion | MultiQuestion) and isinstance(
            q_new, ChoiceQuestion | MultiQuestion
        ):
            out.extend(_code_meanings(q_old, q_new, args))
    return out


def _words(c: Choice) -> tuple[str, str]:
    return c.label.sv.casefold().strip(), c.label.en.casefold().strip()


def _code_meanings(
    q_old: ChoiceQuestion | MultiQuestion, q_new: ChoiceQuestion | MultiQuestion, args: dict[str, Any]
) -> list[Problem]:
    out: list[Problem] = []
    old_words = {c.code: _words(c) for c in q_old.choices}
    for c in q_new.choices:
        words = _words(c)
        if c.code in old_words and old_words[c.code] == words:
            continue
        # The words another code had in the earlier version now sit on this code: the codes were
        # swapped or reused, so answers given under the earlier version would change meaning.
        for other, other_words in old_words.items():
            if other != c.code and other in {x.code for x in q_new.choices} and (
                other_words[0] == words[0] or other_words[1] == words[1]
            ):
                out.append(Problem("form_compat_code", {**args, "code": c.code, "other": other}))
                break
    old_exclusive = {c.code: c.exclusive for c in q_old.choices}
    for c in q_new.choices:
        if c.code in old_exclusive and old_exclusive[c.code] != c.exclusive:
            out.append(Problem("form_compat_exclusive", {**args, "code": c.code}))
    return out
