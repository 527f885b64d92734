"""The small-number suppression attacked: linear programs over every published figure of the full
report and every unit's report try to pin hidden cells (and must succeed on the old per-table rule)."""

from __future__ import annotations

import functools
import random
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from forms.schema import ChoiceQuestion, Equals, MultiQuestion
from interview.case import Case, Client
from interview.followup import FollowUp
from reporting.audit import exposed
from reporting.compile import FULL, GENDERS, compile_report, unit_key
from reporting.disclosure import Outcome, relations, rounding_base
from reporting.output import protection, to_data
from reporting.selection import Selection
from reporting.suppress import SECONDARY, hidden
from storage.memory_repo import MemoryRepository
from tests.test_reporting import FORM, PLAN

K = 5
UNITS = ("Socialpsykiatri", "Missbruk", "Äldreomsorg", "LSS", "Barn och unga")
QUESTIONS = {q.id: q for s in FORM.sections if not s.per_goal for q in s.questions
             if isinstance(q, ChoiceQuestion | MultiQuestion)}
MULTI = {qid for qid, q in QUESTIONS.items() if isinstance(q, MultiQuestion)}


def _answers(rng: random.Random) -> dict[str, Any]:
    """Complete answers, skewed so that most codes are rare (many small cells)."""
    a: dict[str, Any] = {"meeting_date": f"2026-{rng.randint(1, 12):02d}-15", "assessment": "x"}
    for qid, q in QUESTIONS.items():
        cond = q.when
        if isinstance(cond, Equals) and a.get(cond.equals.question) != cond.equals.value:
            continue
        codes = [c.code for c in q.choices]
        weights = [8 if i == 0 else 1 for i in range(len(codes))]
        if qid in MULTI:
            a[qid] = sorted(set(rng.choices(codes, weights, k=rng.randint(1, 2))))
        else:
            a[qid] = rng.choices(codes, weights)[0]
    return a


def _goals(rng: random.Random) -> dict[str, Any]:
    return {
        "g1": rng.choice([{"attainment": "achieved", "level": 1}, {"attainment": "partly_achieved", "level": 2},
                          {"attainment": "not_achieved", "level": 3}, {"attainment": "not_achieved", "level": 4}]),
        "g2": rng.choice([{"attainment": "achieved", "level": 1}, {"attainment": "not_achieved", "level": -1},
                          {"attainment": "partly_achieved", "level": 0}]),
    }


def population(n: int = 260, seed: int = 7) -> MemoryRepository:
    rng = random.Random(seed)
    repo = MemoryRepository()
    for i in range(n):
        unit = rng.choices(UNITS, [10, 5, 3, 2, 1])[0]
        client = Client(case_ref=f"K{i}", gender=rng.choices(GENDERS, [10, 10, 1, 1])[0],
                        birth_year=rng.randint(1935, 2015), unit=unit)
        case = Case(id=f"c{i:03d}", client=client, plan=PLAN)
        fu = FollowUp(id=f"f{i:03d}", case_id=case.id, form="standard-uppfoljning", form_version=1, plan=PLAN,
                      status="final", answers=_answers(rng), goals=_goals(rng))
        repo.add_case(case, [fu])
    return repo


# --- the old rule, kept to show the attacker catches it -------------------------------------------------


