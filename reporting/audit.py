"""The linear-programming audit of published figures: which hidden figures the published ones still give away.

The published figures of a report system are intervals (a rounded count, "<k", "..") tied by exact
equations (a total is the sum of its parts). An attacker who solves linear programs for the
minimum and the maximum of a hidden figure over everything published learns its exact value when
the two meet, and that a ".." is a small count when both lie in 1..k-1. `exposed` runs that attack:
the protection (reporting/disclosure.py) hides more until it finds nothing, and the attacker test
runs it over equations it reads off the published JSON by itself.

One HiGHS model is solved again and again with a new objective (primal simplex from the last
vertex, no presolve), so the thousands of small problems cost milliseconds each. Cells are first
settled in bulk by integer solutions that show them at two values ("witnesses"); only the rest
get a problem of their own.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import numpy as np

from reporting.suppress import ProtectionFailed

EPS = 1e-6


_FD_LOCK = threading.Lock()


def _quiet(make: Any) -> Any:
    """make(), with file descriptor 1 pointed at /dev/null meanwhile: HiGHS's C++ constructor prints
    its banner on stdout (once per process, before any option can be set), which would corrupt a
    report written as JSON or CSV to stdout. The app draws on stderr, so nothing else is lost."""
    sys.stdout.flush()
    with _FD_LOCK:
        saved = os.dup(1)
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 1)
            finally:
                os.close(null)
            return make()
        finally:
            os.dup2(saved, 1)
            os.close(saved)


class Solver:
    """min cost @ x subject to every row's sum being 0 and lower <= x <= upper, re-solved for each
    new cost. A row maps a column to its coefficient.

    Columns whose bounds meet (a published 0, most figures of a small population) are constants:
    they are moved into the rows' right-hand sides and left out of the model, which a tiny
    population's system (12,680 figures, two thirds of them published zeros) shrinks to a third.
    Widening a constant's bounds (a zero hidden) rebuilds the model at the next solve."""

    def __init__(self, rows: list[dict[int, float]], n: int, lower: np.ndarray, upper: np.ndarray) -> None:
        self.rows = rows
        self.n = n
        self.lower = lower.astype(float).copy()
        self.upper = upper.astype(float).copy()
        self._build()

    def _build(self) -> None:
        import highspy

        n, lower, upper = self.n, self.lower, self.upper
        constant = lower == upper
        free = np.flatnonzero(~constant)
        self.free = free
        self.where = np.full(n, -1, dtype=np.int64)  # a column's place in the model, -1 if constant
        self.where[free] = np.arange(len(free))
        self.constant_x = np.where(constant, lower, 0.0)
        by_column: list[list[tuple[int, float]]] = [[] for _ in range(len(free))]
        rhs: list[float] = []
        for row in self.rows:
            shift = 0.0
            members = []
            for c, coefficient in row.items():
                if constant[c]:
                    shift -= coefficient * lower[c]
                else:
                    members.append((int(self.where[c]), coefficient))
            if not members:
                if abs(shift) > EPS:  # the true figures always satisfy every equation
                    raise ProtectionFailed("the published figures contradict each other")
                continue
            r = len(rhs)
            rhs.append(shift)
            for c, coefficient in members:
                by_column[c].append((r, coefficient))
        self.h = _quiet(highspy.Highs)
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("presolve", "off")  # keeps the basis from one objective to the next
        # The first solve has no vertex to start from: the interior-point method with crossover finds
        # one several times faster than the simplex's phase 1 (0.36 s against 1.21 s for the attacker
        # test's 7,998 figures); every later solve is the primal simplex from the last vertex, which
        # stays feasible when only the objective changes.
        self.h.setOptionValue("solver", "ipm")
        self.h.setOptionValue("run_crossover", "on")
        self.h.setOptionValue("simplex_strategy", 4)
        self._first = True
        self._dirty = False
        m = len(free)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = m, len(rhs)
        lp.col_cost_ = np.zeros(m)
        lp.col_lower_ = lower[free]
        lp.col_upper_ = np.where(np.isfinite(upper[free]), upper[free], highspy.kHighsInf)
        lp.row_lower_ = lp.row_upper_ = np.array(rhs, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.cumsum([0] + [len(col) for col in by_column], dtype=np.int32)
        lp.a_matrix_.index_ = np.array([r for col in by_column for r, _ in col], dtype=np.int32)
        lp.a_matrix_.value_ = np.array([v for col in by_column for _, v in col], dtype=float)
        self.h.passModel(lp)
        self._optimal: Any = highspy.HighsModelStatus.kOptimal
        self._inf = highspy.kHighsInf
        self._costed = np.zeros(0, dtype=np.int32)
        self.solves = 0

    def bounds(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        columns = np.asarray(columns, dtype=np.int64)
        self.lower[columns] = lower
        self.upper[columns] = upper
        if self._dirty or (self.where[columns] < 0).any() or (lower == upper).any():
            self._dirty = True  # a constant column widened, or a column made constant: rebuilt when solved
            return
        inf = self._inf
        self.h.changeColsBounds(len(columns), self.where[columns].astype(np.int32), lower.astype(float),
                                np.where(np.isfinite(upper), upper, inf).astype(float))

    def solve(self, idx: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """A vertex minimising cost @ x[idx]; every other column costs nothing."""
        if self._dirty:
            solves = self.solves
            self._build()
            self.solves = solves
        self.solves += 1
        at = self.where[idx]
        keep = at >= 0  # a constant column's cost changes nothing
        at, cost = at[keep].astype(np.int32), np.asarray(cost, dtype=float)[keep]
        if len(self._costed):
            self.h.changeColsCost(len(self._costed), self._costed, np.zeros(len(self._costed)))
        self.h.changeColsCost(len(at), at, cost)
        self._costed = at
        self.h.run()
        if self._first:
            self._first = False
            self.h.setOptionValue("solver", "simplex")
        if self.h.getModelStatus() != self._optimal:
            # the true figures are always a solution: no solution is a fault
            raise ProtectionFailed("the published figures contradict each other")
        solution = self.constant_x.copy()
        solution[self.free] = np.asarray(self.h.getSolution().col_value)
        return solution


class Audit:
    """The attack over one system of equations, kept between calls: hiding a figure only widens
    its interval (`widen`), so every solution found stays a solution and every cell once shown at
    two values stays so; after hiding, only the cells it concerns need to be looked at again."""

    def __init__(self, rows: list[dict[int, float]], lower: np.ndarray, upper: np.ndarray, k: int) -> None:
        n = len(lower)
        self.k = k
        self.lower = lower.astype(float)
        self.solver = Solver(rows, n, self.lower, upper)
        self.low = np.full(n, np.inf)  # the smallest and largest integer value seen in a solution
        self.high = np.full(n, -np.inf)
        self.outside = np.zeros(n, dtype=bool)  # seen at 0 or at k or more
        rng = np.random.default_rng(1)
        everything = np.arange(n)
        for _ in range(4):
            self._witness(self.solver.solve(everything, rng.normal(size=n)))

    def widen(self, columns: list[int], lower: np.ndarray, upper: np.ndarray) -> None:
        """New bounds for columns: wider (a figure hidden), or narrowed to what every solution
        already satisfies (a ".." printed "<k" because it is known to be 1..k-1)."""
        self.lower[columns] = lower
        self.solver.bounds(np.array(columns), lower, upper)

    def _witness(self, x: np.ndarray) -> None:
        xr = np.round(x)
        whole = np.abs(x - xr) < EPS  # a fractional value proves nothing about integers
        np.minimum(self.low, np.where(whole, xr, np.inf), out=self.low)
        np.maximum(self.high, np.where(whole, xr, -np.inf), out=self.high)
        self.outside[whole & ((xr < 0.5) | (xr > self.k - 0.5))] = True

    def exposed(self, targets: np.ndarray, dots: np.ndarray, *,
                enough: int | None = None) -> dict[int, tuple[float, float]]:
        """{column: (min, max)} for every target column the linear program pins (min and max round
        to one integer) and every dot column it shows to lie in 1..k-1. Stops after `enough`."""
        k = self.k

        def open_() -> np.ndarray:
            still: np.ndarray = targets & ~((self.high - self.low > 0.5) & (~dots | self.outside))
            return still

        rng = np.random.default_rng(2)
        for _ in range(40):  # push the open cells, many at once, to the side not yet seen, while that pays
            todo = np.flatnonzero(open_())
            if not len(todo):
                break
            up = np.isfinite(self.low[todo]) & (self.low[todo] > self.lower[todo] + 0.5)
            cost = np.where(up, 1.0, -1.0) * rng.uniform(0.5, 1.5, size=len(todo))
            self._witness(self.solver.solve(todo, cost))
            if open_().sum() > len(todo) * 0.95:
                break
        found: dict[int, tuple[float, float]] = {}
        one = np.ones(1)
        for i in np.flatnonzero(open_()):
            if not open_()[i]:
                continue  # an earlier cell's solutions settled it
            at = np.array([i])
            x = self.solver.solve(at, one)
            self._witness(x)
            lo_i = float(x[i])
            hi_i = float(self.high[i]) if np.isfinite(self.high[i]) else lo_i
            if _bad(lo_i, hi_i, bool(dots[i]), k):
                x = self.solver.solve(at, -one)
                self._witness(x)
                hi_i = float(x[i])
            if _bad(lo_i, hi_i, bool(dots[i]), k):
                found[int(i)] = (round(lo_i, 3), round(hi_i, 3))
                if enough is not None and len(found) >= enough:
                    break
        return found


def exposed(rows: list[dict[int, float]], lower: np.ndarray, upper: np.ndarray, targets: np.ndarray,
            dots: np.ndarray, k: int, *, enough: int | None = None) -> dict[int, tuple[float, float]]:
    """Audit.exposed in one call: rows are the equations (each sums to 0), lower/upper what each
    published figure promises, targets the hidden columns, dots those printed as ".."."""
    return Audit(rows, lower, upper, k).exposed(targets, dots, enough=enough)


def _bad(lo: float, hi: float, dot: bool, k: int) -> bool:
    """Pinned (one integer between min and max), or a ".." shown to be 1..k-1."""
    pinned = bool(int(-(-(lo - EPS) // 1)) >= int((hi + EPS) // 1))
    return pinned or (dot and lo > 0.5 - EPS and hi < k - 0.5)
