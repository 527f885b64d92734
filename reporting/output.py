"""The compiled report as JSON-ready data (suppressed), long CSV, a terminal table, and a PDF."""

from __future__ import annotations

import copy
import csv
import io
import json
import textwrap
from typing import Any

from forms.schema import FormDefinition
from forms.training_data import TRAINING_BANNER
from language import LANGUAGES, text
from language.format import decimal
from reporting.compile import ATTAINMENT, FULL, GENDERS, Measures, Part, Report, unit_key
from reporting.disclosure import Outcome, note, protect, rounding_base
from reporting.suppress import Cell, any_hidden

ISU_LABELS = {lang: {code: text(f"isu_{code}", lang)
                     for code in ("positive_met", "positive_not_met", "no_change", "negative")}
              for lang in LANGUAGES}
GENDER_LABELS = {lang: {g: text(f"rep_gender_{g}", lang) for g in ("woman", "man", "other", "unknown")}
                 for lang in LANGUAGES}
AGE_LABELS = {lang: {"unknown": text("rep_age_unknown", lang)} for lang in LANGUAGES}


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
    key = (form.id, form.version, report.selection.threshold, json.dumps(raw, sort_keys=True))
    if key not in _PROTECTED:
        # The protection solves linear programs over the whole system (seconds to minutes); the
        # same system is protected once per process, whichever of its reports is asked for (the
        # app's report screen moving from unit to unit).
        while len(_PROTECTED) >= 4:
            del _PROTECTED[next(iter(_PROTECTED))]
        _PROTECTED[key] = protect(raw, form, report.selection.threshold)
    return copy.deepcopy(_PROTECTED[key])


_PROTECTED: dict[tuple[str, int, int, str], Outcome] = {}


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
    lines.append(f"{text('rep_followups', lang)}: {data['followups']}   "
                 f"{text('rep_clients', lang)}: {data['clients']}")
    covered = data.get("form", {}).get("versions_covered") or []
    if covered:
        versions = ", ".join(str(v) for v in covered)
        version = data["form"]["reported_on_version"]
        lines.append(text("rep_versions", lang, versions=versions, version=version))

    share_hidden = False  # a share left out because a count it needs is hidden

    def block(title: str, cells: dict[str, Cell], label: Any = str, denominator: int | None = None,
              shares: bool = False) -> None:
        nonlocal share_hidden
        lines.append("")
        lines.append(title)
        largest = max((v for v in cells.values() if isinstance(v, int)), default=0)
        for code, v in cells.items():
            pct = ""
            if denominator and denominator >= k and isinstance(v, int):
                pct = f" {decimal(100 * v / denominator, lang):>5} %"
            elif shares and any_hidden([v, denominator if denominator is not None else ".."]):
                share_hidden = True
            # A long label is wrapped, never cut: the figures stand on its first line.
            first, *rest = textwrap.wrap(label(code), 38, break_on_hyphens=False) or [""]
            lines.append(f"  {first:38} {v!s:>6}{pct:>8}  {bar(v, largest)}")
            lines.extend(f"    {more}" for more in rest)

    labels = {
        c.code: c.label.get(lang)
        for s in form.sections
        for q in s.questions
        for c in getattr(q, "choices", [])
    }
    labels.update(ISU_LABELS[lang if lang in ISU_LABELS else "sv"])
    goals = data["goals"]
    block(text("rep_attainment", lang), goals["attainment"], lambda c: labels.get(c, c))
    block(text("rep_isu", lang), goals["isu"], lambda c: labels.get(c, c))
    for qid, cells in data["questions"].items():
        q = form.question(qid)
        # The question's own labels: "other" is "Annan" in one question and "Annan huvudman" in another.
        names = {**labels, **{c.code: c.label.get(lang) for c in getattr(q, "choices", [])}}
        answered = cells.get("answered")
        denominator = answered if isinstance(answered, int) else None
        shown = {c: v for c, v in cells.items() if c != "answered"}
        if denominator is None and all(isinstance(v, int) for v in shown.values()):
            denominator = sum(v for v in shown.values() if isinstance(v, int))
        block(q.label.get(lang), shown, lambda c, names=names: names.get(c, c), denominator, shares=True)
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
    lines.append("")
    lines.append(note(k, lang))
    if share_hidden:
        lines.append(text("rep_share_hidden", lang, k=k))
    return "\n".join(lines) + "\n"
