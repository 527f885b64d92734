"""Joint small-number suppression over every linked figure of the group reports, as one system.

The published figures are not independent tables: a question's codes sum to how many answered it,
the all-follow-ups figure is the sum over genders and again the sum over age bands, goal attainment
is the sum over life areas, and the all-units report is the sum of the units' reports. `relations`
writes every such equation down (the attacker test uses the same list, and derives its own from
the published JSON besides); `protect` hides cells until, in every equation that has a hidden cell,
the hidden cells can neither be worked out one by one nor pinned by their bounds:

1. primary: every count 1..k-1 is "<k";
2. zeros and small groups: where a table's total is 1..k-1 (a group's follow-ups, a question's
   "answered", a figure whose breakdown is published), every cell of its breakdown is hidden, zeros
   too, as ".." — a 0 beside "<k" would tell that all of the few share the other attribute;
3. secondary, to a fixed point: an equation with exactly one hidden cell, or whose hidden cells are
   forced to their bounds (two "<5" that sum to 2 are both 1), gets one more hidden cell, the
   smallest count that adds slack, shown as "..";
4. a mean is hidden ("..") whenever the count it is taken over is hidden.

The first two are the rules of thumb of official statistics; the third is the classic row/column rule
for linked tables, and tests/test_disclosure.py checks the result with linear programs over all
published figures of the full report and every unit's report together.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from forms.schema import Equals, FormDefinition, MultiQuestion
from reporting.compile import FULL, choice_questions
from reporting.suppress import SECONDARY, hidden

Path = tuple[str, ...]
MEANS = {"mean_change": "change_n", "gas_t_mean": "gas_t_n"}  # a mean and the count it is over
GROUPINGS = ("by_gender", "by_age_band")
FIXED = ("followups", "clients")  # a report's own size is always published


@dataclass(frozen=True)
class Relation:
    """total = sum(parts). kind "sum" holds by construction; "same" (a question everyone answers
    equals the follow-ups, a branch equals the code that opens it) holds for complete follow-ups,
    so it is used where the data shows it."""

    total: Path
    parts: tuple[Path, ...]
    kind: str = "sum"


def groups(report: Mapping[str, Any]) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """(path, group) for the report's own figures and each gender's and age band's."""
    yield (), report
    for grouping in GROUPINGS:
        for name, group in report.get(grouping, {}).items():
            yield (grouping, name), group


def counts(group: Mapping[str, Any], prefix: Path = ()) -> Iterator[Path]:
    """Paths of the group's counts (not its means, not its gender and age-band groups)."""
    for key, value in group.items():
        if (not prefix and key in GROUPINGS) or (prefix == ("goals",) and key == "by_gender"):
            continue  # goals.by_gender is a copy of the gender groups' attainment
        if isinstance(value, Mapping):
            yield from counts(value, (*prefix, key))
        elif key not in MEANS:
            yield (*prefix, key)


def means(group: Mapping[str, Any]) -> Iterator[tuple[Path, Path]]:
    """(mean, the count it is over) for the group's published means."""
    if group.get("gas_t_mean") is not None:
        yield ("gas_t_mean",), ("gas_t_n",)
    for area, entry in group.get("goals", {}).get("by_life_area", {}).items():
        if entry.get("mean_change") is not None:
            yield ("goals", "by_life_area", area, "mean_change"), ("goals", "by_life_area", area, "change_n")


def relations(system: Mapping[str, Mapping[str, Any]], form: FormDefinition) -> list[Relation]:
    """Every linear equation between the published figures of a system of reports: system maps
    FULL to the all-units report and each unit's key to its report (raw or published: only the
    structure is read)."""
    questions = {q.id: q for q in choice_questions(form)}
    rels: list[Relation] = []
    for rk, report in system.items():
        for gp, group in groups(report):
            base = (rk, *gp)
            for qid, cells in group.get("questions", {}).items():
                answered = (*base, "questions", qid, "answered")
                codes = tuple((*base, "questions", qid, c) for c in cells if c != "answered")
                q = questions.get(qid)
                if not isinstance(q, MultiQuestion):
                    rels.append(Relation(answered, codes))
                if q is None or q.required is not True:
                    continue
                if q.when is None:
                    rels.append(Relation(answered, ((*base, "followups"),), "same"))
                elif isinstance(q.when, Equals):
                    cond = q.when.equals
                    opener = (*base, "questions", cond.question, str(cond.value))
                    rels.append(Relation(answered, (opener,), "same"))
            goals = group.get("goals", {})
            areas = goals.get("by_life_area", {})
            for code in goals.get("attainment", {}):
                rels.append(
                    Relation((*base, "goals", "attainment", code),
                             tuple((*base, "goals", "by_life_area", a, code) for a in areas))
                )  # fmt: skip
        top = [p for p in counts(report) if p != ("clients",)]
        for grouping in GROUPINGS:
            names = list(report.get(grouping, {}))
            for p in top:
                rels.append(Relation((rk, *p), tuple((rk, grouping, n, *p) for n in names)))
    others = [rk for rk in system if rk != FULL]
    if FULL in system and others:
        for gp, group in groups(system[FULL]):
            for p in counts(group):
                path = (*gp, *p)
                rels.append(Relation((FULL, *path), tuple((rk, *path) for rk in others)))
    return rels


