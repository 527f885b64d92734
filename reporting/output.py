"""The compiled report as JSON-ready data (suppressed), long CSV, a terminal table, and a PDF."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from forms.schema import FormDefinition, MultiQuestion
from forms.training_data import TRAINING_BANNER
from interview.language import lower_first
from language import LANGUAGES, text
from language.format import decimal, long_date
from reporting.compile import GENDERS, Measures, Report
from reporting.suppress import Cell, any_hidden, hidden, suppress_count, suppress_table

ISU_LABELS = {lang: {code: text(f"isu_{code}", lang)
                     for code in ("positive_met", "positive_not_met", "no_change", "negative")}
              for lang in LANGUAGES}
GENDER_LABELS = {lang: {g: text(f"rep_gender_{g}", lang) for g in ("woman", "man", "other", "unknown")}
                 for lang in LANGUAGES}
AGE_LABELS = {lang: {"unknown": text("rep_age_unknown", lang)} for lang in LANGUAGES}
# what a multiple-choice question's "answered" cell (the denominator) is called in print
ANSWERED_LABELS = {lang: {"answered": text("rep_answered", lang)} for lang in LANGUAGES}


def describe_selection(selection: dict[str, Any], lang: str) -> str:
    """'Urval: möten från 1 januari 2026, verksamhet Socialpsykiatri, utkast räknas med': the selection in
    words, never its internal keys."""
    items = []
    for key, value in selection.items():
        if value in (None, False, ""):
            continue
        if key in ("from", "to"):
            day = date.fromisoformat(str(value))
            items.append(text(f"rep_sel_{key}", lang, date=long_date(day, lang)))
        elif key == "plan_type":
            label = plan_label(str(value), lang)
            shown = label if label[:2].isupper() else lower_first(label)  # "SIP" stays as it is
            items.append(text("rep_sel_plan_type", lang, value=shown))
        elif value is True:
            items.append(text(f"rep_sel_{key}", lang))
        else:
            items.append(text(f"rep_sel_{key}", lang, value=value))
    return text("rep_selection", lang, items=", ".join(items) or text("rep_sel_everything", lang))


def plan_label(plan_type: str, lang: str) -> str:
    try:
        return text(f"plan_{plan_type}", lang)
    except KeyError:
        return plan_type


def _measures(m: Measures, form: FormDefinition, k: int) -> dict[str, Any]:
    questions: dict[str, Any] = {}
    for qid, counts in m.questions.items():
        q = form.question(qid)
        multi = isinstance(q, MultiQuestion)
        cells = suppress_table(counts, k, partition=not multi, total=m.answered.get(qid))
        if multi:
            cells = {**cells, "answered": suppress_count(m.answered.get(qid, 0), k)}
        questions[qid] = cells
    total_goals = sum(m.attainment.values())
    by_area: dict[str, Any] = {}
    for area, counts in m.attainment_by_life_area.items():
        entry: dict[str, Any] = dict(suppress_table(counts, k, partition=True, total=sum(counts.values())))
        change = m.change_by_life_area.get(area)
        if change is not None:
            entry["mean_change"] = change["mean"] if int(change["n"]) >= k else hidden(k)
            entry["change_n"] = suppress_count(int(change["n"]), k)
        by_area[area] = entry
    return {
        "followups": suppress_count(m.followups, k),
        "clients": suppress_count(m.clients, k),
        "questions": questions,
        "goals": {
            "attainment": suppress_table(m.attainment, k, partition=True, total=total_goals),
            "isu": suppress_table(m.isu, k, partition=True, total=sum(m.isu.values())),
            "by_life_area": by_area,
        },
        "gas_t_mean": (m.gas_t_mean if m.gas_t_n >= k else hidden(k)) if m.gas_t_mean is not None else None,
    }


def training_mark(data: dict[str, Any], lang: str) -> str | None:
    """The marking a report compiled in a training workspace carries in every format."""
    return TRAINING_BANNER["en" if lang == "en" else "sv"] if data.get("training") else None


def to_data(report: Report, form: FormDefinition, *, training: bool = False) -> dict[str, Any]:
    """The JSON shape: totals, questions, goals, and the same structure by gender and by age band.

    A report from a training workspace starts with "training": true, and every format made from
    this data carries the marking."""
    k = report.selection.threshold
    data: dict[str, Any] = {"training": True} if training else {}
    data.update(_measures(report.total, form, k))
    data["followups"] = report.total.followups  # the total of the selection itself is published
    data["form"] = {"id": form.id, "reported_on_version": form.version,
                    "versions_covered": list(report.form_versions)}
    data["clients"] = report.total.clients
    gender_counts = suppress_table(
        {g: report.by_gender[g].followups for g in GENDERS}, k, partition=True, total=report.total.followups
    )
    data["by_gender"] = {
        g: {**_measures(report.by_gender[g], form, k), "followups": gender_counts[g]} for g in GENDERS
    }
    band_counts = suppress_table(
        {b: m.followups for b, m in report.by_age_band.items()},
        k,
        partition=True,
        total=report.total.followups,
    )
    data["by_age_band"] = {
        b: {**_measures(m, form, k), "followups": band_counts[b]} for b, m in report.by_age_band.items()
    }
    data["goals"]["by_gender"] = {g: data["by_gender"][g]["goals"]["attainment"] for g in GENDERS}
    data["suppression_threshold"] = k
    data["suppressed"] = any_hidden(data)
    data["selection"] = report.selection.describe()
    return data


def _walk(prefix: str, value: Any) -> list[tuple[str, str, Cell | float | None]]:
    if isinstance(value, dict):
        out = []
        for key, inner in value.items():
            out += _walk(f"{prefix}.{key}" if prefix else str(key), inner)
        return out
    return [(prefix, "", value)]


def to_csv(data: dict[str, Any], lang: str = "sv") -> str:
    """Long format: measure, group, code, value; from training, the first row says so."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["measure", "group", "code", "value"])
    mark = training_mark(data, lang)
    if mark:
        writer.writerow(["training", "all", mark, "true"])
    for version in data.get("form", {}).get("versions_covered", []):
        writer.writerow(["form_version_covered", "all", data["form"]["id"], version])

    def emit(group: str, part: dict[str, Any]) -> None:
        for key in ("followups", "clients", "gas_t_mean"):
            if key in part:
                writer.writerow([key, group, "", part[key]])
        for qid, cells in part.get("questions", {}).items():
            for code, v in cells.items():
                writer.writerow([f"questions.{qid}", group, code, v])
        goals = part.get("goals", {})
        for name in ("attainment", "isu"):
            for code, v in goals.get(name, {}).items():
                writer.writerow([f"goals.{name}", group, code, v])
        for area, cells in goals.get("by_life_area", {}).items():
            for code, v in cells.items():
                writer.writerow([f"goals.by_life_area.{area}", group, code, v])

    emit("all", data)
    for g, part in data["by_gender"].items():
        emit(f"gender={g}", part)
    for b, part in data["by_age_band"].items():
        emit(f"age={b}", part)
    return buf.getvalue()


