"""The group report (ISU) as the PDF/A a unit manager presents to the social welfare board."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from documents.base import (
    ALERT,
    INK,
    MUTED,
    NBSP,
    RULE,
    SHADE,
    VERSION,
    NumberedCanvas,
    number,
    percent,
    register_fonts,
    verbatim,
)
from documents.report_text import t
from forms.schema import FormDefinition, MultiQuestion
from forms.training_data import TRAINING_BANNER
from interview.language import long_date
from language import LANGUAGES
from language import text as catalogue_text
from reporting.published import ATTAINMENT, ISU, codes_of, count, question_base, sum_base

ISU_LABELS = {lang: {code: catalogue_text(f"isu_{code}", lang)
                     for code in ("positive_met", "positive_not_met", "no_change", "negative")}
              for lang in LANGUAGES}
GENDER_LABELS = {lang: {g: t(f"gender_{g}", lang) for g in ("woman", "man", "other", "unknown")}
                 for lang in LANGUAGES}
AGE_UNKNOWN = {lang: t("age_unknown", lang) for lang in LANGUAGES}
# Two series that stay apart in grey print too: dark blue and light orange, then green.
SERIES = [colors.HexColor("#2f4f86"), colors.HexColor("#e39b4a"), colors.HexColor("#6c8f5a"),
          colors.HexColor("#8c6bb1")]


@dataclass
class Group:
    """One column of figures: a name, the published cells, and the base the shares are taken of."""

    name: str
    cells: Mapping[str, Any]
    base: Any  # an int, a published string ('<5', '..') or None (not known)


@dataclass
class ReportInput:
    """What the report shows: only the published (protected) figures, never raw counts."""

    data: dict[str, Any]  # reporting.output.to_data
    form: FormDefinition
    produced: datetime  # when the report was made: its date of production and its PDF dates
    lang: str = "sv"
    organisation: str = ""
    previous: dict[str, Any] | None = None  # the same figures for the previous period
    timezone: str = "Europe/Stockholm"


def box(x: float, y: float, width: float, height: float, fill: colors.Color | None,
        stroke: colors.Color | None = None, dash: list[float] | None = None) -> Rect:
    """A rectangle for a chart (the stubs type Rect's keyword styles wrongly, so they are set here)."""
    rect = Rect(x, y, width, height)
    rect.fillColor = fill
    rect.strokeColor = stroke
    rect.strokeWidth = 0.5
    if dash:
        rect.strokeDashArray = dash
    return rect


class ReportDocument:
    """Cover, key figures, women and men, age bands, life areas, each question, and notes."""

    pagesize = A4
    margin = 20 * mm
    top_margin = 22 * mm
    bottom_margin = 20 * mm

    def __init__(self, data: ReportInput) -> None:
        self.input = data
        self.data = data.data
        self.prev = data.previous
        self.form = data.form
        self.lang = data.lang
        self.font, self.bold = register_fonts()
        self.width = self.pagesize[0] - 2 * self.margin
        self.styles = self.stylesheet()
        # Attainment and ISU codes; a question's codes are labelled by that question alone (the same
        # code, "other", means something else in each question).
        attainment = next((q for _, q in self.form.questions() if q.id == "attainment"), None)
        self.labels = {c.code: c.label.get(self.lang) for c in getattr(attainment, "choices", [])}
        self.labels.update(ISU_LABELS["en" if self.lang == "en" else "sv"])

    # --- styles and small pieces ----------------------------------------------------------

    def stylesheet(self) -> StyleSheet1:
        s = StyleSheet1()
        base = ParagraphStyle("body", fontName=self.font, fontSize=9.5, leading=13, textColor=INK,
                              splitLongWords=1)
        s.add(base)
        s.add(ParagraphStyle("org", parent=base, fontName=self.bold, fontSize=13, leading=17,
                             textColor=MUTED))
        s.add(ParagraphStyle("cover", parent=base, fontName=self.bold, fontSize=24, leading=29,
                             spaceBefore=4 * mm, spaceAfter=2 * mm))
        s.add(ParagraphStyle("coversub", parent=base, fontSize=13, leading=17, textColor=MUTED,
                             spaceAfter=10 * mm))
        s.add(ParagraphStyle("h1", parent=base, fontName=self.bold, fontSize=15, leading=19,
                             spaceBefore=8 * mm, spaceAfter=3 * mm))
        s.add(ParagraphStyle("h2", parent=base, fontName=self.bold, fontSize=11.5, leading=15,
                             spaceBefore=5 * mm, spaceAfter=2 * mm))
        s.add(ParagraphStyle("lead", parent=base, fontSize=11, leading=15, spaceAfter=2 * mm))
        s.add(ParagraphStyle("label", parent=base, fontSize=8.5, leading=11, textColor=MUTED))
        s.add(ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5))
        s.add(ParagraphStyle("head", parent=base, fontName=self.bold, fontSize=8, leading=10,
                             textColor=MUTED))
        s.add(ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=MUTED,
                             spaceBefore=1 * mm))
        s.add(ParagraphStyle("alert", parent=base, fontName=self.bold, textColor=ALERT, spaceAfter=2 * mm))
        return s

    def p(self, text: str, style: str = "body") -> Paragraph:
        """Plain text, never markup: labels and names are printed exactly as written."""
        return Paragraph(verbatim(text), self.styles[style])

    def tr(self, key: str, **kwargs: Any) -> str:
        return t(key, self.lang, **kwargs)

    def show(self, value: Any) -> str:
        """A published cell as printed: a number in the language's format, a gap as given."""
        n = count(value)
        if n is not None:
            return number(n, self.lang)
        if isinstance(value, float):
            # A mean: one decimal for the GAS T-score (a scale around 50), two for a change in steps.
            return number(value, self.lang, 1 if abs(value) >= 10 else 2)
        if value is None:
            return "–"
        return str(value)

    def share(self, value: Any, base: Any) -> str:
        n, whole = count(value), count(base)
        if n is None or not whole:
            return ""
        return percent(n, whole, self.lang)

    def gap(self, value: Any) -> str:
        """A hidden cell in words, as the chart labels its gap."""
        text = str(value)
        if text.startswith("<") and text[1:].isdigit():
            return f"{text} ({self.tr('fewer_than', k=text[1:])})"
        return f"{text} ({self.tr('hidden')})"

    def day(self, value: date | str | None) -> str:
        if value is None:
            return ""
        return long_date(date.fromisoformat(value) if isinstance(value, str) else value, self.lang)

    def period(self, selection: Mapping[str, Any]) -> str:
        first, last = selection.get("from"), selection.get("to")
        if first and last:
            return self.tr("period_both", first=self.day(first), last=self.day(last))
        if first:
            return self.tr("period_from", first=self.day(first))
        if last:
            return self.tr("period_to", last=self.day(last))
        return self.tr("period_all")

    def produced(self) -> date:
        from zoneinfo import ZoneInfo

        when = self.input.produced
        aware = when if when.tzinfo else when.replace(tzinfo=UTC)
        return aware.astimezone(ZoneInfo(self.input.timezone)).date()

    def unit(self) -> str:
        return str(self.data["selection"].get("unit") or self.tr("all_units"))

    def gender(self, g: str) -> str:
        return GENDER_LABELS["en" if self.lang == "en" else "sv"][g]

    def age(self, band: str) -> str:
        if band == "unknown":
            return AGE_UNKNOWN["en" if self.lang == "en" else "sv"]
        return self.tr("age_years", band=band.replace("-", "–"))

    # --- tables and charts ----------------------------------------------------------------

    def table(self, rows: Sequence[tuple[str, str]], groups: Sequence[Group], *,
              first: str = "", base_row: bool = True, compact: bool | None = None) -> Table:
        """Categories down, groups across; each group a count and a share column when there are
        few groups, one 'count (share)' column when there are many. A gap prints as published."""
        compact = len(groups) > 4 if compact is None else compact
        label_w = self.width * (0.26 if compact else 0.40)
        sub = 1 if compact else 2
        # Columns no wider than a figure needs: a lone group's figures stay next to their labels.
        col_w = min((self.width - label_w) / (len(groups) * sub), (22 if compact else 17) * mm)
        head: list[Any] = [self.p(first, "head")]
        data: list[list[Any]] = []
        style: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), self.font),
            ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        for i, g in enumerate(groups):
            head.append(self.p(g.name, "head"))
            if not compact:
                head.append("")
                col = 1 + 2 * i
                style.append(("SPAN", (col, 0), (col + 1, 0)))
        data.append(head)
        header_rows = 1
        if not compact:
            data.append(["", *[self.tr(k) for _ in groups for k in ("count", "share")]])
            style += [("FONTNAME", (0, 1), (-1, 1), self.bold), ("TEXTCOLOR", (0, 1), (-1, 1), MUTED),
                      ("FONTSIZE", (0, 1), (-1, 1), 7.5)]
            header_rows = 2
        for code, label in rows:
            row: list[Any] = [self.p(label, "cell")]
            for g in groups:
                value = g.cells.get(code)
                if compact:
                    share = self.share(value, g.base)
                    # Count over share in one narrow column: '14 (30 %)' beside '<5' read as one.
                    row.append(self.show(value) + (f"\n{share}" if share else ""))
                else:
                    row += [self.show(value), self.share(value, g.base)]
            data.append(row)
        if base_row:
            row = [self.p(self.tr("base_row"), "head")]
            for g in groups:
                shown = self.show(g.base) if g.base is not None else self.tr("base_unknown")
                row += [shown] if compact else [shown, ""]
            data.append(row)
            style += [("LINEABOVE", (0, -1), (-1, -1), 0.8, INK), ("TEXTCOLOR", (1, -1), (-1, -1), MUTED)]
        style += [("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, INK),
                  ("LINEBELOW", (0, header_rows), (-1, -2), 0.4, RULE)]
        # Every other group shaded, so the eye keeps to one group's columns.
        for i in range(1, len(groups), 2):
            col = 1 + i * sub
            style.append(("BACKGROUND", (col, 0), (col + sub - 1, -1), SHADE))
        table = Table(data, colWidths=[label_w] + [col_w] * (len(groups) * sub), hAlign="LEFT",
                      repeatRows=header_rows)
        table.setStyle(TableStyle(style))
        return table

    def chart(self, rows: Sequence[tuple[str, str]], series: Sequence[Group]) -> Drawing:
        """Horizontal bars in the table's order (first row on top), the full label wrapped beside
        them; shares of each series' base where every base is known, counts otherwise. A hidden cell
        is a dashed, labelled gap, never a missing bar."""
        width = self.width
        label_w = width * 0.38
        value_w = 30 * mm
        bar_x = label_w + 2 * mm
        bar_w = width - bar_x - value_w
        shares = all(count(g.base) for g in series)
        bar_h = 7.0 if len(series) == 1 else 6.5
        size, leading = 7.5, 9.0
        values: list[list[float | None]] = []
        for code, _ in rows:
            line: list[float | None] = []
            for g in series:
                n, whole = count(g.cells.get(code)), count(g.base)
                if n is None:
                    line.append(None)
                else:
                    line.append(100 * n / whole if shares and whole else float(n))
            values.append(line)
        largest = max([v for line in values for v in line if v is not None] + [0.0]) or 1.0
        wrapped = [simpleSplit(label, self.font, size, label_w) for _, label in rows]
        heights = [max(len(lines) * leading, len(series) * (bar_h + 2.5)) + 5 for lines in wrapped]
        legend = 12.0 if len(series) > 1 else 0.0
        caption = 11.0
        total = sum(heights) + legend + caption
        d = Drawing(width, total, initialFontName=self.font)  # else its state starts in Helvetica
        y = total
        if legend:
            x = bar_x
            for i, g in enumerate(series):
                d.add(box(x, y - 8, 7, 7, SERIES[i % len(SERIES)]))
                d.add(String(x + 10, y - 7, g.name, fontName=self.font, fontSize=size, fillColor=INK))
                x += 20 + stringWidth(g.name, self.font, size)
            y -= legend
        for (code, _), lines, line, h in zip(rows, wrapped, values, heights, strict=True):
            top = y
            for k, text in enumerate(lines):
                d.add(String(0, top - size - k * leading, text, fontName=self.font, fontSize=size,
                             fillColor=INK))
            for i, (g, v) in enumerate(zip(series, line, strict=True)):
                by = top - (i + 1) * (bar_h + 2.5)
                raw = g.cells.get(code)
                if v is None:
                    # A labelled gap: a dashed outline where a bar would be, and what the cell says.
                    d.add(box(bar_x, by, 14 * mm, bar_h, None, MUTED, [1.5, 1.5]))
                    d.add(String(bar_x + 14 * mm + 3, by + 1.2, self.gap(raw), fontName=self.font,
                                 fontSize=size - 0.5, fillColor=MUTED))
                    continue
                length = bar_w * v / largest
                if length > 0:
                    d.add(box(bar_x, by, length, bar_h, SERIES[i % len(SERIES)]))
                else:
                    d.add(box(bar_x, by, 0.6, bar_h, MUTED))
                shown = self.share(raw, g.base) if shares else self.show(raw)
                d.add(String(bar_x + length + 3, by + 1.2, shown, fontName=self.font, fontSize=size - 0.5,
                             fillColor=INK))
            y -= h
            d.add(box(0, y + 1.5, width, 0.3, RULE))
        d.add(String(0, 2, self.chart_note(series, shares), fontName=self.font, fontSize=7, fillColor=MUTED))
        return d

    def chart_note(self, series: Sequence[Group], shares: bool) -> str:
        """Why the chart gives counts, as the table beside it shows: only where no base is known at
        all is it "not known"; else each group without a base is named with its reason (hidden, no
        answers, not known), so a note never contradicts a base and shares printed in the table."""
        if shares:
            return self.tr("chart_share")
        if all(g.base is None for g in series):
            return self.tr("chart_count")
        reasons = []
        for g in series:
            if count(g.base):
                continue
            key = ("chart_base_unknown" if g.base is None else "chart_base_zero" if count(g.base) == 0
                   else "chart_base_hidden")
            reasons.append(self.tr(key, group=g.name))
        return self.tr("chart_count_why", reasons="; ".join(reasons))

    # --- figures read from the published structure ----------------------------------------

    def goal_groups(self, name: str, genders: bool = True) -> list[Group]:
        codes = ATTAINMENT if name == "attainment" else ISU
        out = [Group(self.tr("all"), self.data["goals"][name], sum_base(self.data["goals"][name], codes))]
        if genders:
            for g in ("woman", "man"):
                cells = self.data["by_gender"][g]["goals"][name]
                out.append(Group(self.gender(g), cells, sum_base(cells, codes)))
        if self.prev is not None:
            cells = self.prev["goals"][name]
            out.append(Group(self.tr("previous"), cells, sum_base(cells, codes)))
        return out

    # --- the story ------------------------------------------------------------------------

    def story(self) -> list[Flowable]:
        story = self.cover()
        story.append(PageBreak())
        story += self.key_figures()
        story += self.women_and_men()
        story += self.age_bands()
        story += self.life_areas()
        story += self.questions()
        story += self.about()
        return story

    def cover(self) -> list[Flowable]:
        d = self.data
        sel = d["selection"]
        out: list[Flowable] = [Spacer(1, 20 * mm)]
        if self.input.organisation:
            out.append(self.p(self.input.organisation, "org"))
        out += [self.p(self.tr("title"), "cover"), self.p(self.tr("subtitle"), "coversub")]
        mark = TRAINING_BANNER["en" if self.lang == "en" else "sv"] if d.get("training") else None
        if mark:
            out.append(self.p(mark, "alert"))
        facts: list[tuple[str, str]] = [
            (self.tr("unit"), self.unit()),
            (self.tr("period"), self.period(sel)),
        ]
        if self.prev is not None:
            facts.append((self.tr("compared_with"), self.period(self.prev["selection"])))
        facts.append((self.tr("produced"), long_date(self.produced(), self.lang)))
        words = [self.tr("sel_all" if sel.get("all_followups") else "sel_latest")]
        if sel.get("include_drafts"):
            words.append(self.tr("sel_drafts_all" if sel.get("all_followups") else "sel_drafts_latest"))
        else:
            words.append(self.tr("sel_no_drafts"))
        if sel.get("unit"):
            words.append(self.tr("sel_unit", unit=sel["unit"]))
        if sel.get("caseworker"):
            words.append(self.tr("sel_caseworker", who=sel["caseworker"]))
        if sel.get("plan_type"):
            words.append(self.tr("sel_plan", plan=self.tr(f"plan_{sel['plan_type']}")))
        facts.append((self.tr("selection"), "\n".join(words)))
        facts.append((self.tr("sizes"), self.tr("counted", followups=self.show(d["followups"]),
                                                 clients=self.show(d["clients"]))))
        form = d.get("form") or {}
        title = self.form.title.get(self.lang)
        covered = form.get("versions_covered") or []
        if covered:
            facts.append((self.tr("form"), self.tr(
                "form_versions", form=title, version=form.get("reported_on_version", self.form.version),
                covered=", ".join(str(v) for v in covered))))
        else:
            facts.append((self.tr("form"), self.tr("form_version", form=title, version=self.form.version)))
        rows = [[self.p(k, "label"), self.p(v, "body")] for k, v in facts]
        table = Table(rows, colWidths=[0.25 * self.width, 0.75 * self.width], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self.font),  # else Helvetica, which PDF/A cannot have unembedded
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ]))
        out += [table, Spacer(1, 8 * mm), *[self.p(line, "small") for line in self.notes()]]
        return out

    def notes(self) -> list[str]:
        k = int(self.data.get("suppression_threshold", 1))
        lines = []
        base = self.data.get("rounding_base")
        if isinstance(base, int) and base > 1:
            lines.append(self.tr("rounded", b=base))
        if k > 1:
            lines.append(self.tr("small_numbers", below=k - 1, k=k))
        elif not (isinstance(base, int) and base > 1):
            lines.append(self.tr("exact"))
        if self.data.get("suppressed"):  # an empty share cell is explained, not left a puzzle
            lines.append(self.tr("rep_share_hidden", k=k))
        return lines

    def key_figures(self) -> list[Flowable]:
        d = self.data
        out: list[Flowable] = [self.p(self.tr("key_figures"), "h1")]
        if not count(d["followups"]) and d["followups"] == 0:
            out.append(self.p(self.tr("no_followups"), "lead"))
        att = d["goals"]["attainment"]
        n = sum_base(att, ATTAINMENT)
        if n:
            achieved, partly = att.get("achieved"), att.get("partly_achieved")
            out.append(self.p(self.tr("attainment_headline", n=number(n, self.lang),
                                      achieved=self.share(achieved, n) or self.show(achieved),
                                      partly=self.share(partly, n) or self.show(partly)), "lead"))
        isu = d["goals"]["isu"]
        n_isu = sum_base(isu, ISU)
        if n_isu:
            positive = [count(isu.get("positive_met")), count(isu.get("positive_not_met"))]
            if all(v is not None for v in positive):
                share = percent(sum(v for v in positive if v is not None), n_isu, self.lang)
                out.append(self.p(self.tr("isu_headline", share=share, n=number(n_isu, self.lang)), "lead"))
        out.append(self.p(self.tr("key_intro"), "small"))
        # Sizes: follow-ups, clients and the GAS T mean, women and men beside all.
        groups = [("all", d)] + [(g, d["by_gender"][g]) for g in ("woman", "man")]
        if self.prev is not None:
            groups.append(("previous", self.prev))
        names = [self.tr("all") if g == "all" else self.tr("previous") if g == "previous" else self.gender(g)
                 for g, _ in groups]
        size_rows = [("followups", self.tr("followups")), ("clients", self.tr("clients")),
                     ("gas_t_mean", self.tr("gas_t_mean"))]
        data = [Group(name, {k: part.get(k) for k, _ in size_rows}, d["followups"] if g == "all" else None)
                for name, (g, part) in zip(names, groups, strict=True)]
        # Shares of all follow-ups for women and men; the sizes themselves carry no share.
        sizes = [Group(x.name, x.cells, None) for x in data]
        out += [Spacer(1, 2 * mm), self.table(size_rows, sizes, first=self.tr("sizes"), base_row=False,
                                                  compact=True)]
        out.append(self.p(self.tr("base_gas"), "small"))
        if any(x.cells.get("clients") is None for x in sizes):  # a '–' is explained, never a puzzle
            out.append(self.p(self.tr("key_clients_dash"), "small"))
        for name, note in (("attainment", "base_goals"), ("isu", "base_isu")):
            codes = ATTAINMENT if name == "attainment" else ISU
            rows = [(c, self.labels.get(c, c)) for c in codes]
            out.append(KeepTogether([
                self.p(self.tr(name), "h2"),
                self.table(rows, self.goal_groups(name), first=self.tr("answer")),
                self.p(self.tr(note), "small"),
            ]))
        return out

    def section(self, title: str, blocks: Sequence[Sequence[Flowable]]) -> list[Flowable]:
        """A section whose heading stays with its first block: never stranded at a page's foot."""
        if not blocks:
            return []
        first = KeepTogether([self.p(self.tr(title), "h1"), *blocks[0]])
        return [first, *[KeepTogether(list(b)) for b in blocks[1:]]]

    def women_and_men(self) -> list[Flowable]:
        blocks: list[list[Flowable]] = []
        for name, note in (("attainment", "base_goals"), ("isu", "base_isu")):
            codes = ATTAINMENT if name == "attainment" else ISU
            rows = [(c, self.labels.get(c, c)) for c in codes]
            series = self.goal_groups(name)[1:3]  # women and men
            blocks.append([self.p(self.tr(name), "h2"), self.chart(rows, series),
                           self.p(self.tr(note), "small")])
        genders = ("woman", "man", "other", "unknown")
        cells = {g: self.data["by_gender"][g]["followups"] for g in genders}
        groups = [Group(self.tr("followups"), cells, self.data["followups"])]
        if self.prev is not None:
            before = {g: self.prev["by_gender"][g]["followups"] for g in genders}
            groups.append(Group(self.tr("previous"), before, self.prev["followups"]))
        rows = [(g, self.gender(g)) for g in genders]
        blocks.append([self.p(self.tr("by_gender"), "h2"), self.table(rows, groups),
                       self.p(self.tr("base_followups"), "small")])
        return self.section("women_men", blocks)

    def age_bands(self) -> list[Flowable]:
        bands = list(self.data["by_age_band"])
        cells = {b: self.data["by_age_band"][b]["followups"] for b in bands}
        groups = [Group(self.tr("followups"), cells, self.data["followups"])]
        series = groups[:1]
        if self.prev is not None:
            before = {b: part["followups"] for b, part in self.prev["by_age_band"].items()}
            groups.append(Group(self.tr("previous"), before, self.prev["followups"]))
            series = [Group(self.tr("current"), cells, self.data["followups"]), groups[1]]
        rows = [(b, self.age(b)) for b in bands]
        blocks: list[list[Flowable]] = [[
            self.p(self.tr("by_age_followups"), "h2"), self.table(rows, groups), Spacer(1, 2 * mm),
            self.chart(rows, series), self.p(self.tr("age_note"), "small")]]
        for name, note in (("attainment", "base_goals"), ("isu", "base_isu")):
            codes = ATTAINMENT if name == "attainment" else ISU
            band_groups = []
            for b in bands:
                part = self.data["by_age_band"][b]["goals"][name]
                band_groups.append(Group(self.age(b), part, sum_base(part, codes)))
            rows = [(c, self.labels.get(c, c)) for c in codes]
            blocks.append([self.p(self.tr(name), "h2"),
                           self.table(rows, band_groups, first=self.tr("answer")),
                           self.p(self.tr(note), "small")])
        return self.section("by_age", blocks)

    def life_areas(self) -> list[Flowable]:
        areas = self.data["goals"].get("by_life_area") or {}
        if not areas:
            return []
        lang = self.lang
        head = [self.p(self.tr("life_area"), "head"),
                *[self.p(self.labels.get(c, c), "head") for c in ATTAINMENT],
                self.p(self.tr("mean_change"), "head")]
        data: list[list[Any]] = [head]
        for area, cells in areas.items():
            change = ""
            if "mean_change" in cells or "change_n" in cells:
                change = f"{self.show(cells.get('mean_change'))} ({self.show(cells.get('change_n'))})"
            data.append([self.p(self.form.life_area_label(area, lang), "cell"),
                         *[self.show(cells.get(c)) for c in ATTAINMENT], change])
        first = 0.34 * self.width
        rest = (self.width - first) / 5
        table = Table(data, colWidths=[first] + [rest] * 5, hAlign="LEFT", repeatRows=1)
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self.font),
            ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
            ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
        ]))
        return self.section("life_areas", [[table, self.p(self.tr("base_goals"), "small"),
                                             self.p(self.tr("mean_change_note"), "small")]])

    def questions(self) -> list[Flowable]:
        blocks: list[list[Flowable]] = []
        for qid, cells in self.data["questions"].items():
            q = self.form.question(qid)
            codes = codes_of(self.form, qid, cells)  # 'answered' is the base, never a category
            names = {c.code: c.label.get(self.lang) for c in getattr(q, "choices", [])}
            rows = [(c, names.get(c, c)) for c in codes]
            groups = [Group(self.tr("all"), cells, question_base(self.form, qid, cells))]
            for g in ("woman", "man"):
                part = self.data["by_gender"][g]["questions"].get(qid, {})
                groups.append(Group(self.gender(g), part, question_base(self.form, qid, part)))
            series = groups[:1]
            if self.prev is not None:
                part = self.prev["questions"].get(qid, {})
                groups.append(Group(self.tr("previous"), part, question_base(self.form, qid, part)))
                series = [Group(self.tr("current"), cells, groups[0].base), groups[-1]]
            notes = [self.tr("base_question")]
            if isinstance(q, MultiQuestion):
                notes.append(self.tr("base_multi"))
            blocks.append([
                self.p(q.label.get(self.lang), "h2"),
                self.table(rows, groups, first=self.tr("answer")),
                self.p(" ".join(notes), "small"),
                Spacer(1, 2 * mm),
                self.chart(rows, series),
            ])
        return self.section("questions", blocks)

    def about(self) -> list[Flowable]:
        lines = [*self.notes(), self.tr("base_goals"), self.tr("base_isu"), self.tr("base_question")]
        return [KeepTogether([self.p(self.tr("about"), "h2"), *[self.p(line, "small") for line in lines]])]

    # --- every page -----------------------------------------------------------------------

    def decorate(self, canvas: Canvas, page: int, pages: int) -> None:
        w, h = self.pagesize
        canvas.saveState()
        canvas.setFont(self.font, 7.5)
        canvas.setFillColor(MUTED)
        if page > 1:  # the cover says all of it in large type
            left = " · ".join(x for x in (self.input.organisation, self.unit()) if x)
            title = self.tr("title")
            room = self.width - stringWidth(title, self.font, 7.5) - 6 * mm
            # A long organisation or unit wraps within its room, never over the title (at most two
            # lines fit above the text; a third would be cut with an ellipsis).
            lines = simpleSplit(left, self.font, 7.5, room)
            if len(lines) > 2:
                lines = [lines[0], lines[1][:-1] + "…"]
            y = h - 9 * mm
            canvas.drawRightString(w - self.margin, y, title)
            for line in lines:
                canvas.drawString(self.margin, y, line)
                y -= 3.2 * mm
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.4)
            canvas.line(self.margin, y + 1 * mm, w - self.margin, y + 1 * mm)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.line(self.margin, 14 * mm, w - self.margin, 14 * mm)
        footer = self.tr("footer", period=self.period(self.data["selection"]),
                         date=long_date(self.produced(), self.lang))
        canvas.drawString(self.margin, 10 * mm, footer.replace(NBSP, " "))
        canvas.drawRightString(w - self.margin, 10 * mm, self.tr("page", page=page, pages=pages))
        if self.data.get("training"):
            canvas.setFont(self.bold, 9)
            canvas.setFillColor(ALERT)
            canvas.drawCentredString(w / 2, h - 19 * mm, TRAINING_BANNER["en" if self.lang == "en" else "sv"])
        canvas.restoreState()

    def generate(self) -> bytes:
        buf = io.BytesIO()
        doc = SimpleDocTemplate(
            buf, pagesize=self.pagesize, leftMargin=self.margin, rightMargin=self.margin,
            topMargin=self.top_margin, bottomMargin=self.bottom_margin,
            title=self.tr("title"), author="", creator=f"uppfoljning {VERSION}", invariant=1,
        )
        doc.build(self.story(), canvasmaker=lambda *a, **k: NumberedCanvas(*a, document=self, **k))
        return buf.getvalue()


def render_report(data: ReportInput) -> bytes:
    """The report as PDF/A-2b, dated by when it was produced. The metadata names no selection (a
    caseworker's name would show in file managers and search indexes)."""
    from documents.pdfa import to_pdfa

    return to_pdfa(
        ReportDocument(data).generate(),
        title=t("title", data.lang),
        subject=t("subject", data.lang, form=data.form.id),
        lang=data.lang,
        created=data.produced if data.produced.tzinfo else data.produced.replace(tzinfo=UTC),
        producer=f"uppfoljning {VERSION}",
    )
