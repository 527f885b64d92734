"""The compiled report as JSON-ready data (suppressed), long CSV, a terminal table, and a PDF."""

from __future__ import annotations

import csv
import io
from typing import Any

from forms.schema import FormDefinition
from forms.training_data import TRAINING_BANNER
from reporting.compile import ATTAINMENT, FULL, GENDERS, Measures, Part, Report, unit_key
from reporting.disclosure import Outcome, note, protect, rounding_base
from reporting.suppress import Cell, any_hidden

ISU_LABELS = {
    "sv": {"positive_met": "Positiv förändring, målet uppnått",
           "positive_not_met": "Positiv förändring, målet ej uppnått",
           "no_change": "Ingen förändring", "negative": "Negativ förändring"},
    "en": {"positive_met": "Positive change, goal met", "positive_not_met": "Positive change, goal not met",
           "no_change": "No change", "negative": "Negative change"},
}  # fmt: skip


GENDER_LABELS = {
    "sv": {"woman": "Kvinnor", "man": "Män", "other": "Annat", "unknown": "Okänt"},
    "en": {"woman": "Women", "man": "Men", "other": "Other", "unknown": "Unknown"},
}
AGE_LABELS = {"sv": {"unknown": "Okänd ålder"}, "en": {"unknown": "Age unknown"}}


def _raw(
    m: Measures, codes: dict[str, list[str]], areas: list[str], change_areas: set[str]
) -> dict[str, Any]:
    """One group's figures, unsuppressed, in the published shape; every report of a system gets the
    same keys (the all-units report's codes and life areas), so the shape itself tells nothing."""
    questions: dict[str, Any] = {}
    for qid, code_list in codes.items():
        counts = m.questions.get(qid, {})
        questions[qid] = {**{c: counts.get(c, 0) for c in code_list}, "answered": m.answered.get(qid, 0)}
    by_area: dict[str, Any] = {}
    for area in areas:
        entry: dict[str, Any] = dict(m.attainment_by_life_area.get(area, dict.fromkeys(ATTAINMENT, 0)))
        if area in change_areas:
            change = m.change_by_life_area.get(area)
            entry["mean_change"] = change["mean"] if change else None
            entry["change_n"] = int(change["n"]) if change else 0
        by_area[area] = entry
    return {
        "followups": m.followups,
        "questions": questions,
        "goals": {"attainment": dict(m.attainment), "isu": dict(m.isu), "by_life_area": by_area},
        "gas_t_mean": m.gas_t_mean,
        "gas_t_n": m.gas_t_n,
    }


def _raw_report(
    part: Part, codes: dict[str, list[str]], areas: list[str], change_areas: set[str]
) -> dict[str, Any]:
    data = _raw(part.total, codes, areas, change_areas)
    data = {"followups": data.pop("followups"), "clients": part.total.clients, **data}
    data["by_gender"] = {g: _raw(m, codes, areas, change_areas) for g, m in part.by_gender.items()}
    data["by_age_band"] = {b: _raw(m, codes, areas, change_areas) for b, m in part.by_age_band.items()}
    return data


def protected_system(report: Report, form: FormDefinition) -> dict[str, dict[str, Any]]:
    """Every report of the system (all units, each unit), as published (protected jointly)."""
    return protection(report, form).published


def protection(report: Report, form: FormDefinition) -> Outcome:
    """Every report of the system protected jointly, with the counts of what was done."""
    full = report.system[FULL]
    codes = {qid: list(counts) for qid, counts in full.total.questions.items()}
    change_areas = set(full.total.change_by_life_area)
    areas = sorted(set(full.total.attainment_by_life_area) | change_areas)
    raw = {key: _raw_report(part, codes, areas, change_areas) for key, part in report.system.items()}
    if report.selection.unit is not None and unit_key(report.selection.unit) not in raw:
        empty = Part(report.total, report.by_gender, report.by_age_band)
        raw[unit_key(report.selection.unit)] = _raw_report(empty, codes, areas, change_areas)
    return protect(raw, form, report.selection.threshold)


def training_mark(data: dict[str, Any], lang: str) -> str | None:
    """The marking a report compiled in a training workspace carries in every format."""
    return TRAINING_BANNER["en" if lang == "en" else "sv"] if data.get("training") else None