def old_suppress_table(cells: Mapping[str, int], k: int, *, partition: bool, total: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {c: hidden(k) if 0 < n < k else n for c, n in cells.items()}
    if partition and (total is None or total >= k):
        concealed = [c for c, v in out.items() if isinstance(v, str)]
        if len(concealed) == 1:
            candidates = sorted((n, c) for c, n in cells.items() if c not in concealed and n > 0)
            if candidates:
                out[candidates[0][1]] = SECONDARY
    return out


def old_protect(raw: Mapping[str, Any], k: int) -> dict[str, Any]:
    """The per-table rule of before, applied to one report on its own."""

    def group(g: Mapping[str, Any]) -> dict[str, Any]:
        qs = {}
        for qid, cells in g["questions"].items():
            codes = {c: v for c, v in cells.items() if c != "answered"}
            out = old_suppress_table(codes, k, partition=qid not in MULTI, total=cells["answered"])
            qs[qid] = {**out, "answered": hidden(k) if 0 < cells["answered"] < k else cells["answered"]}
        goals = g["goals"]
        by_area = {}
        for area, entry in goals["by_life_area"].items():
            att = {c: v for c, v in entry.items() if c not in ("mean_change", "change_n")}
            by_area[area] = dict(old_suppress_table(att, k, partition=True, total=sum(att.values())))
            if "change_n" in entry:
                by_area[area]["change_n"] = hidden(k) if 0 < entry["change_n"] < k else entry["change_n"]
        return {
            "followups": g["followups"], "questions": qs,
            "goals": {"attainment": old_suppress_table(goals["attainment"], k, partition=True,
                                                       total=sum(goals["attainment"].values())),
                      "isu": old_suppress_table(goals["isu"], k, partition=True, total=sum(goals["isu"].values())),
                      "by_life_area": by_area},
            "gas_t_n": hidden(k) if 0 < g["gas_t_n"] < k else g["gas_t_n"],
        }

    out = {**group(raw), "clients": raw["clients"]}
    for grouping in ("by_gender", "by_age_band"):
        sizes = old_suppress_table({n: g["followups"] for n, g in raw[grouping].items()}, k, partition=True,
                                   total=raw["followups"])
        out[grouping] = {n: {**group(g), "followups": sizes[n]} for n, g in raw[grouping].items()}
    return out


# --- the attacker ------------------------------------------------------------------------------------------

Path = tuple[str, ...]


def leaves(tree: Mapping[str, Any], prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    for key, value in tree.items():
        if isinstance(value, Mapping):
            yield from leaves(value, (*prefix, key))
        else:
            yield (*prefix, key), value


def json_equations(published: Mapping[str, Mapping[str, Any]]) -> list[tuple[Path, list[Path]]]:
    """The attacker's own equations, read off the published JSON (and the public form), without
    reporting.disclosure: totals = sum over genders = sum over age bands, all units = sum of units,
    a question's codes = its answered, attainment = sum over life areas, and what the form implies."""
    eqs: list[tuple[Path, list[Path]]] = []
    for rk, rep in published.items():
        groups = [((), rep)] + [((gk, n), g) for gk in ("by_gender", "by_age_band") for n, g in rep[gk].items()]
        for gp, g in groups:
            base = (rk, *gp)
            for path, _ in leaves(g):
                if path[0] in ("by_gender", "by_age_band", "clients") or path[:2] == ("goals", "by_gender"):
                    continue
                if gp == ():
                    for gk in ("by_gender", "by_age_band"):
                        eqs.append(((rk, *path), [(rk, gk, n, *path) for n in rep[gk]]))
            for qid, cells in g["questions"].items():
                answered = (*base, "questions", qid, "answered")
                if qid not in MULTI:
                    eqs.append((answered, [(*base, "questions", qid, c) for c in cells if c != "answered"]))
                cond = QUESTIONS[qid].when
                if cond is None:
                    eqs.append((answered, [(*base, "followups")]))
                elif isinstance(cond, Equals):
                    eqs.append((answered, [(*base, "questions", cond.equals.question, str(cond.equals.value))]))
            for code in g["goals"]["attainment"]:
                eqs.append(((*base, "goals", "attainment", code),
                            [(*base, "goals", "by_life_area", a, code) for a in g["goals"]["by_life_area"]]))
    units = [rk for rk in published if rk != FULL]
    for path, _ in leaves(published[FULL]):
        if path[-1] not in ("mean_change", "gas_t_mean") and "by_gender" not in path[:2]:
            eqs.append(((FULL, *path), [(rk, *path) for rk in units]))
    return eqs


def is_count(path: Path) -> bool:
    return path[-1] not in ("mean_change", "gas_t_mean") and path[1:3] != ("goals", "by_gender")


def promise(v: Any, k: int, base: int, ceiling: float, goal: bool) -> tuple[float, float]:
    """What a published figure tells about the true count, read off the printed note: a rounded
    figure v is v - b//2 .. v - b//2 + b - 1 (and k or more), "<k" is 1..k-1, ".." is 0 or more."""
    if isinstance(v, int):
        if v == 0 or base == 1:
            return v, v
        low = v - base // 2
        return max(k, low), low + base - 1
    if v == hidden(k):
        return 1, k - 1
    return 0, 1e12 if goal else ceiling  # goals: any number (a finite bound keeps the LP bounded)


def attack(published: Mapping[str, Mapping[str, Any]], k: int, base: int, *,
           integer: bool = True, enough: int | None = None) -> dict[Path, tuple[float, float]]:
    """Every hidden cell ("<k" or "..") the attacker can pin (its minimum equals its maximum over
    the linear program of the published figures' intervals and the true equations), and every ".."
    it proves to lie in 1..k-1: {cell: (min, max)}. Cells seen at two values in integer solutions
    cost nothing more; the rest get a min and, if still needed, a max linear program; a MILP
    confirms what the LP says (with integer False, the LP's word is taken). Stops after `enough`."""
    values: dict[Path, Any] = {}
    for rk, rep in published.items():
        for path, v in leaves(rep):
            if is_count((rk, *path)):
                values[(rk, *path)] = v
    eqs = json_equations(published)
    eqs += [(r.total, list(r.parts)) for r in relations(published, FORM)]  # the model's own, too
    sizes = [rep[key] for rep in published.values() for key in ("followups", "clients")]
    # every count is at most the largest report's size as printed (a "<k" size too: tiny populations)
    ceiling = max((promise(v, k, base, 0, False)[1] for v in sizes if v != SECONDARY), default=np.inf)
    secret = sorted(p for p, v in values.items() if v != 0)
    index = {p: i for i, p in enumerate(secret)}
    rows = []
    seen = set()
    for t, parts in eqs:
        row: dict[int, float] = defaultdict(float)
        for p, sign in [(t, -1.0), *((p, 1.0) for p in parts)]:
            if p in index:
                row[index[p]] += sign
            else:
                assert values.get(p, 0) == 0, p  # a figure not published at all is 0 (absent codes)
        key = tuple(sorted((i, c) for i, c in row.items() if c))
        if key and key not in seen:
            seen.add(key)
            rows.append(dict(key))
    n = len(secret)
    bounds = [promise(values[p], k, base, ceiling, "goals" in p) for p in secret]
    lower = np.array([lo for lo, _ in bounds], dtype=float)
    upper = np.array([hi for _, hi in bounds], dtype=float)
    dots = np.array([values[p] == SECONDARY for p in secret])
    targets = np.array([isinstance(values[p], str) for p in secret])  # the hidden cells
    found: dict[Path, tuple[float, float]] = {}
    for i, (lo_i, hi_i) in exposed(rows, lower, upper, targets, dots, k, enough=enough).items():
        if integer:  # a MILP confirms that integers are pinned too (the LP is a relaxation)
            a = sparse.csc_array(([c for row in rows for c in row.values()],
                                  ([r for r, row in enumerate(rows) for _ in row], [c for row in rows for c in row])),
                                 shape=(len(rows), n))
            c = np.zeros(n)
            c[i] = 1
            lo_i, hi_i = _mip(a, lower, upper, c)[i], _mip(a, lower, upper, -c)[i]
            if hi_i - lo_i > 0.5 and not (dots[i] and lo_i > 0.5 and hi_i < k - 0.5):
                continue
        found[secret[i]] = (round(float(lo_i), 3), round(float(hi_i), 3))
    return found


def _mip(a: sparse.csc_array, lower: np.ndarray, upper: np.ndarray, c: np.ndarray) -> np.ndarray:
    zero = np.zeros(a.shape[0])
    res = milp(c, constraints=LinearConstraint(a, zero, zero), bounds=Bounds(lower, upper),
               integrality=np.ones(len(c), dtype=np.int64))
    assert res.status == 0, res.message
    return np.asarray(res.x)


# Seed 7 is the first population; seed 23 has groups below k whose "answered" copies a linear program
# shows to be 1..k-1 (printed "<k" since), which the first did not have.
@pytest.fixture(scope="module", params=[(260, 7), (240, 23)], ids=["seed7", "seed23"])
def published(request: pytest.FixtureRequest) -> tuple[Any, Outcome, MemoryRepository]:
    return _published(*request.param)


@functools.cache  # a test worker (pytest -n) may set the fixture up again for the same seed; once is enough
def _published(n: int, seed: int) -> tuple[Any, Outcome, MemoryRepository]:
    repo = population(n, seed)
    report = compile_report(repo.records(), FORM, Selection(threshold=K))
    return report, protection(report, FORM), repo


def test_the_population_is_hard(published: tuple[Any, Outcome, MemoryRepository]) -> None:
    report, outcome, _ = published
    assert report.total.followups >= 240 and len(outcome.published) == 1 + len(UNITS)
    marks = [v for rep in outcome.published.values() for _, v in leaves(rep) if isinstance(v, str)]
    assert marks.count(hidden(K)) > 500 and SECONDARY in marks and outcome.corner_cases > 20


def test_every_count_keeps_the_rounding_promise(published: tuple[Any, Outcome, MemoryRepository]) -> None:
    report, outcome, _ = published
    raw = protected_raw(report)
    base = rounding_base(K)
    for rk, rep in outcome.published.items():
        for path, shown in leaves(rep):
            true = raw[rk]
            for key in path:
                true = true[key]
            if not is_count((rk, *path)):
                continue
            low, high = promise(shown, K, base, np.inf, True)
            assert low <= true <= high, (rk, path, true, shown)


def test_no_hidden_cell_can_be_worked_out_from_all_published_reports(published: tuple[Any, Outcome, MemoryRepository]) -> None:
    _, outcome, _ = published
    found = attack(outcome.published, K, rounding_base(K))
    assert found == {}, (len(found), list(found.items())[:10])


def test_the_attacker_pins_cells_under_the_old_per_table_rule() -> None:
    report = compile_report(population(60).records(), FORM, Selection(threshold=K))
    raw = protected_raw(report)
    old = {key: old_protect(rep, K) for key, rep in raw.items()}
    found = attack(old, K, 1, integer=False, enough=21)  # the old rule published exact figures
    assert len(found) > 20


def protected_raw(report: Any) -> dict[str, Any]:
    """The true figures in the published shape."""
    from reporting.output import _raw_report

    full = report.system[FULL]
    codes = {qid: list(c) for qid, c in full.total.questions.items()}
    change = set(full.total.change_by_life_area)
    areas = sorted(set(full.total.attainment_by_life_area) | change)
    return {key: _raw_report(part, codes, areas, change) for key, part in report.system.items()}


def test_a_unit_report_is_the_unit_of_the_joint_system(published: tuple[Any, Outcome, MemoryRepository]) -> None:
    _, outcome, repo = published
    data = to_data(compile_report(repo.records(), FORM, Selection(threshold=K, unit="LSS")), FORM)
    expected = outcome.published[unit_key("LSS")]
    assert data["questions"] == expected["questions"] and data["by_gender"] == expected["by_gender"]


# --- tiny populations: nearly every figure hidden ------------------------------------------------------------


def _attack_population(repo: Any) -> tuple[Outcome, dict[Path, tuple[float, float]]]:
    report = compile_report(repo.records(), FORM, Selection(threshold=K))
    outcome = protection(report, FORM)
    return outcome, attack(outcome.published, K, rounding_base(K))


@pytest.mark.parametrize("n", [3, 5, 12, 30])
def test_no_hidden_cell_of_a_tiny_population_can_be_worked_out(n: int) -> None:
    outcome, found = _attack_population(population(n, seed=n))
    assert found == {}, (len(found), list(found.items())[:10])
    assert outcome.hidden > 100  # nearly everything is hidden: the case that was slow
    units = [rep for key, rep in outcome.published.items() if key != FULL]
    assert hidden(K) not in [rep["followups"] for rep in units]  # a unit below k is hidden whole
    assert outcome.lp_solves < 6000, outcome.lp_solves


@functools.cache
def _training() -> tuple[Outcome, dict[Path, tuple[float, float]]]:
    from casework.training import seed

    repo = MemoryRepository()
    seed(repo)
    return _attack_population(repo)


def test_the_training_workspace_report_hides_its_one_follow_up_units_with_few_linear_programs() -> None:
    """Seven units of one follow-up each under an all-units "5" (5..7): each unit is pinned at one,
    so a unit printing its size or a "<5" gave its one person's answers away (695 hidden figures
    the attacker worked out on main); protecting it took 24,470 linear programs."""
    outcome, found = _training()
    units = [rep for key, rep in outcome.published.items() if key != FULL]
    assert len(units) == 7 and all(rep["followups"] == SECONDARY for rep in units)
    assert outcome.published[FULL]["followups"] == 5
    assert found == {}, (len(found), list(found.items())[:10])  # 695 on main
    assert outcome.lp_solves < 8000, outcome.lp_solves


# The attacker guesses that everyone answered other_actors; one training follow-up (a v1 follow-up) did
# not, so the true equations leave it out. The protection audits the guess too (reporting/disclosure.py):
# before it did, the guess showed the 25-44 band's '..' answered to be 2..3.
def test_the_training_workspace_report_gives_nothing_away() -> None:
    _, found = _training()
    assert found == {}, (len(found), list(found.items())[:10])
