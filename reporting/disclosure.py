"""Safe publication of the linked figures of the group reports: rounding, "<k" and "..", as one system.

The published figures are not independent tables: a question's codes sum to how many answered it,
the all-follow-ups figure is the sum over genders and again the sum over age bands, goal attainment
is the sum over life areas, and the all-units report is the sum of the units' reports. Cell
suppression alone cannot protect such three-way linked tables (the hidden cells of one table are
the published sums of another). So, as statistics offices publish linked tables, no count is exact:

1. a count 0 is "0", 1..k-1 is "<k", and k or more is rounded to the nearest multiple of the base
   b = max(k, 3) (8..12 -> 10 for b = 5): whoever reads "10" knows only 8..12, "<5" only 1..4,
   and ".." (hidden) only "0 or more";
2. the breakdown of a total below k is hidden whole, zeros too, as ".." (a 0 beside "<k" would tell
   that all of the few share the other attribute), and so is every figure of a group below k; a
   unit's report below k is hidden whole, its size and its "<k" figures too (the other units'
   sizes and the all-units size can pin its size, and so its one or two people's answers);
3. since no figure is exact, sums no longer give parts away, except in arithmetic corner cases (two
   "<5" under a total "10" are both 4). `protect` finds those with interval propagation over
   `relations` to a fixed point, in the same interval model as the attacker in
   tests/test_disclosure.py, and hides a neighbour in the forcing equation as ".." until no rounded
   or hidden figure is a single value and no ".." is known to lie in 1..k-1;
4. a mean is computed from the true values but published to one decimal, and only where the count
   it is over is k or more and not hidden. A mean can narrow its count's interval somewhat.

A threshold k of 1 asks for no protection: every figure is published exactly.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from forms.schema import Equals, FormDefinition, MultiQuestion
from language import text
from reporting.cancel import checkpoint
from reporting.compile import FULL, choice_questions
from reporting.suppress import SECONDARY, ProtectionFailed, hidden

Path = tuple[str, ...]
MEANS = {"mean_change": "change_n", "gas_t_mean": "gas_t_n"}  # a mean and the count it is over
GROUPINGS = ("by_gender", "by_age_band")
FIXED = ("followups", "clients")  # a report's own size is always published (rounded)
UNBOUNDED = 10**12  # the upper bound of a ".." nothing else bounds (goals: any number per follow-up)


def rounding_base(k: int) -> int:
    """The multiple counts of k or more are rounded to; 1 (exact) when no protection is asked for.
    At least 3, so that even the smallest rounded figure stands for more than one value."""
    return 1 if k <= 1 else max(k, 3)


def round_count(n: int, base: int) -> int:
    """n to the nearest multiple of base, halves up (12 -> 10, 13 -> 15)."""
    return base * ((n + base // 2) // base)


def rounded_bounds(shown: int, k: int, base: int) -> tuple[int, int]:
    """What a published rounded figure promises about the true count (k or more, as it is rounded)."""
    low = shown - base // 2
    return max(k, low), low + base - 1


def note(k: int, lang: str) -> str:
    """The rounding promise, as printed under every report."""
    b = rounding_base(k)
    if b == 1:
        return text("note_exact", lang)
    return text("note_rounded", lang, b=b, last=k - 1, k=k)


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
    """(mean, the count it is over) for the group's means."""
    if "gas_t_mean" in group:
        yield ("gas_t_mean",), ("gas_t_n",)
    for area, entry in group.get("goals", {}).get("by_life_area", {}).items():
        if "mean_change" in entry:
            yield ("goals", "by_life_area", area, "mean_change"), ("goals", "by_life_area", area, "change_n")


def relations(system: Mapping[str, Mapping[str, Any]], form: FormDefinition) -> list[Relation]:
    """Every linear equation between the published figures of a system of reports: system maps
    FULL to the all-units report and each unit's key to its report (raw or published: only the
    structure is read). "same" relations are offered for every question whatever it requires: an
    attacker may guess that everyone answered, so the protection checks each one the data bears out."""
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
                if q is None:
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


@dataclass
class Outcome:
    """What `protect` did, for the report and its tests."""

    published: dict[str, dict[str, Any]]
    cells: int = 0  # counts published, in every report of the system
    rounded: int = 0
    small: int = 0  # "<k"
    hidden: int = 0  # ".."
    corner_cases: int = 0  # cells hidden because the intervals forced a value
    lp_solves: int = 0  # linear programs the audit solved (what protecting a system costs)