def to_data(report: Report, form: FormDefinition, *, training: bool = False) -> dict[str, Any]:
    """The JSON shape: totals, questions, goals, and the same structure by gender and by age band;
    suppressed together with every other report of the system (reporting/disclosure.py).

    A report from a training workspace starts with "training": true, and every format made from
    this data carries the marking."""
    k = report.selection.threshold
    system = protected_system(report, form)
    shown = system[FULL if report.selection.unit is None else unit_key(report.selection.unit)]
    data: dict[str, Any] = {"training": True} if training else {}
    data.update(shown)
    data["form"] = {"id": form.id, "reported_on_version": form.version,
                    "versions_covered": list(report.form_versions)}
    data["goals"]["by_gender"] = {g: data["by_gender"][g]["goals"]["attainment"] for g in GENDERS}
    data["suppression_threshold"] = k
    data["rounding_base"] = rounding_base(k)
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
        for key in ("followups", "clients", "gas_t_mean", "gas_t_n"):
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
    lines += [
        ("Uppföljningar" if lang == "sv" else "Follow-ups")
        + f": {data['followups']}   "
        + ("Klienter" if lang == "sv" else "Clients")
        + f": {data['clients']}",
    ]
    covered = data.get("form", {}).get("versions_covered") or []
    if covered:
        versions = ", ".join(str(v) for v in covered)
        lines.append(
            f"Formulärversioner: {versions} (redovisat enligt version {data['form']['reported_on_version']})"
            if lang == "sv"
            else f"Form versions: {versions} (reported on version {data['form']['reported_on_version']})"
        )

    def block(title: str, cells: dict[str, Cell], label: Any = str, denominator: int | None = None) -> None:
        lines.append("")
        lines.append(title)
        largest = max((v for v in cells.values() if isinstance(v, int)), default=0)
        for code, v in cells.items():
            pct = ""
            if denominator and denominator >= k and isinstance(v, int):
                pct = f" {100 * v / denominator:5.1f} %"
            lines.append(f"  {label(code)[:38]:38} {v!s:>6}{pct:>8}  {bar(v, largest)}")

    labels = {
        c.code: c.label.get(lang)
        for s in form.sections
        for q in s.questions
        for c in getattr(q, "choices", [])
    }
    labels.update(ISU_LABELS[lang if lang in ISU_LABELS else "sv"])
    goals = data["goals"]
    block(
        "Måluppfyllelse" if lang == "sv" else "Goal attainment",
        goals["attainment"],
        lambda c: labels.get(c, c),
    )
    block("ISU-variabel" if lang == "sv" else "ISU variable", goals["isu"], lambda c: labels.get(c, c))
    for qid, cells in data["questions"].items():
        q = form.question(qid)
        # The question's own labels: "other" is "Annan" in one question and "Annan huvudman" in another.
        names = {**labels, **{c.code: c.label.get(lang) for c in getattr(q, "choices", [])}}
        answered = cells.get("answered")
        denominator = answered if isinstance(answered, int) else None
        shown = {c: v for c, v in cells.items() if c != "answered"}
        if denominator is None and all(isinstance(v, int) for v in shown.values()):
            denominator = sum(v for v in shown.values() if isinstance(v, int))
        block(q.label.get(lang), shown, lambda c, names=names: names.get(c, c), denominator)
    lines.append("")
    key = lang if lang in GENDER_LABELS else "sv"
    genders = ", ".join(f"{GENDER_LABELS[key][g]} {p['followups']}" for g, p in data["by_gender"].items())
    bands = ", ".join(f"{AGE_LABELS[key].get(b, b)} {p['followups']}" for b, p in data["by_age_band"].items())
    lines.append(("Kön" if lang == "sv" else "Gender") + ": " + genders)
    lines.append(("Åldersgrupp" if lang == "sv" else "Age band") + ": " + bands)
    if data.get("gas_t_mean") is not None:
        lines.append(f"GAS T: {data['gas_t_mean']}")
    lines.append("")
    lines.append(note(k, lang))
    return "\n".join(lines) + "\n"
