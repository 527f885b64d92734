"""The shared base of everything printed: fonts, colours, Swedish number formats, the numbered canvas."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONTS = Path(__file__).parent / "fonts"
VERSION = "0.1.0"

INK = colors.HexColor("#1f2328")
MUTED = colors.HexColor("#5b6169")
RULE = colors.HexColor("#c9ced4")
SHADE = colors.HexColor("#f1f3f5")
ALERT = colors.HexColor("#a4262c")
NBSP = "\u00a0"  # between a number and its unit, and in thousands: never broken over two lines


@cache
def register_fonts() -> tuple[str, str]:
    """DejaVu Sans, embedded: the built-in Helvetica draws boxes for Ł, ş, ı, Cyrillic, Vietnamese."""
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        "DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold", italic="DejaVuSans",
        boldItalic="DejaVuSans-Bold",
    )
    return "DejaVuSans", "DejaVuSans-Bold"


def verbatim(text: str) -> str:
    """Free text as Paragraph source that prints exactly as written: markup escaped, lines kept."""
    return escape(text).replace("\t", "    ").replace("\r\n", "\n").replace("\n", "<br/>")


def number(value: float, lang: str, decimals: int = 0) -> str:
    """A number as the language writes it: '1 234,5' in Swedish (space for thousands, decimal
    comma), '1,234.5' in English."""
    text = f"{value:,.{decimals}f}"
    if lang == "en":
        return text
    return text.replace(",", NBSP).replace(".", ",")


def percent(part: int, whole: int, lang: str) -> str:
    """A share in whole percent: '42 %' in Swedish (with a space, as Språkrådet writes it), '42%' in
    English."""
    value = number(round(100 * part / whole), lang)
    return f"{value}{NBSP}%" if lang != "en" else f"{value}%"


class Decorates(Protocol):
    """A document that draws its header and footer once the number of pages is known."""

    font: str

    def decorate(self, canvas: Canvas, page: int, pages: int) -> None: ...


class NumberedCanvas(Canvas):
    """Holds every page until the end so each can say 'page x of y'."""

    def __init__(self, *args: Any, document: Decorates, **kwargs: Any) -> None:
        # The page preamble sets an initial font; make it ours so no page references Helvetica.
        kwargs["initialFontName"] = document.font
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._document = document

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # reportlab's own page reset

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._document.decorate(self, self.getPageNumber(), total)
            super().showPage()
        super().save()