def _get(tree: Any, path: Path) -> Any:
    for key in path:
        tree = tree[key]
    return tree


def _set(tree: Any, path: Path, value: Any) -> None:
    for key in path[:-1]:
        tree = tree[key]
    tree[path[-1]] = value


def protect(
    system: Mapping[str, Mapping[str, Any]], form: FormDefinition, k: int
) -> dict[str, dict[str, Any]]:
    """The system with its hidden cells replaced by "<k" (1..k-1) or ".." (hidden to protect
    others, any value); see the module's docstring for the rules."""
    values: dict[Path, int] = {}
    for rk, report in system.items():
        for gp, group in groups(report):
            for p in counts(group):
                values[(rk, *gp, *p)] = int(_get(group, p))
    fixed = {(rk, name) for rk in system for name in FIXED}
    rels = [
        r for r in relations(system, form)
        if r.total in values and all(p in values for p in r.parts)
        and (r.kind == "sum" or values[r.total] == sum(values[p] for p in r.parts))
    ]  # fmt: skip
    marks: dict[Path, str] = {}
    small, other = hidden(k), SECONDARY

    def hide(path: Path) -> bool:
        if path in marks or path in fixed:
            return False
        marks[path] = small if 0 < values[path] < k else other
        return True

    for path, v in values.items():
        if 0 < v < k:
            hide(path)
    # Rule 2: the breakdown of a small total is hidden whole, zeros included.
    for r in rels:
        if r.kind == "sum" and 0 < values[r.total] < k:
            for p in r.parts:
                hide(p)
    for rk, report in system.items():
        for gp, group in groups(report):
            base = (rk, *gp)
            n = values[(*base, "followups")]
            if 0 < n < k:
                for p in counts(group):
                    hide((*base, *p))
            for qid, cells in group.get("questions", {}).items():
                if 0 < values[(*base, "questions", qid, "answered")] < k:
                    for code in cells:
                        hide((*base, "questions", qid, code))

    # Rule 3, to a fixed point over a work list of equations.
    by_cell: dict[Path, list[int]] = {}
    for i, r in enumerate(rels):
        for p in (r.total, *r.parts):
            by_cell.setdefault(p, []).append(i)
    inf = float("inf")

    def bounds(path: Path) -> tuple[float, float]:
        return (1, k - 1) if marks[path] == small else (0, inf)

    def exposed(r: Relation) -> bool:
        members = [(r.total, -1), *((p, 1) for p in r.parts)]
        concealed = [(p, sign) for p, sign in members if p in marks]
        if not concealed:
            return False
        if len(concealed) == 1:
            return True
        # The hidden cells' signed sum is known (the published cells fix it); if it sits at the
        # edge of what their bounds allow, every one of them is pinned to a bound.
        known = sum(sign * values[p] for p, sign in concealed)
        low = sum(bounds(p)[0] if sign > 0 else -bounds(p)[1] for p, sign in concealed)
        high = sum(bounds(p)[1] if sign > 0 else -bounds(p)[0] for p, sign in concealed)
        return known in (low, high)

    def candidate(r: Relation) -> Path | None:
        # The smallest positive part adds slack at the least cost; then the total; a zero part
        # last (it gives a second hidden cell, but no slack below).
        parts = sorted((values[p], p) for p in r.parts if p not in marks and p not in fixed)
        positive = [p for v, p in parts if v > 0]
        if positive:
            return positive[0]
        if r.total not in marks and r.total not in fixed and values[r.total] > 0:
            return r.total
        return parts[0][1] if parts else None

    work = list(range(len(rels)))
    while work:
        r = rels[work.pop()]
        if not exposed(r):
            continue
        choice = candidate(r)
        if choice is None or not hide(choice):
            continue  # nothing left to hide here; the attacker test would show it
        work.extend(by_cell.get(choice, []))

    out: dict[str, dict[str, Any]] = {}
    for rk, report in system.items():
        copy: dict[str, Any] = _deep_copy(report)
        for gp, group in groups(report):
            base = (rk, *gp)
            for p in counts(group):
                mark = marks.get((*base, *p))
                if mark is not None:
                    _set(_get(copy, gp) if gp else copy, p, mark)
            for mean_path, n_path in means(group):
                n_key = (*base, *n_path)
                if values[n_key] < k or n_key in marks:
                    _set(_get(copy, gp) if gp else copy, mean_path, other)
        out[rk] = copy
    return out


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _deep_copy(inner) for key, inner in value.items()}
    return value