class _Intervals:
    """Interval propagation over the equations: for each total = sum(parts), each member is
    tightened from the total's interval and the others', until nothing changes. Sound: every
    value it rules out is impossible (it is weaker than a linear program, not stronger)."""

    def __init__(self, n: int, rels: list[tuple[int, list[int]]]) -> None:
        self.rels = rels
        self.touching: list[list[int]] = [[] for _ in range(n)]
        for i, (t, parts) in enumerate(rels):
            for c in (t, *parts):
                self.touching[c].append(i)

    def run(self, lo: list[int], hi: list[int]) -> list[int]:
        """Tightens lo and hi in place; returns, per cell, the relation that last tightened it (-1)."""
        why = [-1] * len(lo)
        queued = [True] * len(self.rels)
        work = deque(range(len(self.rels)))
        while work:
            r = work.popleft()
            queued[r] = False
            t, parts = self.rels[r]
            slo = sum(lo[p] for p in parts)
            shi = sum(hi[p] for p in parts)
            changed = []
            if slo > lo[t]:
                lo[t] = slo
                changed.append(t)
            if shi < hi[t]:
                hi[t] = shi
                changed.append(t)
            for p in parts:
                low = lo[t] - (shi - hi[p])
                high = hi[t] - (slo - lo[p])
                if low > lo[p]:
                    lo[p] = low
                    changed.append(p)
                if high < hi[p]:
                    hi[p] = high
                    changed.append(p)
            for c in changed:
                if lo[c] > hi[c]:
                    raise ProtectionFailed("the published intervals contradict the true figures")
                why[c] = r
                for other in self.touching[c]:
                    if not queued[other]:
                        queued[other] = True
                        work.append(other)
        return why


def protect(system: Mapping[str, Mapping[str, Any]], form: FormDefinition, k: int) -> Outcome:
    """The system as published: every count rounded, "<k", "0" or ".."; see the module's docstring."""
    base = rounding_base(k)
    paths: list[Path] = []
    values: list[int] = []
    for rk, report in system.items():
        for gp, group in groups(report):
            for p in counts(group):
                paths.append((rk, *gp, *p))
                values.append(int(_get(group, p)))
    index = {p: i for i, p in enumerate(paths)}
    # A unit's report below k (a unit with a follow-up or two) is hidden whole, its own size too: the
    # all-units size and the other units' sizes can pin it (seven units printed "<5" under an
    # all-units "5", which means 5..7, are one each), and a unit pinned at one follow-up gives
    # every "<k" in it away as that one person's answer.
    # The all-units report keeps its "<k" size: it is what the reader is told the report is over.
    tiny = {rk for rk in system if rk != FULL and base > 1 and 0 < values[index[(rk, "followups")]] < k}
    fixed = {index[(rk, name)] for rk in system for name in FIXED if (rk, name) in index and rk not in tiny}
    rels = [
        (index[r.total], [index[p] for p in r.parts]) for r in relations(system, form)
        if r.total in index and all(p in index for p in r.parts)
        and (r.kind == "sum" or values[index[r.total]] == sum(values[index[p]] for p in r.parts))
    ]  # fmt: skip
    # "Same" relations the data does not bear out (a question someone skipped, a follow-up made with
    # an older form version): false, but an attacker may guess them ("everyone answered").
    guesses = [
        (index[r.total], [index[p] for p in r.parts]) for r in relations(system, form)
        if r.kind == "same" and r.total in index and all(p in index for p in r.parts)
        and values[index[r.total]] != sum(values[index[p]] for p in r.parts)
    ]  # fmt: skip
    dots: set[int] = set()  # shown as ".."

    def hide(i: int) -> bool:
        if i in dots or i in fixed:
            return False
        dots.add(i)
        return True

    if base > 1:
        # Rule 2: the breakdown of a small total is hidden whole, zeros included; so is a small group.
        for t, parts in rels:
            if 0 < values[t] < k:
                for c in parts:
                    if not 0 < values[c] < k:
                        hide(c)
        for rk, report in system.items():
            if rk in tiny:
                for gp, group in groups(report):
                    for p in counts(group):
                        hide(index[(rk, *gp, *p)])
                continue
            for gp, group in groups(report):
                prefix = (rk, *gp)
                if 0 < values[index[(*prefix, "followups")]] < k:
                    for p in counts(group):
                        i = index[(*prefix, *p)]
                        if not 0 < values[i] < k:
                            hide(i)
    corner = 0
    solves: list[int] = []
    if base > 1:
        # A hidden zero that the published figures already pin at 0 (its all-units total is a
        # published 0) hides nothing: it is shown as 0.
        lo, hi = _bounds(paths, values, dots, k, base)
        _Intervals(len(paths), rels).run(lo, hi)
        dots -= {i for i in dots if hi[i] == 0}
        corner = _resolve(paths, values, rels, dots, fixed, k, base)
        corner += _audit(paths, values, rels, dots, fixed, k, base, solves)
        for _ in range(5):  # the attacker's guess audited too, then the truth again, until neither moves
            if not guesses:
                break
            before = (len(dots), len(fixed))
            corner += _audit(paths, values, rels + guesses, dots, fixed, k, base, solves, guess=True)
            if (len(dots), len(fixed)) == before:
                break
            # A ".." the guess showed small is printed "<k": true, but news to the true equations.
            corner += _audit(paths, values, rels, dots, fixed, k, base, solves)

    out: dict[str, dict[str, Any]] = {rk: _deep_copy(report) for rk, report in system.items()}
    result = Outcome(out, cells=len(paths), corner_cases=corner, lp_solves=sum(solves))
    for i, path in enumerate(paths):
        v = values[i]
        shown: int | str
        if i in dots:
            shown, result.hidden = SECONDARY, result.hidden + 1
        elif base == 1 or v == 0:
            shown = v
        elif v < k:
            shown, result.small = hidden(k), result.small + 1
        else:
            shown, result.rounded = round_count(v, base), result.rounded + 1
        _set(out[path[0]], path[1:], shown)
    for rk, report in system.items():
        for gp, group in groups(report):
            target = _get(out[rk], gp) if gp else out[rk]
            for mean_path, n_path in means(group):
                n = index[(rk, *gp, *n_path)]
                mean = _get(group, mean_path)
                if mean is None:
                    continue
                if base > 1 and (values[n] < k or n in dots):
                    _set(target, mean_path, SECONDARY)
                else:
                    _set(target, mean_path, round(float(mean), 1) if base > 1 else mean)
    return result


