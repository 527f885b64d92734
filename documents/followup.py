"""Renders one follow-up as the document a unit files: reportlab, fonts embedded, bytes out."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from documents.base import ALERT, INK, MUTED, RULE, SHADE, VERSION, NumberedCanvas, register_fonts, verbatim
from documents.text import direction, t
from forms.schema import FormDefinition, Question, Section
from interview.case import Client, Goal
from interview.coerce import parse_date
from interview.derived import followup_gas_t
from interview.display import answer_text as format_answer
from interview.engine import Interview, Step
from interview.followup import FollowUp
from interview.language import long_date
from language import plural
from language.format import decimal, number, organisation_datetime

LONG_TEXT = 160  # characters: a longer answer reads better across the whole width
LONG_COMMENT = 600  # characters: a longer goal comment is printed after the goals table
HIST_PAD = 3.0  # points each side of a cell in "levels over time": room for whole dates


class Continued(Paragraph):
    """A long text that says "(forts.)" with its label where it continues on a new page."""

    def __init__(self, text: str | None, style: Any, label: Paragraph | None = None,
                 **kwargs: Any) -> None:
        super().__init__(text, style, **kwargs)  # type: ignore[arg-type]  # None with frags, as reportlab splits
        self.label = label

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        # reportlab builds both halves with this class, so the rest may break again and say so again.
        parts: list[Flowable] = super().split(availWidth, availHeight)
        if len(parts) == 2 and isinstance(parts[1], Continued) and self.label is not None:
            parts[1].label = self.label
            # A new label at each break: reportlab refuses a flowable it has moved to the next page
            # once before ("too large"), so one label object shared by a text over three pages or
            # more stopped the whole document.
            return [parts[0], Paragraph(self.label.text, self.label.style), parts[1]]
        return parts


class KeepStart(CondPageBreak):
    """A page break only where what follows would not start on this page: a heading or a label
    never stands alone at a page's foot, yet a long text or table after it still starts here.

    `lead` (the heading, a label, their spacing) must fit whole; of `then` only its start: two lines
    of a paragraph (reportlab moves a paragraph rather than leave one line behind) or a table's
    header and first row. Unlike KeepTogether nothing is wrapped inside another flowable, so the
    signature's KeepTogether beside it still measures a real height."""

    def __init__(self, lead: Sequence[Flowable], then: Flowable | None = None, floor: float = 0) -> None:
        super().__init__(floor)
        self.lead, self.then, self.floor = list(lead), then, floor

    def needed(self, width: float) -> float:
        canv = self.canv  # set by wrapOn, as for every flowable

        def height(f: Flowable) -> float:
            return float(f.getSpaceBefore() + f.wrapOn(canv, width, BIG)[1] + f.getSpaceAfter())

        total = float(sum(height(f) for f in self.lead))
        then = self.then
        if isinstance(then, Paragraph):
            full = then.wrapOn(canv, width, BIG)[1]
            total += then.getSpaceBefore() + min(full, 2 * then.style.leading)
        elif isinstance(then, Table):
            then.wrapOn(canv, width, BIG)
            first = (then.repeatRows if isinstance(then.repeatRows, int) else 0) + 1
            rows: list[float] = getattr(then, "_rowHeights", [])  # measured by wrap
            total += sum(rows[:first])
        elif isinstance(then, KeepTogether):  # moved whole to the next page when it does not fit
            total += sum(height(f) for f in getattr(then, "_content", []))
        elif then is not None:
            total += height(then)
        return total

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        frame = self._doctemplateAttr("frame")  # type: ignore[attr-defined]
        if frame is not None and getattr(frame, "_atTop", False):
            return 0, 0  # already at the top of a page: a break would gain nothing (and never end)
        self.height = max(self.floor, self.needed(availWidth))
        size: tuple[float, float] = super().wrap(availWidth, availHeight)
        return size


BIG = 0xFFFFFF  # "no limit" for measuring a flowable's height


