"""The group report as PDF: the selection, the key tables and bar charts (reportlab graphics)."""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from documents.followup import ALERT, INK, MUTED, RULE, register_fonts, verbatim
from forms.schema import FormDefinition
from language import text
from reporting.output import (
    AGE_LABELS,
    ANSWERED_LABELS,
    GENDER_LABELS,
    ISU_LABELS,
    describe_selection,
    training_mark,
)


def _chart(cells: dict[str, Any], labels: dict[str, str], width: float) -> Drawing | None:
    shown = [(labels.get(c, c), v) for c, v in cells.items() if isinstance(v, int)]
    if not shown or max(v for _, v in shown) == 0:
        return None  # nothing to draw: every count is hidden or zero
    height = 14 * len(shown) + 20
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 10
    chart.width, chart.height = int(width - 170), height - 20
    chart.data = [[v for _, v in shown]]
    chart.categoryAxis.categoryNames = [name[:32] for name, _ in shown]
    chart.categoryAxis.labels.fontName = "DejaVuSans"
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = "DejaVuSans"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#4a6fa5")
    chart.bars[0].strokeColor = None
    drawing.add(chart)
    return drawing


def render_report(data: dict[str, Any], form: FormDefinition, lang: str, title: str) -> bytes:
    font, bold = register_fonts()
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("b", fontName=font, fontSize=9, leading=12, textColor=INK)
    h1 = ParagraphStyle("h1", parent=body, fontName=bold, fontSize=16, leading=20, spaceAfter=4 * mm)
    h2 = ParagraphStyle(
        "h2", parent=body, fontName=bold, fontSize=11, leading=14, spaceBefore=5 * mm, spaceAfter=2 * mm
    )
    small = ParagraphStyle("s", parent=body, fontSize=8, textColor=MUTED)
    labels = {
        c.code: c.label.get(lang)
        for s in form.sections
        for q in s.questions
        for c in getattr(q, "choices", [])
    }
    width = A4[0] - 40 * mm
    sv = lang == "sv"
    labels.update(ANSWERED_LABELS["sv" if sv else "en"])
    story: list[Any] = [Paragraph(verbatim(title), h1)]
    story.append(Paragraph(verbatim(describe_selection(data["selection"], lang)), small))
    story.append(
        Paragraph(
            verbatim(
                f"{text('rep_followups', lang)}: {data['followups']} · "
                f"{text('rep_clients', lang)}: {data['clients']} · "
                f"{text('rep_threshold', lang)}: {data['suppression_threshold']}"
            ),
            body,
        )
    )

    def table(title: str, cells: dict[str, Any], names: dict[str, str] | None = None) -> None:
        names = names or labels
        story.append(Paragraph(verbatim(title), h2))
        rows = [[Paragraph(verbatim(names.get(c, c)), body), str(v)] for c, v in cells.items()]
        t = Table(rows, colWidths=[width * 0.7, width * 0.3], hAlign="LEFT")
        t.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ]
            )
        )
        story.append(t)
        drawing = _chart(cells, names, width)
        if drawing is not None:
            story.append(Spacer(1, 2 * mm))
            story.append(drawing)

    goals = data["goals"]
    table(text("rep_attainment", lang), goals["attainment"])
    key = "sv" if sv else "en"
    table(text("rep_isu", lang), goals["isu"], ISU_LABELS[key])
    table(
        text("rep_by_gender", lang),
        {g: part["followups"] for g, part in data["by_gender"].items()},
        GENDER_LABELS[key],
    )
    table(
        text("rep_by_age", lang),
        {b: part["followups"] for b, part in data["by_age_band"].items()},
        AGE_LABELS[key],
    )
    for qid, cells in data["questions"].items():
        table(form.question(qid).label.get(lang), cells)
    if data["suppressed"]:
        k = data["suppression_threshold"]
        story.append(Spacer(1, 4 * mm))
        story.append(
            Paragraph(
                verbatim(text("rep_suppressed_pdf", lang, k=k)),
                small,
            )
        )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author="",
        creator="uppfoljning",
        invariant=1,
        initialFontName=font,
    )
    mark = training_mark(data, lang)

    def on_page(canvas: Any, _doc: Any) -> None:
        # The training marking on every page, as on the follow-up document: a page printed alone
        # must still say that its figures are fictitious.
        if mark:
            canvas.saveState()
            canvas.setFont(bold, 9)
            canvas.setFillColor(ALERT)
            canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, mark)
            canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()
