"""The report beside the previous period of the same length: JSON, CSV and the terminal table.

Both periods are read as published (protected) figures only; the previous period's figures are the
same selection moved back in time (Selection.previous) and protected the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from forms.schema import FormDefinition
from reporting.output import AGE_LABELS, GENDER_LABELS, ISU_LABELS, to_csv, training_mark
from reporting.published import ATTAINMENT, ISU, codes_of, count, question_base, share, sum_base


def with_previous(data: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """The JSON shape: the current figures as before, and under "previous" the same shape for the
    previous period (its own selection says which dates)."""
    return {**data, "previous": previous}


def to_csv_compared(data: dict[str, Any], previous: dict[str, Any], lang: str = "sv") -> str:
    """The long CSV with one more column, previous_value: the same measure, group and code in the
    previous period (empty where that period has no such row)."""
    def rows(d: dict[str, Any]) -> list[list[str]]:
        return list(csv.reader(io.StringIO(to_csv(d, lang))))

    now, before = rows(data), rows(previous)
    earlier = {tuple(r[:3]): r[3] for r in before[1:] if len(r) == 4}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*now[0], "previous_value"])
    seen = set()
    for r in now[1:]:
        key = tuple(r[:3])
        seen.add(key)
        writer.writerow([*r, earlier.get(key, "")])
    for r in before[1:]:  # a row only the previous period has (a life area no goal has now)
        if tuple(r[:3]) not in seen and r[0] != "training":
            writer.writerow([*r[:3], "", r[3]])
    return buf.getvalue()


def _period(sel: Mapping[str, Any]) -> str:
    return f"{sel.get('from') or '…'} – {sel.get('to') or '…'}"


def _cell(value: Any, base: Any) -> str:
    pct = share(value, base)
    text = "–" if value is None else str(value)
    return f"{text:>6} {f'{pct:.0f} %' if pct is not None else '':>5}"


def to_table_compared(data: dict[str, Any], previous: dict[str, Any], form: FormDefinition, lang: str) -> str:
    """The terminal table with two columns, this period and the previous one; each cell a count
    and its share of the base, a gap ('<5', '..') printed as published."""
    sv = lang != "en"
    key = "sv" if sv else "en"
    mark = training_mark(data, lang)
    lines = [mark, ""] if mark else []
    now_name = "Perioden" if sv else "This period"
    before_name = "Föregående" if sv else "Previous"
    periods = f"{now_name}: {_period(data['selection'])}   {before_name}: {_period(previous['selection'])}"
    lines.append(periods)
    lines.append("")
    lines.append(f"{'':40} {now_name:>12}  {before_name:>12}")
    attainment = next((q for _, q in form.questions() if q.id == "attainment"), None)
    labels = {c.code: c.label.get(lang) for c in getattr(attainment, "choices", [])}
    labels.update(ISU_LABELS[key])

    def row(label: str, now: Any, before: Any, base_now: Any = None, base_before: Any = None) -> None:
        lines.append(f"  {label[:38]:38} {_cell(now, base_now)}  {_cell(before, base_before)}")

    row("Uppföljningar" if sv else "Follow-ups", data["followups"], previous["followups"])
    row("Brukare" if sv else "Clients", data.get("clients"), previous.get("clients"))
    goal_tables = (("attainment", ATTAINMENT, "Måluppfyllelse (mål)" if sv else "Goal attainment (goals)"),
                   ("isu", ISU, "ISU-variabel (mål)" if sv else "ISU variable (goals)"))
    for name, codes, title in goal_tables:
        now, before = data["goals"][name], previous["goals"][name]
        lines += ["", title]
        for code in codes:
            row(labels.get(code, code), now.get(code), before.get(code), sum_base(now, codes),
                sum_base(before, codes))
    lines += ["", "Kön (uppföljningar)" if sv else "Gender (follow-ups)"]
    for g, part in data["by_gender"].items():
        then = previous["by_gender"].get(g, {}).get("followups")
        row(GENDER_LABELS[key].get(g, g), part["followups"], then, data["followups"], previous["followups"])
    lines += ["", "Åldersgrupp (uppföljningar)" if sv else "Age band (follow-ups)"]
    for b, part in data["by_age_band"].items():
        row(AGE_LABELS[key].get(b, b), part["followups"], previous["by_age_band"].get(b, {}).get("followups"),
            data["followups"], previous["followups"])
    for qid, cells in data["questions"].items():
        before = previous["questions"].get(qid, {})
        lines += ["", form.question(qid).label.get(lang)]
        base_now, base_before = question_base(form, qid, cells), question_base(form, qid, before)
        names = {c.code: c.label.get(lang) for c in getattr(form.question(qid), "choices", [])}
        for code in codes_of(form, qid, cells):
            row(names.get(code, code), cells.get(code), before.get(code), base_now, base_before)
        lines.append(f"  {'n':38} {_cell(base_now, None)}  {_cell(base_before, None)}")
    if data.get("gas_t_mean") is not None or previous.get("gas_t_mean") is not None:
        lines.append("")
        row("GAS T", data.get("gas_t_mean"), previous.get("gas_t_mean"))
    k = data.get("suppression_threshold", 1)
    if count(k) and k > 1:
        lines += ["", f"<{k} = 1–{k - 1}; '..' = " + ("dolt" if sv else "hidden")]
    return "\n".join(lines) + "\n"