@dataclass
class DocumentInput:
    """Everything the document shows; `history` holds earlier follow-ups of the same case."""

    client: Client
    followup: FollowUp
    form: FormDefinition  # the version the follow-up was made with, never today's
    history: Sequence[FollowUp] = ()
    organisation: str = ""
    unit: str = ""
    lang: str = "sv"
    banner: str | None = None  # a marking on every page, e.g. for the training workspace
    timezone: str = "Europe/Stockholm"  # the organisation's; times never depend on the machine's


class FollowUpDocument:
    """Page size, margins and fonts are class attributes; override the steps to change the layout."""

    pagesize = A4
    margin = 20 * mm
    top_margin = 24 * mm
    bottom_margin = 20 * mm

    def __init__(self, data: DocumentInput) -> None:
        self.data = data
        self.lang = data.lang
        self.font, self.bold = register_fonts()
        fu = data.followup
        self.interview = Interview(data.form, fu.plan, fu.answers, fu.goals, lang=self.lang)
        self._applicable = self.interview.applicable_steps()
        self.styles = self.stylesheet()
        self.width = self.pagesize[0] - 2 * self.margin

    # --- styles -----------------------------------------------------------------------------

    def stylesheet(self) -> StyleSheet1:
        s = StyleSheet1()
        base = ParagraphStyle("body", fontName=self.font, fontSize=9.5, leading=13, textColor=INK,
                              splitLongWords=1)
        s.add(base)
        s.add(ParagraphStyle("title", parent=base, fontName=self.bold, fontSize=17, leading=21,
                             spaceAfter=2 * mm))
        s.add(ParagraphStyle("overline", parent=base, fontSize=8.5, textColor=MUTED, spaceAfter=1 * mm))
        s.add(ParagraphStyle("h2", parent=base, fontName=self.bold, fontSize=11.5, leading=15,
                             spaceBefore=6 * mm, spaceAfter=2 * mm))
        s.add(ParagraphStyle("label", parent=base, fontSize=8.5, leading=11, textColor=MUTED))
        s.add(ParagraphStyle("cell", parent=base, fontSize=9, leading=12))
        s.add(ParagraphStyle("cellbold", parent=base, fontName=self.bold, fontSize=9, leading=12))
        s.add(ParagraphStyle("head", parent=base, fontName=self.bold, fontSize=8.5, leading=11,
                             textColor=MUTED))
        s.add(ParagraphStyle("small", parent=base, fontSize=8.5, leading=11.5, textColor=MUTED))
        s.add(ParagraphStyle("alert", parent=base, fontName=self.bold, textColor=ALERT, spaceAfter=2 * mm))
        s.add(ParagraphStyle("right", parent=base, alignment=TA_RIGHT))
        return s

    def heading(self, text: str, body: Sequence[Flowable] = ()) -> list[Flowable]:
        """The heading and its body: the heading never stands alone at the foot of a page, yet a long
        table or text after it may still start on the same page (keepWithNext would move the whole
        of it and leave a gap). At least 35 mm, as before, so a section rarely starts at a foot."""
        h = self.p(text, "h2")
        first = body[0] if body else None
        if isinstance(first, KeepStart):  # a label and its text open the body: all three together
            keep = KeepStart([h, *first.lead], first.then, floor=35 * mm)
        else:
            keep = KeepStart([h], first, floor=35 * mm)
        return [keep, h, *body]

    def p(self, text: str, style: str = "body") -> Paragraph:
        """A paragraph of plain text: never interpreted as markup."""
        return Paragraph(verbatim(text), self.styles[style])

    def fit(self, text: str, style: str, width: float) -> Paragraph | str:
        """A table cell as plain lines, wrapped here: drawn exactly as written and far cheaper to lay
        out than a Paragraph. A word too long for the column falls back to a splitting Paragraph.
        The table's style gives the strings the paragraph style's font."""
        st = self.styles[style]
        lines = simpleSplit(text, st.fontName, st.fontSize, width)
        if all(pdfmetrics.stringWidth(line, st.fontName, st.fontSize) <= width for line in lines):
            return "\n".join(lines)
        return self.p(text, style)

    def cell_style(self, cols: tuple[int, int], style: str) -> list[tuple[Any, ...]]:
        st = self.styles[style]
        first, last = cols
        return [("FONTNAME", (first, 0), (last, -1), st.fontName),
                ("FONTSIZE", (first, 0), (last, -1), st.fontSize),
                ("LEADING", (first, 0), (last, -1), st.leading),
                ("TEXTCOLOR", (first, 0), (last, -1), st.textColor)]

    # --- values -----------------------------------------------------------------------------

    def _date(self, value: Any) -> str:
        day = parse_date(value)
        return long_date(day, self.lang) if day else str(value)

    def _stamp(self, value: datetime) -> str:
        # The organisation's zone, named in print; the sign dialog uses the same function.
        return organisation_datetime(value, self.data.timezone, self.lang)

    def answer_text(self, question: Question, value: Any, goal: Goal | None = None) -> str:
        if value is None or value == [] or value == "":
            return t("not_answered", self.lang)
        return format_answer(question, value, self.lang, form=self.data.form, goal=goal)

    def correction_mark(self, key: str) -> str:
        """' (se rättelse 2)' where an addendum corrects this answer (a key ending in '.' matches
        every answer of that goal), else ''."""
        def hits(ref: str | None) -> bool:
            return bool(ref) and (ref == key or (key.endswith(".") and str(ref).startswith(key)))

        numbers = [str(n) for n, a in enumerate(self.data.followup.addenda, 1) if hits(a.refers_to)]
        return f" ({t('see_addendum', self.lang, n=', '.join(numbers))})" if numbers else ""

    def _level(self, goal: Goal, level: int | None) -> str:
        """A level as a number on its scale: GAS with its sign (+1), ICF as is, none as a dash."""
        if level is None:
            return "–"
        return f"{level:+d}" if goal.scale == "gas" and level else str(level)

    def level_text(self, goal: Goal, level: int | None) -> str:
        if level is None:
            return "–"
        scale = self.data.form.scale(goal.scale)
        words = ""
        if scale is not None:
            words = next((lv.label.get(self.lang) for lv in scale.levels if lv.value == level), "")
        shown = f"{level:+d}" if goal.scale == "gas" and level else str(level)
        return f"{shown} {words}".strip()

    # --- the story --------------------------------------------------------------------------

    def _get_story(self) -> list[Flowable]:
        story: list[Flowable] = []
        story += self.title_block()
        story += self.client_block()
        for section in self.data.form.sections:
            if section.per_goal:
                story += self.goals_block(section)
            else:
                story += self.section_block(section)
        # The signature never stands alone on a page: the last lines of the last section go with it.
        # One flat KeepTogether: a KeepTogether nested in another reports an "infinite" height to force
        # its own split, which made the outer one always start a new page (page 2 left half empty).
        signature = self.signature_block()
        tail = [f for f in story[-2:] if not isinstance(f, CondPageBreak)]
        story = story[: len(story) - 2] + [f for f in story[-2:] if isinstance(f, CondPageBreak)]
        kept = KeepTogether([*tail, *signature])
        for f in story:  # a label or heading whose text is now in it waits for all of it
            if isinstance(f, KeepStart) and any(f.then is x for x in tail):
                f.then = kept
        story.append(kept)
        story += self.addenda_block()  # after the signature: added later, each signed on its own
        return story

    def title_block(self) -> list[Flowable]:
        # The organisation stands in every page's header, so the title stands alone.
        out: list[Flowable] = [self.p(t(f"title_{self.data.followup.plan.type}", self.lang), "title")]
        n = len(self.data.followup.addenda)
        if n:
            out.append(self.p(plural("has_addenda", n, self.lang), "alert"))
        return out

    def _kv(self, rows: list[tuple[str, str]]) -> list[Flowable]:
        """Label beside value in a light table; a long or multi-line text runs full width under its
        label as plain paragraphs, which split across pages cleanly (table rows do not)."""
        out: list[Flowable] = []
        short: list[list[Any]] = []

        label_w, value_w = 0.32 * self.width, 0.68 * self.width

        def flush() -> None:
            if short:
                table = Table(list(short), colWidths=[label_w, value_w], hAlign="LEFT")
                table.setStyle(TableStyle([
                    *self.cell_style((0, 0), "label"),
                    *self.cell_style((1, 1), "cell"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ]))
                out.append(table)
                short.clear()

        for key, value in rows:
            if len(value) > LONG_TEXT or "\n" in value:
                flush()
                cont = t("continued", self.lang, label=key)
                text = Continued(verbatim(value), self.styles["cell"], self.p(cont, "label"))
                lead = [Spacer(1, 1.5 * mm), self.p(key, "label"), Spacer(1, 1 * mm)]
                out += [KeepStart(lead, text), *lead, text,  # the label never alone at a page's foot
                        HRFlowable(width="100%", thickness=0.4, color=RULE, spaceBefore=2, spaceAfter=1)]
            else:
                short.append([self.fit(key, "label", label_w - 8), self.fit(value, "cell", value_w - 8)])
        flush()
        return out

    def client_block(self) -> list[Flowable]:
        c, fu = self.data.client, self.data.followup
        rows: list[tuple[str, str]] = [(t("case_ref", self.lang), c.case_ref)]
        if c.name:
            rows.append((t("name", self.lang), c.name))
        rows.append((t("personnummer", self.lang), c.personnummer or t("no_personnummer", self.lang)))
        if c.birth_year:
            rows.append((t("birth_year", self.lang), str(c.birth_year)))
        rows.append((t("gender", self.lang), t(f"gender_{c.gender}", self.lang)))
        if c.unit:
            rows.append((t("unit", self.lang), c.unit))
        rows.append((t("caseworker", self.lang), fu.caseworker or c.caseworker or "–"))
        rows.append((t("plan_start", self.lang), self._date(fu.plan.start)))
        if fu.plan.interventions:
            names = []
            for i in fu.plan.interventions:
                name = f"{i.name} ({i.provider})" if i.provider else i.name
                if i.start:
                    name += f", {t('from_date', self.lang, date=self._date(i.start))}"
                names.append(name)
            rows.append((t("interventions", self.lang), "\n".join(names)))
        return [Spacer(1, 2 * mm), *self._kv(rows)]

    def _asked(self, section: Section) -> list[Step]:
        return [s for s in self._applicable if s.section.id == section.id and self.interview.has(s)]

    def section_block(self, section: Section) -> list[Flowable]:
        """Every question the branching asks, answered or not: "Ej besvarad" for a question that was
        asked but has no answer, "Ej aktuellt" only where the branching did not ask it at all."""
        title = section.title.get(self.lang)
        steps = [s for s in self._applicable if s.section.id == section.id]
        if not steps:
            return self.heading(title, [self.p(t("not_applicable", self.lang), "small")])
        rows: list[tuple[str, str]] = []
        for step in steps:
            if self.interview.has(step):
                text = self.answer_text(step.question, self.interview.value(step))
            else:
                text = t("not_answered", self.lang)
            text += self.correction_mark(step.key)
            rows.append((step.question.label.get(self.lang), text))
        return self.heading(title, self._kv(rows))

    def goals_block(self, section: Section) -> list[Flowable]:
        title = section.title.get(self.lang)
        goals = self.data.followup.plan.ordered_goals()
        if not goals:
            return self.heading(title, [self.p(t("not_applicable", self.lang), "small")])
        lang = self.lang
        answers = self.interview.final_answers()[1]
        attainment_q = next((q for q in section.questions if q.id == "attainment"), None)
        # A form of the organisation's own asks its own questions per goal: each answered one is
        # printed under the goal (the standard form's level, attainment and comment have columns).
        own = [q for q in section.questions if q.id not in ("attainment", "level", "comment")]
        head = [self.p(t(k, lang), "head") for k in ("goal", "life_area", "levels", "attainment")]
        long_comments: list[tuple[Goal, str]] = []
        data: list[list[Any]] = [head]
        w = self.width
        widths = [0.33 * w, 0.24 * w, 0.26 * w, 0.17 * w]
        style: list[tuple[Any, ...]] = [
            *self.cell_style((0, 3), "cell"),  # empty spanned cells too: never Helvetica
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
        for goal, depth in goals:
            ga = answers.get(goal.id, {})
            indent = "    " * depth + ("↳ " if depth else "")
            label = indent + goal.text + self.correction_mark(f"goals.{goal.id}.")
            if goal.target_date:
                label += f"\n{indent}{t('target_date', lang, date=self._date(goal.target_date))}"
            name = self.fit(label, "cellbold" if depth == 0 else "cell", widths[0] - 6)
            levels: Paragraph | str
            if goal.scale == "none":
                levels = self.p(t("unscaled", lang), "small")
            else:
                # A GAS goal's expected outcome is level 0 unless another target was set.
                target = goal.target if goal.target is not None or goal.scale != "gas" else 0
                lines = [f"{t('before', lang)}: {self.level_text(goal, goal.baseline)}",
                         f"{t('now', lang)}: {self.level_text(goal, ga.get('level'))}",
                         f"{t('target', lang)}: {self.level_text(goal, target)}",
                         direction(goal.scale, lang)]
                if goal.scale == "gas":
                    lines.append(t("weight", lang, weight=number(goal.weight, lang)))
                levels = self.fit("\n".join(lines), "cell", widths[2] - 6)
            row = len(data)
            if depth == 0:
                style.append(("FONTNAME", (0, row), (0, row), self.bold))  # a goal; sub-goals regular
            data.append([
                name,
                self.fit(self.data.form.life_area_label(goal.life_area, lang), "cell", widths[1] - 6),
                levels,
                self.fit(self.answer_text(attainment_q, ga.get("attainment"))
                         if attainment_q is not None and ga.get("attainment") is not None else "",
                         "cell", widths[3] - 6),
            ])
            for q in own:
                if ga.get(q.id) not in (None, "", []):
                    said = f"{q.label.get(lang)}: {self.answer_text(q, ga[q.id], goal)}"
                    data.append([self.p(said, "small"), "", "", ""])
                    style.append(("SPAN", (0, len(data) - 1), (-1, len(data) - 1)))
                    style.append(("LEFTPADDING", (0, len(data) - 1), (-1, len(data) - 1), 3 + 10 * depth))
            row = len(data) - 1  # the comment (or the rule) follows the goal's last row
            comment = ga.get("comment")
            if comment and len(comment) > LONG_COMMENT:
                long_comments.append((goal, comment))
                comment = f"{t('comment', lang)}: {t('see_below', lang)}"
                data.append([self.p(comment, "small"), "", "", ""])
                style.append(("SPAN", (0, row + 1), (-1, row + 1)))
                style.append(("LINEBELOW", (0, row + 1), (-1, row + 1), 0.4, RULE))
            elif comment:
                data.append([self.p(f"{t('comment', lang)}: {comment}", "small"), "", "", ""])
                style.append(("SPAN", (0, row + 1), (-1, row + 1)))
                style.append(("LEFTPADDING", (0, row + 1), (-1, row + 1), 3 + 10 * depth))
                style.append(("LINEBELOW", (0, row + 1), (-1, row + 1), 0.4, RULE))
            else:
                style.append(("LINEBELOW", (0, row), (-1, row), 0.4, RULE))
        table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle(style))
        out: list[Flowable] = self.heading(title, [table])
        if long_comments:
            kept_comments = self._kv([(goal.text, comment) for goal, comment in long_comments])
            out += self.heading(t("comments", lang), kept_comments)
        gas = followup_gas_t(self.data.followup.plan.goals,
                             {gid: a.get("level") for gid, a in answers.items()})
        if gas is not None:
            out += [Spacer(1, 2 * mm), self.p(t("gas_t", lang, value=decimal(gas, lang)), "small")]
        out += self.history_block()
        return out

    def history_block(self) -> list[Flowable]:
        lang = self.lang
        fu = self.data.followup
        scaled = [(g, d) for g, d in fu.plan.ordered_goals() if g.scale != "none"]
        earlier = [h for h in self.data.history if h.id != fu.id][-5:]
        if not scaled or not earlier:
            return []
        cols = [*earlier, fu]
        dates = []
        for h in cols:
            when = parse_date(h.answers.get("meeting_date"))
            dates.append(when.isoformat() if when else h.created_at.date().isoformat())
        widths, size = self._history_widths(dates, len(cols))
        # The dates' own size: a date is never broken inside, "(denna)" goes on a line of its own.
        hs = ParagraphStyle("histhead", parent=self.styles["head"], fontSize=size, leading=size + 2.5)
        head: list[Any] = [self.p(t("goal", lang), "head"), self.p(t("before", lang), "head")]
        for h, label in zip(cols, dates, strict=True):
            mark = f"\n({t('this_followup', lang)})" if h is fu else ""
            head.append(Paragraph(verbatim(label + mark), hs))
        head.append(self.p(t("target", lang), "head"))
        data: list[list[Any]] = [head]
        for goal, depth in scaled:
            indent = "    " * depth + ("↳ " if depth else "")
            text = f"{indent}{goal.text}\n{indent}{direction(goal.scale, lang)}"
            row: list[Any] = [self.p(text, "cell"), self.p(self._level(goal, goal.baseline), "cell")]
            for h in cols:
                row.append(self.p(self._level(goal, h.goals.get(goal.id, {}).get("level")), "cell"))
            target = goal.target if goal.target is not None or goal.scale != "gas" else 0
            row.append(self.p(self._level(goal, target), "cell"))
            data.append(row)
        table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self.font),
            ("LEFTPADDING", (0, 0), (-1, -1), HIST_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), HIST_PAD),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
            ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
            ("BACKGROUND", (-1, 1), (-1, -1), SHADE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        return self.heading(t("history", lang), [table])

    def _history_widths(self, dates: list[str], n: int) -> tuple[list[float], float]:
        """Column widths of "levels over time" and the size of its dates: each date column as wide
        as its date, the largest size that leaves the goal column a fifth of the page."""
        head = self.styles["head"]
        labels = (t("before", self.lang), t("target", self.lang))
        side = max(30.0, *(pdfmetrics.stringWidth(x, head.fontName, head.fontSize) + 2 * HIST_PAD
                           for x in labels))
        even = (self.width - 0.34 * self.width) / (n + 2)
        size = head.fontSize
        while True:
            date_w = max(pdfmetrics.stringWidth(d, head.fontName, size) for d in dates) + 2 * HIST_PAD + 1
            date_w = max(date_w, even)
            first = self.width - n * date_w - 2 * max(side, even)
            if first >= 0.2 * self.width or size <= 6:
                break
            size -= 0.5
        return [first, max(side, even), *([date_w] * n), max(side, even)], size

    def addenda_block(self) -> list[Flowable]:
        addenda = self.data.followup.addenda
        if not addenda:
            return []
        intro = self.p(t("addenda_intro", self.lang), "small")
        out: list[Flowable] = self.heading(t("addenda", self.lang), [intro])
        for n, a in enumerate(addenda, 1):
            meta = t("addendum_meta", self.lang, kind=t(f"addendum_{a.kind}", self.lang),
                     date=self._stamp(a.date), author=a.author, reason=a.reason)
            signed = t("addendum_signed", self.lang, n=n, who=a.author, when=self._stamp(a.date))
            out += [KeepTogether([self.p(f"{n}. {meta}", "label"), self.p(a.text)]),
                    self.p(signed, "small"), Spacer(1, 3 * mm)]
        return out

    def signature_block(self) -> list[Flowable]:
        fu = self.data.followup
        if fu.status == "final" and fu.finalized_at and fu.finalized_by:
            text = t("signed", self.lang, who=fu.finalized_by, when=self._stamp(fu.finalized_at))
        else:
            text = t("unsigned", self.lang)
        parts: list[Flowable] = [self.p(t("signature", self.lang), "h2"), self.p(text)]
        if fu.status == "final" and fu.approval is not None:  # reviewed before signing: both named
            parts.append(self.p(t("approved_by", self.lang, who=fu.approval.by,
                                  when=self._stamp(fu.approval.at))))
        mark = fu.imported
        if mark is not None:
            if mark.signature_from_file and fu.status == "final":
                parts.append(self.p(t("imported_signature", self.lang), "small"))
            parts.append(self.p(t("imported", self.lang, when=self._stamp(mark.at), who=mark.by,
                                  file=mark.file, sha=mark.sha256[:16]), "small"))
        return parts  # kept together with the last section's lines by _get_story

    # --- every page -------------------------------------------------------------------------

    def markings(self) -> list[str]:
        marks = []
        if self.data.banner:
            marks.append(self.data.banner)
        if self.data.followup.status != "final":
            marks.append(t("draft", self.lang))
        return marks

    def decorate(self, canvas: Canvas, page: int, pages: int) -> None:
        lang, fu = self.lang, self.data.followup
        w, h = self.pagesize
        canvas.saveState()
        canvas.setFont(self.font, 7.5)
        canvas.setFillColor(MUTED)
        secrecy = self.data.form.secrecy
        right = secrecy.text.get(lang) if secrecy is not None else ""
        over = " · ".join(x for x in (self.data.organisation, self.data.unit) if x)
        # Organisation left, secrecy right; when they do not both fit, each gets its own lines.
        fits = (pdfmetrics.stringWidth(over, self.font, 7.5) + pdfmetrics.stringWidth(right, self.font, 7.5)
                + 6 * mm <= self.width)
        lines_left = simpleSplit(over, self.font, 7.5, self.width if not fits else self.width * 0.6)
        y = h - 10 * mm
        if fits:
            canvas.drawRightString(w - self.margin, y, right)
        else:
            for line in simpleSplit(right, self.font, 7.5, self.width):
                canvas.drawRightString(w - self.margin, y, line)
                y -= 3.2 * mm
        for line in lines_left:
            canvas.drawString(self.margin, y, line)
            y -= 3.2 * mm
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.line(self.margin, 14 * mm, w - self.margin, 14 * mm)
        canvas.drawString(self.margin, 10 * mm, t("footer_id", lang, case=self.data.client.case_ref,
                                                  id=fu.id, form=fu.form, version=fu.form_version))
        canvas.drawRightString(w - self.margin, 10 * mm, t("page", lang, page=page, pages=pages))
        marks = self.markings()
        if marks:
            canvas.setFont(self.bold, 9)
            canvas.setFillColor(ALERT)
            canvas.drawCentredString(w / 2, h - 19 * mm, "   ·   ".join(marks))
            canvas.setFillColor(colors.Color(0.64, 0.15, 0.17, alpha=0.07))
            canvas.setFont(self.bold, 46)
            canvas.translate(w / 2, h / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, marks[-1])
        canvas.restoreState()

    def generate(self) -> bytes:
        buf = io.BytesIO()
        fu = self.data.followup
        doc = SimpleDocTemplate(
            buf,
            pagesize=self.pagesize,
            leftMargin=self.margin,
            rightMargin=self.margin,
            topMargin=self.top_margin,
            bottomMargin=self.bottom_margin,
            # No personal data in the metadata: it is shown by file managers and search indexes.
            title=t("doc_title", self.lang),
            subject=t("doc_subject", self.lang, form=fu.form, version=fu.form_version),
            author="",
            creator=f"uppfoljning {VERSION}",
            invariant=1,
        )
        doc.build(self._get_story(),
                  canvasmaker=lambda *a, **k: NumberedCanvas(*a, document=self, **k))
        return buf.getvalue()


def render(data: DocumentInput) -> bytes:
    """The follow-up document as PDF/A-2b, dated by the record itself (signing, or its latest change)."""
    from documents.pdfa import to_pdfa

    fu = data.followup
    created = fu.finalized_at if fu.status == "final" and fu.finalized_at else fu.updated_at
    return to_pdfa(
        FollowUpDocument(data).generate(),
        title=t("doc_title", data.lang),
        subject=t("doc_subject", data.lang, form=fu.form, version=fu.form_version),
        lang=data.lang,
        created=created,
        producer=f"uppfoljning {VERSION}",
    )
