"""The linear-programming audit of published figures: which hidden figures the published ones still give away.

The published figures of a report system are intervals (a rounded count, "<k", "..") tied by exact
equations (a total is the sum of its parts). An attacker who solves linear programs for the
minimum and the maximum of a hidden figure over everything published learns its exact value when
the two meet, and that a ".." is a small count when both lie in 1..k-1. `exposed` runs that attack:
the protection (reporting/disclosure.py) hides more until it finds nothing, and the attacker test
runs it over equations it reads off the published JSON by itself.

One HiGHS model per independent block of equations is solved again and again with a new objective
(primal simplex from the last vertex, no presolve), so the thousands of small problems cost
milliseconds each. Cells are first
settled in bulk by integer solutions that show them at two values ("witnesses"); only the rest
get a problem of their own.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import numpy as np

from reporting.cancel import checkpoint
from reporting.suppress import ProtectionFailed

EPS = 1e-6
# Witness pushes: at most PUSHES, while one settles PAYS open cells or 1 % of them (a push costs a
# solve in every block with open cells, a cell's own problem a solve in one block; the training
# workspace's audit: 2,614 solves when pushing stopped below 5 %, 1,598 so).
PUSHES, PAYS = 200, 10


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


class _Block:
    """One HiGHS model over some of the columns (an independent block of equations), re-solved for
    each new cost from its last vertex."""

    def __init__(self, columns: np.ndarray, rows: list[tuple[float, list[tuple[int, float]]]],
                 lower: np.ndarray, upper: np.ndarray) -> None:
        import highspy

        self.columns = columns  # the system's column numbers, in the model's order
        m = len(columns)
        by_column: list[list[tuple[int, float]]] = [[] for _ in range(m)]
        for r, (_, members) in enumerate(rows):
            for c, coefficient in members:
                by_column[c].append((r, coefficient))
        self.h = _quiet(highspy.Highs)
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("presolve", "off")  # keeps the basis from one objective to the next
        # The first solve has no vertex to start from: on a large block the interior-point method
        # with crossover finds one several times faster than the simplex's phase 1 (0.36 s against
        # 1.21 s for the attacker test's 7,998 figures); every later solve is the primal simplex from
        # the last vertex, which stays feasible when only the objective changes.
        if m > 1000:
            self.h.setOptionValue("solver", "ipm")
            self.h.setOptionValue("run_crossover", "on")
        self.h.setOptionValue("simplex_strategy", 4)
        self._first = True
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = m, len(rows)
        lp.col_cost_ = np.zeros(m)
        lp.col_lower_ = lower
        lp.col_upper_ = np.where(np.isfinite(upper), upper, highspy.kHighsInf)
        lp.row_lower_ = lp.row_upper_ = np.array([rhs for rhs, _ in rows], dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.cumsum([0] + [len(col) for col in by_column], dtype=np.int32)
        lp.a_matrix_.index_ = np.array([r for col in by_column for r, _ in col], dtype=np.int32)
        lp.a_matrix_.value_ = np.array([v for col in by_column for _, v in col], dtype=float)
        self.h.passModel(lp)
        self._optimal: Any = highspy.HighsModelStatus.kOptimal
        self._inf = highspy.kHighsInf
        self._costed = np.zeros(0, dtype=np.int32)

    def bounds(self, at: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        self.h.changeColsBounds(len(at), at.astype(np.int32), lower.astype(float),
                                np.where(np.isfinite(upper), upper, self._inf).astype(float))

    def solve(self, at: np.ndarray, cost: np.ndarray) -> np.ndarray:
        if len(self._costed):
            self.h.changeColsCost(len(self._costed), self._costed, np.zeros(len(self._costed)))
        at = at.astype(np.int32)
        self.h.changeColsCost(len(at), at, cost.astype(float))
        self._costed = at
        self.h.run()
        if self._first:
            self._first = False
            self.h.setOptionValue("solver", "simplex")
        if self.h.getModelStatus() != self._optimal:
            # the true figures are always a solution: no solution is a fault
            raise ProtectionFailed("the published figures contradict each other")
        return np.asarray(self.h.getSolution().col_value)


class Solver:
    """min cost @ x subject to every row's sum being 0 and lower <= x <= upper, re-solved for each
    new cost. A row maps a column to its coefficient.

    Columns whose bounds meet (a published 0: most figures of a small population) are constants,
    moved into the rows' right-hand sides; what is left falls apart into independent blocks
    (equations that share no free figure), each its own model, and a cost touches only the blocks
    of its columns. The training workspace's 12,680 figures are 30 blocks of at most 2,538 free
    figures, so a cell's own problem is solved in its block, not in the whole system. Widening a
    constant's bounds (a zero hidden) may join blocks: the models are rebuilt at the next solve."""

    def __init__(self, rows: list[dict[int, float]], n: int, lower: np.ndarray, upper: np.ndarray) -> None:
        self.rows = rows
        self.n = n
        self.lower = lower.astype(float).copy()
        self.upper = upper.astype(float).copy()
        self.solves = 0
        self._build()

    def _build(self) -> None:
        from scipy import sparse
        from scipy.sparse.csgraph import connected_components

        n, lower, upper = self.n, self.lower, self.upper
        constant = lower == upper
        free = np.flatnonzero(~constant)
        where = np.full(n, -1, dtype=np.int64)
        where[free] = np.arange(len(free))
        reduced: list[tuple[float, list[int], list[float]]] = []
        for row in self.rows:
            shift = 0.0
            cols: list[int] = []
            coefficients: list[float] = []
            for c, coefficient in row.items():
                if constant[c]:
                    shift -= coefficient * lower[c]
                else:
                    cols.append(int(where[c]))
                    coefficients.append(coefficient)
            if not cols:
                if abs(shift) > EPS:  # the true figures always satisfy every equation
                    raise ProtectionFailed("the published figures contradict each other")
                continue
            reduced.append((shift, cols, coefficients))
        # Blocks: free columns joined by a row (a path graph over each row's columns suffices).
        a = [c for _, cols, _ in reduced for c in cols[:-1]]
        b = [c for _, cols, _ in reduced for c in cols[1:]]
        graph = sparse.coo_array((np.ones(len(a)), (a, b)), shape=(len(free), len(free)))
        count, label = connected_components(graph, directed=False)
        members = [free[label == g] for g in range(count)]
        self.block_of = np.full(n, -1, dtype=np.int64)  # a column's block, -1 if constant
        self.at = np.full(n, -1, dtype=np.int64)  # its place in its block's model
        for g, cols_g in enumerate(members):
            self.block_of[cols_g] = g
            self.at[cols_g] = np.arange(len(cols_g))
        block_rows: list[list[tuple[float, list[tuple[int, float]]]]] = [[] for _ in range(count)]
        for shift, cols, coefficients in reduced:
            g = int(label[cols[0]])
            block_rows[g].append((shift, [(int(self.at[free[c]]), v)
                                          for c, v in zip(cols, coefficients, strict=True)]))
        self.blocks = [_Block(cols_g, block_rows[g], lower[cols_g], upper[cols_g])
                       for g, cols_g in enumerate(members)]
        self.x = np.where(constant, lower, 0.0)  # the last solution, block by block
        self._stale = set(range(count))  # blocks without a solution yet
        self._dirty = False

    def bounds(self, columns: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        columns = np.asarray(columns, dtype=np.int64)
        self.lower[columns] = lower
        self.upper[columns] = upper
        if self._dirty or (self.block_of[columns] < 0).any() or (lower == upper).any():
            self._dirty = True  # a constant widened, or a column made constant: rebuilt when solved
            return
        for g in np.unique(self.block_of[columns]):
            mine = self.block_of[columns] == g
            self.blocks[g].bounds(self.at[columns[mine]], lower[mine], upper[mine])

    def solve(self, idx: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """A vertex minimising cost @ x[idx]; every other column costs nothing. A block no cost
        touches keeps its last solution (bounds only widen, or narrow to what it already meets)."""
        checkpoint()  # a protection taking long can be stopped between two linear programs
        if self._dirty:
            self._build()
        self.solves += 1
        idx = np.asarray(idx, dtype=np.int64)
        cost = np.asarray(cost, dtype=float)
        g_of = self.block_of[idx]
        touched = set(np.unique(g_of[g_of >= 0]).tolist()) | self._stale
        for g in sorted(touched):
            mine = g_of == g
            block = self.blocks[g]
            self.x[block.columns] = block.solve(self.at[idx[mine]], cost[mine])
        self._stale = set()
        return self.x.copy()


class Audit:
    """The attack over one system of equations, kept between calls: hiding a figure only widens
    its interval (`widen`), so every solution found stays a solution and every cell once shown at
    two values stays so; after hiding, only the cells it concerns need to be looked at again."""

    def __init__(self, rows: list[dict[int, float]], lower: np.ndarray, upper: np.ndarray, k: int,
                 known: np.ndarray | None = None) -> None:
        """known: a solution the caller has (the protection has the true figures; an attacker none)."""
        n = len(lower)
        self.k = k
        self.lower = lower.astype(float)
        self.solver = Solver(rows, n, self.lower, upper)
        self.low = np.full(n, np.inf)  # the smallest and largest integer value seen in a solution
        self.high = np.full(n, -np.inf)
        self.outside = np.zeros(n, dtype=bool)  # seen at 0 or at k or more
        if known is not None:
            # The true figures satisfy every equation and every published promise, so they are a
            # witness for free: a hidden zero is already seen at 0, and needs one solution more.
            self._witness(np.asarray(known, dtype=float))
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
        for _ in range(PUSHES):  # push open cells, many at once, to the side not yet seen, while that pays
            todo = np.flatnonzero(open_())
            if not len(todo):
                break
            up = np.isfinite(self.low[todo]) & (self.low[todo] > self.lower[todo] + 0.5)
            cost = np.where(up, 1.0, -1.0) * rng.uniform(0.5, 1.5, size=len(todo))
            before = int(open_().sum())
            self._witness(self.solver.solve(todo, cost))
            if before - int(open_().sum()) < max(PAYS, 0.01 * before):
                break
        found: dict[int, tuple[float, float]] = {}
        one = np.ones(1)
        for i in np.flatnonzero(open_()):
            if not open_()[i]:
                continue  # an earlier cell's solutions settled it
            at = np.array([i])
            if np.isfinite(self.low[i]) and self.low[i] <= self.lower[i] + 0.5:
                # Already seen at its lower bound (a hidden zero: the true figures are a witness):
                # its maximum alone may settle it, and its minimum is solved only if not.
                x = self.solver.solve(at, -one)
                self._witness(x)
                hi_i = float(x[i])
                lo_i = float(self.low[i])
                if _bad(lo_i, hi_i, bool(dots[i]), k):
                    x = self.solver.solve(at, one)
                    self._witness(x)
                    lo_i = float(x[i])
            else:
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