def _resolve(paths: list[Path], values: list[int], rels: list[tuple[int, list[int]]], dots: set[int],
             fixed: set[int], k: int, base: int) -> int:
    """Rule 3: hides cells until interval propagation pins nothing; returns how many it hid."""
    prop = _Intervals(len(paths), rels)
    added = 0
    rounds = 0
    while rounds < 1000:  # each round hides a cell more; a bound, not an expected count
        rounds += 1
        checkpoint()
        lo, hi = _bounds(paths, values, dots, k, base)
        why = prop.run(lo, hi)
        # A ".." over a count 1..k-1 that the figures already show to be 1..k-1 says no more as
        # "<k" (its interval stays what it is): shown so, it needs no protection of its own.
        known_small = {i for i in dots if 0 < values[i] < k and lo[i] >= 1 and hi[i] < k and lo[i] < hi[i]}
        dots -= known_small
        fixed |= known_small  # and it stays so (hiding it again could only go round in circles)
        bad = [i for i in range(len(paths))
               if (values[i] or i in dots) and (lo[i] == hi[i] or (i in dots and lo[i] >= 1 and hi[i] < k))]
        if not bad:
            return added
        # Only the seeds: a cell forced by an equation whose other members were not forced
        # elsewhere (the rest follow from the seeds, and loosen with them).
        bad_set = set(bad)
        progress = False
        done: set[int] = set()
        for i in bad:
            r = why[i]
            if r in done:
                continue
            if r >= 0:
                t, parts = rels[r]
                if any(c != i and c in bad_set and why[c] != r for c in (t, *parts)):
                    continue
            done.add(r)
            choice = _neighbour(i, r, rels, values, dots, fixed, prop, k)
            if choice is not None and choice not in dots:
                dots.add(choice)
                added += 1
                progress = True
        if not progress:
            return added  # nothing left to hide; the attacker test would show it
    return added


