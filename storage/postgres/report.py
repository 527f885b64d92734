"""The ISU compilation as aggregate SQL: the server counts per cell (gender x age band), Python only adds
the cells up into the same Measures the local compilation makes, so suppression stays in one place.

The counting reads the coded-answer tables a trigger keeps beside the follow-ups (migration 0002):
no JSON is unpacked per row. Each follow-up's coded answers are one tally (a vector of counters in a
numeric, TALLY_DIGITS digits a slot); sum() per cell adds them all at once and Python reads the
counters back. When a sum could have carried into the next slot, or the database's slots do not
cover the reported form (db upgrade not run), the report is counted from the JSON instead (EXACT).

Only the aggregation is replaced. Selection, "each client's latest follow-up", age bands, the ISU
classes, change in scale steps and the GAS T-score follow reporting/compile.py rule for rule; the
parity test (tests/test_db_report.py) compiles one population both ways and compares the JSON.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from forms.schema import FormDefinition
from interview.case import SCALE_DIRECTION
from interview.derived import GAS_RHO
from reporting.compile import (
    AGE_BANDS,
    ATTAINMENT,
    FULL,
    GENDERS,
    ISU,
    Measures,
    Part,
    Report,
    choice_questions,
    unit_key,
)
from reporting.selection import Selection

BANDS = [name for name, _, _ in AGE_BANDS] + ["unknown"]

_BAND_SQL = " ".join(f"WHEN age BETWEEN {low} AND {high} THEN '{name}'" for name, low, high in AGE_BANDS)

# The counted follow-ups, one row each, with what the aggregates read (compile.select and _row).
ROWS = f"""
WITH picked AS (
    SELECT f.case_id, f.id, f.created_at, f.status = 'final' AS signed, f.data -> 'answers' AS answers,
           coalesce(f.data ->> 'form_version', '') AS form_version,
           coalesce(f.data -> 'goals', '{{}}'::jsonb) AS goal_answers,
           coalesce(f.data -> 'plan' -> 'goals', '[]'::jsonb) AS plan_goals,
           f.data -> 'answers' ->> 'meeting_date' AS meeting,
           -- The unit travels inside the gender key, so every aggregate below is per unit as well:
           -- the report is protected together with every unit's (reporting/disclosure.py).
           coalesce(c.unit, '') || chr(30) ||
           CASE WHEN c.gender IN ('woman', 'man', 'other', 'unknown') THEN c.gender ELSE 'unknown' END
               AS gender,
           c.born, c.birth_year, coalesce(c.data -> 'client' ->> 'personnummer', '') <> '' AS has_pnr
    FROM uppfoljning.followups f JOIN uppfoljning.cases c ON c.id = f.case_id
    WHERE (f.status = 'final' OR %(drafts)s)
      AND coalesce(f.data -> 'answers' ->> 'meeting_date', '') <> ''
      AND (%(first)s::text IS NULL OR f.data -> 'answers' ->> 'meeting_date' >= %(first)s COLLATE "C")
      AND (%(last)s::text IS NULL OR f.data -> 'answers' ->> 'meeting_date' <= %(last)s COLLATE "C")
      AND (%(caseworker)s::text IS NULL OR coalesce(nullif(f.data ->> 'caseworker', ''),
                                                    c.data -> 'client' ->> 'caseworker') = %(caseworker)s)
      AND (%(plan_type)s::text IS NULL OR f.data -> 'plan' ->> 'type' = %(plan_type)s)
      AND coalesce(f.data ->> 'form', %(form)s) = %(form)s
), ranked AS (
    SELECT p.*, row_number() OVER (PARTITION BY p.case_id, p.signed
                                   ORDER BY p.meeting COLLATE "C" DESC, p.created_at DESC, p.id DESC) AS nth
    FROM picked p
), counted AS (
    SELECT r.*, CASE WHEN age IS NULL THEN 'unknown' {_BAND_SQL} ELSE 'unknown' END AS band
    FROM ranked r CROSS JOIN LATERAL (SELECT CASE
        WHEN r.has_pnr THEN CASE WHEN r.born IS NULL OR r.born > r.meeting::date THEN NULL
            ELSE extract(year FROM r.meeting::date)::integer - extract(year FROM r.born)::integer
                 - (to_char(r.meeting::date, 'MMDD') < to_char(r.born, 'MMDD'))::integer END
        WHEN r.birth_year IS NOT NULL THEN extract(year FROM r.meeting::date)::integer - r.birth_year
    END AS age) a
    WHERE %(all)s OR r.nth = 1
), cells AS MATERIALIZED (
    SELECT c.case_id, c.id, c.gender, c.band, c.answers, c.goal_answers, c.plan_goals, c.form_version,
           row_number() OVER (PARTITION BY c.case_id) = 1 AS first_of_case,
           row_number() OVER (PARTITION BY c.case_id, c.band) = 1 AS first_in_band
    FROM counted c
), goals AS (
    SELECT c.gender, c.band, c.id, g.n, g.goal ->> 'life_area' AS area,
           coalesce(g.goal ->> 'scale', 'none') AS scale,
           (g.goal -> 'baseline') AS baseline, coalesce((g.goal ->> 'weight')::float8, 1.0) AS weight,
           nullif(c.goal_answers -> (g.goal ->> 'id') -> 'attainment', 'null') #>> '{{}}' AS attainment,
           nullif(c.goal_answers -> (g.goal ->> 'id') -> 'level', 'null') AS level
    FROM cells c CROSS JOIN LATERAL jsonb_array_elements(c.plan_goals) WITH ORDINALITY AS g(goal, n)
), changes AS (
    SELECT g.*, CASE WHEN g.scale IN ('icf', 'gas') AND g.baseline IS NOT NULL
                          AND jsonb_typeof(g.baseline) = 'number' AND g.level IS NOT NULL
                     THEN ((g.level::text::numeric - g.baseline::text::numeric)
                           * CASE g.scale WHEN 'icf' THEN {SCALE_DIRECTION['icf']}
                                          ELSE {SCALE_DIRECTION['gas']} END)::integer END AS delta
    FROM goals g
)
"""

# Every aggregate as (kind, gender, band, key, code, n, total): one statement, one pass per branch
# over the materialized rows.
EXACT = ROWS + """
SELECT 'rows', gender, band, '', '', count(*), count(*) FILTER (WHERE first_of_case)::float8,
       count(*) FILTER (WHERE first_in_band)::float8