def bar(value: Cell | None, largest: int, width: int = 24) -> str:
    if not isinstance(value, int) or largest <= 0:
        return ""
    return "█" * max(1 if value else 0, round(width * value / largest))


def to_table(data: dict[str, Any], form: FormDefinition, lang: str) -> str:
    """A plain-text report for the terminal, with bars."""
    k = data["suppression_threshold"]
    mark = training_mark(data, lang)
    lines = [mark, ""] if mark else []
    lines.append(f"{text('rep_followups', lang)}: {data['followups']}   "
                 f"{text('rep_clients', lang)}: {data['clients']}")
    covered = data.get("form", {}).get("versions_covered") or []
    if covered:
        versions = ", ".join(str(v) for v in covered)
        version = data["form"]["reported_on_version"]
        lines.append(text("rep_versions", lang, versions=versions, version=version))

    def block(title: str, cells: dict[str, Cell], label: Any = str, denominator: int | None = None) -> None:
        lines.append("")
        lines.append(title)
        largest = max((v for v in cells.values() if isinstance(v, int)), default=0)
        for code, v in cells.items():
            pct = ""
            if denominator and denominator >= k and isinstance(v, int):
                pct = f" {decimal(100 * v / denominator, lang):>5} %"
            lines.append(f"  {label(code)[:38]:38} {v!s:>6}{pct:>8}  {bar(v, largest)}")

    labels = {
        c.code: c.label.get(lang)
        for s in form.sections
        for q in s.questions
        for c in getattr(q, "choices", [])
    }
    labels.update(ISU_LABELS[lang if lang in ISU_LABELS else "sv"])
    labels.update(ANSWERED_LABELS[lang if lang in ANSWERED_LABELS else "sv"])
    goals = data["goals"]
    block(text("rep_attainment", lang), goals["attainment"], lambda c: labels.get(c, c))
    block(text("rep_isu", lang), goals["isu"], lambda c: labels.get(c, c))
    for qid, cells in data["questions"].items():
        q = form.question(qid)
        answered = cells.get("answered")
        denominator = answered if isinstance(answered, int) else None
        shown = {c: v for c, v in cells.items() if c != "answered"}
        if denominator is None and all(isinstance(v, int) for v in shown.values()):
            denominator = sum(v for v in shown.values() if isinstance(v, int))
        block(q.label.get(lang), shown, lambda c: labels.get(c, c), denominator)
    lines.append("")
    key = lang if lang in GENDER_LABELS else "sv"
    genders = ", ".join(f"{GENDER_LABELS[key][g]} {p['followups']}" for g, p in data["by_gender"].items())
    bands = ", ".join(f"{AGE_LABELS[key].get(b, b)} {p['followups']}" for b, p in data["by_age_band"].items())
    lines.append(f"{text('rep_gender', lang)}: {genders}")
    lines.append(f"{text('rep_age_band', lang)}: {bands}")
    gas = data.get("gas_t_mean")
    if gas is not None:
        mean = decimal(gas, lang) if isinstance(gas, int | float) else gas  # or the hidden mark "<5"
        lines.append(text("rep_gas_t_mean", lang, value=mean))
    if data["suppressed"]:
        lines.append("")
        lines.append(text("rep_suppressed_table", lang, k=k))
    return "\n".join(lines) + "\n"