def _audit(paths: list[Path], values: list[int], rels: list[tuple[int, list[int]]], dots: set[int],
           fixed: set[int], k: int, base: int, solves: list[int], *, guess: bool = False) -> int:
    """Rule 5: interval propagation misses what linear programs combining many equations find (a
    small group's size seen through every question's rounded codes). While the linear-programming
    attack (reporting/audit.py) pins a hidden figure or shows a ".." to be 1..k-1, a neighbour of
    each is hidden; returns how many were hidden. Hiding only widens intervals, so after the first
    round only the cells found and the cells newly hidden are looked at again."""
    import numpy as np

    from reporting.audit import Audit

    prop = _Intervals(len(paths), rels)
    rows: list[dict[int, float]] = []
    for t, parts in rels:
        row: dict[int, float] = {}
        for c, sign in ((t, -1.0), *((p, 1.0) for p in parts)):
            row[c] = row.get(c, 0.0) + sign
        row = {c: v for c, v in row.items() if v}
        if row:
            rows.append(row)
    lo, hi = _bounds(paths, values, dots, k, base)
    try:
        # Under a guess the true figures are no solution (no free witness), and there may be none at
        # all: then the guess contradicts what is published, and tells the attacker nothing.
        audit = Audit(rows, np.array(lo, dtype=float), np.array(hi, dtype=float), k,
                      known=None if guess else np.array(values, dtype=float))
    except ProtectionFailed:
        if guess:
            return 0
        raise
    try:
        hidden_now = set(dots)
        look = np.array([i in dots or 0 < values[i] < k for i in range(len(paths))])
        added = 0
        for _ in range(100):  # each round hides at least one cell more; a bound, not an expected count
            try:
                found = audit.exposed(look, np.array([i in dots for i in range(len(paths))]))
            except ProtectionFailed:
                if guess:  # more hidden made the guess contradictory: nothing to learn from it
                    return added
                raise
            if not found:
                return added
            progress = False
            for i, (low, high) in found.items():
                if i not in dots and values[i] == 0:
                    continue  # a zero published as 0: pinned at 0 by what is printed, no secret
                if guess and not low - 0.5 <= values[i] <= high + 0.5:
                    continue  # the false guess leads the attacker to a false figure: nothing learnt
                known_small = low >= 1 - 1e-6 and high <= k - 1 + 1e-6 and high - low > 0.5
                if i in dots and 0 < values[i] < k and known_small:
                    # Already known to be 1..k-1 (a small group's "answered", equal to its "<k" size):
                    # printed "<k" it says nothing more, and needs no neighbour hidden.
                    dots.discard(i)
                    fixed.add(i)
                    audit.widen([i], np.array([1.0]), np.array([k - 1.0]))
                    progress = True
                    continue
                # (Under a guess a zero stays hidden: the guess may be what pins it.)
                if not guess and i in dots and values[i] == 0 and high <= 1e-6:
                    # A hidden zero that every solution of the published figures puts at 0 hides
                    # nothing (the rule interval propagation applies above): it is shown as 0, which
                    # changes no solution, and no neighbour is hidden for it.
                    dots.discard(i)
                    fixed.add(i)
                    audit.widen([i], np.array([0.0]), np.array([0.0]))
                    progress = True
                    continue
                choice = _neighbour(i, -1, rels, values, dots, fixed, prop, k)
                if choice is not None and choice not in dots:
                    dots.add(choice)
                    added += 1
                    progress = True
            if not progress:
                return added  # nothing left to hide; the attacker test would show it
            new = sorted(dots - hidden_now)
            shown_small = [i for i in found if i not in dots and values[i]]  # a zero shown as 0 is no secret
            hidden_now = set(dots)
            lo, hi = _bounds(paths, values, dots, k, base)
            audit.widen(new, np.array([lo[i] for i in new], dtype=float),
                        np.array([hi[i] for i in new], dtype=float))
            look = np.zeros(len(paths), dtype=bool)
            look[[i for i in found if i in dots or values[i]]] = True
            look[new] = True
            look[shown_small] = True
        return added
    finally:
        solves.append(audit.solver.solves)


def _bounds(paths: list[Path], values: list[int], dots: set[int], k: int,
            base: int) -> tuple[list[int], list[int]]:
    """What each published figure promises, the same model as the attacker's: a ".." is 0 up to
    the largest report's size as published (goals: any number, a follow-up may have many)."""
    ceiling = 0
    for p, v in zip(paths, values, strict=True):
        if len(p) == 2 and p[1] == "followups" and v:
            ceiling = max(ceiling, k - 1 if v < k else rounded_bounds(round_count(v, base), k, base)[1])
    lo, hi = [], []
    for i, v in enumerate(values):
        if i in dots:
            lo.append(0)
            hi.append(UNBOUNDED if "goals" in paths[i] else ceiling)
        elif v == 0:
            lo.append(0)
            hi.append(0)
        elif v < k:
            lo.append(1)
            hi.append(k - 1)
        else:
            low, high = rounded_bounds(round_count(v, base), k, base)
            lo.append(low)
            hi.append(high)
    return lo, hi


def _neighbour(i: int, r: int, rels: list[tuple[int, list[int]]], values: list[int], dots: set[int],
               fixed: set[int], prop: _Intervals, k: int) -> int | None:
    """The cell to hide so that cell i is no longer forced, from the equation that forced it
    (else any equation it is in): another member that is 0 or k or more, the smallest first (it
    costs the least; zeros last, they add slack one way only); else i itself; else a count 1..k-1,
    the total first (a ".." over several "<k" is known to be their sum or more, not small)."""
    def rank(c: int) -> tuple[int, int, int]:
        small = 0 < values[c] < k
        return (2 if small else 1 if c == i else 0, values[c] == 0, values[c])

    for rel in [r, *prop.touching[i]] if r >= 0 else prop.touching[i]:
        t, parts = rels[rel]
        members = [c for c in (t, *parts) if c not in dots and c not in fixed]
        if members:
            return min(members, key=lambda c: (*rank(c), c != t))
    if i not in dots and i not in fixed:
        return i
    return None


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _deep_copy(inner) for key, inner in value.items()}
    return value