FROM cells GROUP BY gender, band
UNION ALL
SELECT 'code', c.gender, c.band, a.key, e.code, count(*), 0, 0
FROM cells c CROSS JOIN LATERAL jsonb_each(c.answers) a
CROSS JOIN LATERAL (SELECT x #>> '{}' FROM jsonb_array_elements(CASE jsonb_typeof(a.value)
    WHEN 'array' THEN a.value ELSE jsonb_build_array(a.value) END) x) e(code)
WHERE a.key = ANY (%(questions)s) AND jsonb_typeof(a.value) <> 'null'
  AND a.key || chr(31) || e.code = ANY (%(pairs)s)
GROUP BY c.gender, c.band, a.key, e.code
UNION ALL
SELECT 'answered', c.gender, c.band, a.key, '', count(*), 0, 0
FROM cells c CROSS JOIN LATERAL jsonb_each(c.answers) a
WHERE a.key = ANY (%(questions)s) AND jsonb_typeof(a.value) <> 'null'
  AND EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(a.value)
      WHEN 'array' THEN a.value ELSE jsonb_build_array(a.value) END) x
      WHERE a.key || chr(31) || (x #>> '{}') = ANY (%(pairs)s))
GROUP BY c.gender, c.band, a.key
UNION ALL
SELECT CASE WHEN GROUPING(area) = 0 AND GROUPING(attainment) = 0 THEN 'attainment'
            WHEN GROUPING(isu) = 0 THEN 'isu' ELSE 'change' END,
       gender, band, coalesce(area, ''), coalesce(attainment, isu, ''),
       count(*), coalesce(sum(delta), 0)::float8, 0
FROM (SELECT ch.*, CASE WHEN ch.delta < 0 THEN 'negative' WHEN ch.delta = 0 THEN 'no_change'
                        WHEN ch.delta > 0 THEN CASE WHEN ch.attainment = 'achieved' THEN 'positive_met'
                                                    ELSE 'positive_not_met' END END AS isu,
             ch.delta IS NOT NULL AND ch.scale = 'icf' AS icf
      FROM changes ch) x
WHERE attainment IS NOT NULL OR isu IS NOT NULL
GROUP BY GROUPING SETS ((gender, band, area, attainment), (gender, band, isu), (gender, band, icf, area))
HAVING (GROUPING(attainment) = 0 AND attainment IS NOT NULL) OR (GROUPING(isu) = 0 AND isu IS NOT NULL)
    OR (GROUPING(icf) = 0 AND icf)
UNION ALL
SELECT 'gas', gender, band, '', '', count(*), sum(t), 0
FROM (SELECT gender, band, id,
             50 + 10 * sum(weight * level::text::float8 ORDER BY n)
                  / sqrt((1 - %(rho)s::float8) * sum(weight * weight ORDER BY n)
                         + %(rho)s::float8 * sum(weight ORDER BY n) ^ 2) AS t
      FROM goals WHERE scale = 'gas' AND level IS NOT NULL
      GROUP BY gender, band, id) gas
GROUP BY gender, band
UNION ALL
SELECT 'version', '', '', form_version, '', count(*), 0, 0
FROM cells GROUP BY form_version
"""


TALLY_DIGITS = 7  # as tally_of() in 0002_coded_answers.sql packs them
TALLY_LIMIT = 10 ** TALLY_DIGITS

# The counted follow-ups from the coded tables: the same selection and ranking as ROWS.
FAST_ROWS = f"""
WITH picked AS (
    SELECT f.case_id, f.followup_id AS id, f.created_at, f.status = 'final' AS signed, f.meeting,
           f.form_version,
           -- the unit inside the gender key, as in ROWS: every aggregate is per unit as well
           coalesce(c.unit, '') || chr(30) ||
           CASE WHEN c.gender IN ('woman', 'man', 'other', 'unknown') THEN c.gender ELSE 'unknown' END
               AS gender,
           c.born, c.birth_year, c.has_pnr
    FROM uppfoljning.followup_codes f JOIN uppfoljning.cases c ON c.id = f.case_id
    WHERE (f.status = 'final' OR %(drafts)s)
      AND coalesce(f.meeting, '') <> ''
      AND (%(first)s::text IS NULL OR f.meeting >= %(first)s COLLATE "C")
      AND (%(last)s::text IS NULL OR f.meeting <= %(last)s COLLATE "C")
      AND (%(caseworker)s::text IS NULL
           OR coalesce(nullif(f.caseworker, ''), c.client_caseworker) = %(caseworker)s)
      AND (%(plan_type)s::text IS NULL OR f.plan_type = %(plan_type)s)
), chosen AS (
    {{chosen}}
), counted AS (
    -- the age once per row (OFFSET 0 keeps the planner from copying its expression into each use)
    SELECT a.*, CASE WHEN a.age IS NULL THEN 'unknown' {_BAND_SQL} ELSE 'unknown' END AS band
    FROM (SELECT r.*, CASE
        WHEN r.has_pnr THEN CASE WHEN r.born IS NULL OR r.born > r.meeting::date THEN NULL
            ELSE extract(year FROM r.meeting::date)::integer - extract(year FROM r.born)::integer
                 - (to_char(r.meeting::date, 'MMDD') < to_char(r.born, 'MMDD'))::integer END
        WHEN r.birth_year IS NOT NULL THEN extract(year FROM r.meeting::date)::integer - r.birth_year
    END AS age FROM chosen r OFFSET 0) a
), cells AS MATERIALIZED (
    SELECT c.id, c.gender, c.band, c.form_version,
           row_number() OVER (PARTITION BY c.case_id) = 1 AS first_of_case,
           row_number() OVER (PARTITION BY c.case_id, c.band) = 1 AS first_in_band
    FROM counted c
), sums AS MATERIALIZED (
    SELECT c.gender, c.band, sum(t.tally)::text AS tally, max(t.tally_max) AS tally_max, count(*) AS n,
           count(*) FILTER (WHERE t.gas_n > 0) AS gas_n,
           sum(50 + 10 * t.gas_swx / sqrt((1 - %(rho)s::float8) * t.gas_sww
                                          + %(rho)s::float8 * t.gas_sw ^ 2)) FILTER (WHERE t.gas_n > 0) AS gas
    FROM cells c JOIN uppfoljning.followup_codes t ON t.followup_id = c.id
    GROUP BY c.gender, c.band
)
"""

# Which follow-ups are counted, as two texts rather than a parameter: the planner then sees the
# query it runs and estimates its rows (DISTINCT ON from the case ids' statistics). Misjudged by a
# thousandfold, it sorts on disk and hashes the wrong side of every join.
LATEST = """SELECT DISTINCT ON (p.case_id, p.signed) p.* FROM picked p
    ORDER BY p.case_id, p.signed, p.meeting COLLATE "C" DESC, p.created_at DESC, p.id DESC"""
EVERY = "SELECT * FROM picked"

AGGREGATES = FAST_ROWS + """
SELECT 'rows', gender, band, '', '', count(*), count(*) FILTER (WHERE first_of_case)::float8,
       count(*) FILTER (WHERE first_in_band)::float8
FROM cells GROUP BY gender, band
UNION ALL
SELECT 'tally', gender, band, '', tally, n, tally_max, 0 FROM sums
UNION ALL
SELECT 'gas', gender, band, '', '', gas_n, coalesce(gas, 0), 0 FROM sums WHERE gas_n > 0
UNION ALL
SELECT CASE WHEN GROUPING(area) = 0 AND GROUPING(attainment) = 0 THEN 'attainment'
            WHEN GROUPING(isu) = 0 THEN 'isu' ELSE 'change' END,
       gender, band, coalesce(area, ''), coalesce(attainment, isu, ''),
       count(*), coalesce(sum(delta), 0)::float8, 0
FROM (SELECT c.gender, c.band, g.area, g.attainment, g.delta,
             CASE WHEN g.delta < 0 THEN 'negative' WHEN g.delta = 0 THEN 'no_change'
                  WHEN g.delta > 0 THEN CASE WHEN g.attainment = 'achieved' THEN 'positive_met'
                                             ELSE 'positive_not_met' END END AS isu,
             g.delta IS NOT NULL AND g.scale = 'icf' AS icf
      FROM cells c JOIN uppfoljning.goal_codes g ON g.followup_id = c.id) x
WHERE attainment IS NOT NULL OR isu IS NOT NULL
GROUP BY GROUPING SETS ((gender, band, area, attainment), (gender, band, isu), (gender, band, icf, area))
HAVING (GROUPING(attainment) = 0 AND attainment IS NOT NULL) OR (GROUPING(isu) = 0 AND isu IS NOT NULL)
    OR (GROUPING(icf) = 0 AND icf)
UNION ALL
SELECT 'version', '', '', form_version, '', count(*), 0, 0
FROM cells GROUP BY form_version
"""


# The counted rows (see BY_MARK, BY_RANK, BY_FILTER below) read from the coded rows alone: no join,
# no age per row (gender and band are kept beside each row, migration 0006). Each client's latest is
# read from its mark whenever no filter can change which one that is: a first date alone cannot (the
# latest is on or after it, or none is); a last date, a caseworker or a plan type can (then it is
# ranked). Without drafts a client has at most one row, so it is the first of its case and of its
# band; otherwise the window functions decide as in FAST_ROWS.
MARKED = """
WITH counted AS (
    SELECT f.case_id, f.followup_id AS id, f.form_version, f.tally, f.tally_max, f.gas_n, f.gas_swx,
           f.gas_sww, f.gas_sw, f.goals, f.band, f.unit, f.gender
    FROM ({source}) f
), pre AS MATERIALIZED (
    -- One hash aggregate over the marked rows, grouped by cell, form version and the goals as they
    -- stand (a few hundred kinds; their text, cast back once per group): what follows reads only these
    -- groups, the goals unnested once per group and weighted by its count, not once per follow-up.
    SELECT unit || chr(30) || gender AS gender, band, form_version, goals::uppfoljning.goal_set AS goals,
           count(*) AS n,
           count(*) FILTER (WHERE first_of_case) AS clients,
           count(*) FILTER (WHERE first_in_band) AS clients_in_band,
           sum(tally) AS tally, max(tally_max) AS tally_max, count(*) FILTER (WHERE gas_n > 0) AS gas_n,
           sum(50 + 10 * gas_swx / sqrt((1 - %(rho)s::float8) * gas_sww + %(rho)s::float8 * gas_sw ^ 2))
               FILTER (WHERE gas_n > 0) AS gas
    FROM (SELECT c.*, {firsts} FROM counted c) x
    -- the unit inside the gender key (once per group), as in ROWS: every aggregate is per unit too
    GROUP BY unit, gender, band, form_version, goals
), sums AS MATERIALIZED (
    SELECT gender, band, sum(n) AS n, sum(clients) AS clients, sum(clients_in_band) AS clients_in_band,
           sum(tally)::text AS tally, max(tally_max) AS tally_max, sum(gas_n) AS gas_n, sum(gas) AS gas
    FROM pre GROUP BY gender, band
)
SELECT 'rows', gender, band, '', '', n, clients::float8, clients_in_band::float8 FROM sums
UNION ALL
SELECT 'tally', gender, band, '', tally, n, tally_max, 0 FROM sums
UNION ALL
SELECT 'gas', gender, band, '', '', gas_n, coalesce(gas, 0), 0 FROM sums WHERE gas_n > 0
UNION ALL
SELECT CASE WHEN GROUPING(area) = 0 AND GROUPING(attainment) = 0 THEN 'attainment'
            WHEN GROUPING(isu) = 0 THEN 'isu' ELSE 'change' END,
       gender, band, coalesce(area, ''), coalesce(attainment, isu, ''),
       sum(n), coalesce(sum(delta * n), 0)::float8, 0
FROM (SELECT g.gender, g.band, g.area, g.attainment, g.delta, g.n,
             CASE WHEN g.delta < 0 THEN 'negative' WHEN g.delta = 0 THEN 'no_change'
                  WHEN g.delta > 0 THEN CASE WHEN g.attainment = 'achieved' THEN 'positive_met'
                                             ELSE 'positive_not_met' END END AS isu,
             g.delta IS NOT NULL AND g.scale = 'icf' AS icf
      -- unnest in the select list walks the arrays side by side (they always have the same length)
      FROM (SELECT p.gender, p.band, p.n, unnest((p.goals).area) AS area, unnest((p.goals).scale) AS scale,
                   unnest((p.goals).attainment) AS attainment, unnest((p.goals).delta) AS delta
            FROM pre p) g) x
WHERE attainment IS NOT NULL OR isu IS NOT NULL
GROUP BY GROUPING SETS ((gender, band, area, attainment), (gender, band, isu), (gender, band, icf, area))
HAVING (GROUPING(attainment) = 0 AND attainment IS NOT NULL) OR (GROUPING(isu) = 0 AND isu IS NOT NULL)
    OR (GROUPING(icf) = 0 AND icf)
UNION ALL
SELECT 'version', '', '', form_version, '', sum(n), 0, 0
FROM pre GROUP BY form_version
UNION ALL
SELECT 'unbanded', '', '', '', '', sum(n), 0, 0
FROM pre WHERE band IS NULL HAVING count(*) > 0
"""
# Which rows MARKED counts: each client's marked latest; or, when a filter can change which one is
# latest, the latest ranked among the rows the filters keep (DISTINCT ON over the coded rows' few
# narrow columns, as LATEST does, then the chosen rows read once); or, with all_followups, every row
# the filters keep. The filters are compile.select's, as in FAST_ROWS.
FILTERS = """(r.status = 'final' OR %(drafts)s)
      AND coalesce(r.meeting, '') <> ''
      AND (%(first)s::text IS NULL OR r.meeting >= %(first)s COLLATE "C")
      AND (%(last)s::text IS NULL OR r.meeting <= %(last)s COLLATE "C")
      AND (%(caseworker)s::text IS NULL OR coalesce(nullif(r.caseworker, ''), (
          SELECT c.client_caseworker FROM uppfoljning.cases c WHERE c.id = r.case_id)) = %(caseworker)s)
      AND (%(plan_type)s::text IS NULL OR r.plan_type = %(plan_type)s)"""
BY_MARK = """SELECT r.* FROM uppfoljning.followup_codes r
    WHERE r.latest AND (r.status = 'final' OR %(drafts)s)
      AND (%(first)s::text IS NULL OR r.meeting >= %(first)s COLLATE "C")"""
BY_RANK = f"""SELECT f.* FROM uppfoljning.followup_codes f WHERE f.followup_id IN (
        SELECT DISTINCT ON (r.case_id, r.status = 'final') r.followup_id FROM uppfoljning.followup_codes r
        WHERE {FILTERS}
        ORDER BY r.case_id, r.status = 'final', r.meeting COLLATE "C" DESC, r.created_at DESC,
                 r.followup_id DESC)"""
BY_FILTER = f"SELECT r.* FROM uppfoljning.followup_codes r WHERE {FILTERS}"
ONE_PER_CLIENT = "true AS first_of_case, true AS first_in_band"
PER_CLIENT = ("row_number() OVER (PARTITION BY c.case_id) = 1 AS first_of_case, "
              "row_number() OVER (PARTITION BY c.case_id, c.band) = 1 AS first_in_band")


def marked(sel: Selection) -> bool:
    """True when each client's marked latest follow-up is the one the selection counts."""
    return (not sel.all_followups and sel.date_to is None and sel.caseworker is None
            and sel.plan_type is None)


class Slots:
    """Where each counter of a tally sits, for one reported form; None when the database's slots do
    not cover the form (its codes changed or were never loaded: `db upgrade` loads them)."""

    def __init__(self, pairs: dict[int, tuple[str, str]], answered: dict[int, str]) -> None:
        self.pairs, self.answered = pairs, answered

    @classmethod
    def read(cls, cur: Any, form: FormDefinition) -> Slots | None:
        wanted = {(q.id, c.code) for q in choice_questions(form) for c in q.choices}
        loaded = {(str(q), str(c)) for q, c in cur.execute(
            b"SELECT question, code FROM uppfoljning.report_codes WHERE form_version = %s",
            (form.version,)).fetchall()}
        if loaded != wanted:
            return None
        pairs: dict[int, tuple[str, str]] = {}
        answered: dict[int, str] = {}
        for slot, version, question, code in cur.execute(
                b"SELECT slot, form_version, question, code FROM uppfoljning.tally_slots").fetchall():
            if code is not None and (question, code) in wanted:
                pairs[int(slot)] = (str(question), str(code))
            elif version == form.version:
                answered[int(slot)] = str(question)
        questions = {q for q, _ in wanted}
        if set(pairs.values()) != wanted or set(answered.values()) != questions:
            return None
        return cls(pairs, answered)

    def unpack(self, cell: Cell, tally: int) -> None:
        """The counters of one cell's summed tally into its codes and answered counts."""
        last = max([*self.pairs, *self.answered], default=-1)
        for slot in range(last + 1):
            tally, n = divmod(tally, TALLY_LIMIT)
            if not n:
                continue
            if slot in self.pairs:
                cell.codes[self.pairs[slot]] = n
            elif slot in self.answered:
                cell.answered[self.answered[slot]] = n


def overflows(rows: list[tuple[Any, ...]]) -> bool:
    """True when a cell's sum could have carried a counter into the next slot."""
    return any(r[0] == "tally" and int(r[5]) * int(r[6]) >= TALLY_LIMIT for r in rows)


def compile_rows(cur: Any, form: FormDefinition,
                 sel: Selection) -> tuple[list[tuple[Any, ...]], Slots | None]:
    """The aggregate rows for `build`, in the caller's transaction: from the coded tables, or from the
    JSON (slots None) when they cannot give the exact counts."""
    values = params(form, sel)
    slots = Slots.read(cur, form)
    # The planner cannot guess how many follow-ups "each client's latest" keeps and would sort on
    # disk and join row by row; for this transaction only, memory for hashing and no nested loops.
    cur.execute(b"SET LOCAL work_mem = '128MB'")
    cur.execute(b"SET LOCAL enable_nestloop = off")
    cur.execute(b"SET LOCAL jit = off")  # compiling costs more than it saves here
    if slots is not None:
        # the planner cannot know the counted rows fall into a few hundred groups and would sort
        # them all to group them: hash them (DISTINCT ON and the window functions still sort)
        cur.execute(b"SET LOCAL enable_sort = off")
        source = BY_MARK if marked(sel) else BY_FILTER if sel.all_followups else BY_RANK
        one = not sel.all_followups and not sel.include_drafts  # at most one row per client
        query = MARKED.replace("{source}", source).replace("{firsts}", ONE_PER_CLIENT if one else PER_CLIENT)
        rows: list[tuple[Any, ...]] = cur.execute(query.encode(), values).fetchall()
        if any(r[0] == "unbanded" for r in rows):  # a meeting date that is no date: as before
            cur.execute(b"SET LOCAL enable_sort = on")
            query = AGGREGATES.replace("{chosen}", EVERY if sel.all_followups else LATEST)
            rows = cur.execute(query.encode(), values).fetchall()
        if not overflows(rows):
            return rows, slots
    return cur.execute(EXACT.encode(), values).fetchall(), None


@dataclass
class Cell:
    """The additive sums of one gender x age band cell."""

    followups: int = 0
    clients: int = 0  # clients whose first counted follow-up is in this cell's gender
    clients_in_band: int = 0  # clients counted for the first time in this band
    codes: dict[tuple[str, str], int] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    attainment: dict[tuple[str, str], int] = field(default_factory=dict)  # (area, attainment)
    isu: dict[str, int] = field(default_factory=dict)
    change: dict[str, tuple[int, int]] = field(default_factory=dict)  # area -> (sum, n)
    gas: tuple[float, int] = (0.0, 0)


def _cells(rows: list[tuple[Any, ...]], slots: Slots | None) -> dict[tuple[str, str, str], Cell]:
    """(unit, gender, band) -> the cell's sums; the unit is "" where a case has none."""
    cells: dict[tuple[str, str, str], Cell] = defaultdict(Cell)
    for kind, unit_gender, band, key, code, n, total, extra in rows:
        if kind == "version":
            continue  # not a cell: the versions covered, read by `build`
        unit, _, gender = unit_gender.partition("\x1e")
        cell = cells[(unit, gender, band)]
        n = int(n)
        if kind == "tally":
            if slots is not None:
                slots.unpack(cell, int(code))
        elif kind == "rows":
            cell.followups, cell.clients, cell.clients_in_band = n, int(total), int(extra)
        elif kind == "code":
            cell.codes[(key, code)] = n
        elif kind == "answered":
            cell.answered[key] = n
        elif kind == "attainment":
            cell.attainment[(key, code)] = n
        elif kind == "isu":
            cell.isu[code] = n
        elif kind == "change":
            cell.change[key] = (int(total), n)
        elif kind == "gas":
            cell.gas = (float(total), n)
    return cells


def measures(parts: list[Cell], form: FormDefinition, *, clients_in_band: bool = False) -> Measures:
    """The Measures of a group from its cells, shaped exactly as Accumulator.result() shapes them."""
    questions = choice_questions(form)
    counts = {q.id: {c.code: 0 for c in q.choices} for q in questions}
    extra: dict[str, dict[str, int]] = defaultdict(dict)
    answered = {q.id: 0 for q in questions}
    attainment = dict.fromkeys(ATTAINMENT, 0)
    by_area: dict[str, dict[str, int]] = {}
    isu = dict.fromkeys(ISU, 0)
    change: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    gas_sum, gas_n = 0.0, 0
    m = Measures()
    for cell in parts:
        m.followups += cell.followups
        m.clients += cell.clients_in_band if clients_in_band else cell.clients
        for (qid, code), n in cell.codes.items():
            target = counts[qid] if code in counts[qid] else extra[qid]
            target[code] = target.get(code, 0) + n
        for qid, n in cell.answered.items():
            answered[qid] += n
        for (area, value), n in cell.attainment.items():
            attainment[value] += n
            by_area.setdefault(area, dict.fromkeys(ATTAINMENT, 0))[value] += n
        for value, n in cell.isu.items():
            isu[value] += n
        for area, (total, n) in cell.change.items():
            change[area][0] += total
            change[area][1] += n
        gas_sum += cell.gas[0]
        gas_n += cell.gas[1]
    for qid, codes in extra.items():  # codes outside the form's choices, as the local report keeps them
        counts[qid].update(sorted(codes.items()))
    m.questions, m.answered, m.attainment, m.isu = counts, answered, attainment, isu
    m.attainment_by_life_area = dict(sorted(by_area.items()))
    m.change_by_life_area = {area: {"mean": round(t / n, 2), "n": n}
                             for area, (t, n) in sorted(change.items())}
    if gas_n:
        m.gas_t_mean = round(gas_sum / gas_n, 2)
    m.gas_t_n = gas_n
    return m


def params(form: FormDefinition, sel: Selection) -> dict[str, Any]:
    return {
        "drafts": sel.include_drafts, "all": sel.all_followups,
        "first": sel.date_from.isoformat() if sel.date_from else None,
        "last": sel.date_to.isoformat() if sel.date_to else None,
        "unit": sel.unit, "caseworker": sel.caseworker, "plan_type": sel.plan_type,
        "questions": [q.id for q in choice_questions(form)], "rho": GAS_RHO, "form": form.id,
        # Only codes the reported form version has are counted (as the local report does).
        "pairs": [f"{q.id}\x1f{c.code}" for q in choice_questions(form) for c in q.choices],
    }


def build(rows: list[tuple[Any, ...]], form: FormDefinition, sel: Selection,
          slots: Slots | None = None) -> Report:
    """The Report compile_report would make, from the per-cell aggregates: the all-units report and
    every unit's, the one the selection names shown."""
    cells = list(_cells(rows, slots).items())

    def part(chosen: list[tuple[tuple[str, str, str], Cell]]) -> Part:
        by_gender = {g: measures([c for (_, cg, _), c in chosen if cg == g], form) for g in GENDERS}
        by_band = {b: measures([c for (_, _, cb), c in chosen if cb == b], form, clients_in_band=True)
                   for b in BANDS}
        return Part(measures([c for _, c in chosen], form), by_gender, by_band)

    system = {FULL: part(cells)}
    for unit in sorted({u for (u, _, _), _ in cells}, key=lambda u: unit_key(u or None)):
        system[unit_key(unit or None)] = part([x for x in cells if x[0][0] == unit])
    system = {FULL: system[FULL], **dict(sorted((k, v) for k, v in system.items() if k != FULL))}
    shown = system[FULL] if sel.unit is None else system.get(unit_key(sel.unit)) or part([])
    versions = tuple(sorted(int(r[3]) for r in rows if r[0] == "version" and str(r[3]).isdigit()))
    return Report(sel, shown.total, shown.by_gender, shown.by_age_band,
                  {g: shown.by_gender[g].attainment for g in GENDERS}, versions, system)
