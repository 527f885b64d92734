"""Dates, times, decimals and lists written as people read them in Swedish or English (Babel's CLDR data)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from language import normalise

# CLDR locales: Swedish as written in Sweden, English as written in Britain (day before month, 24-hour clock)
LOCALES = {"sv": "sv_SE", "en": "en_GB"}


def _locale(lang: str) -> str:
    return LOCALES[normalise(lang)]


def long_date(day: date, lang: str) -> str:
    """'18 maj 2027' / '18 May 2027': a date shown to a person (files keep ISO 8601)."""
    from babel.dates import format_date

    return format_date(day, "long", locale=_locale(lang))


def clock(moment: time | datetime, lang: str) -> str:
    """'kl. 10.57' (Språkrådet's form) / '10:57'."""
    from babel.dates import format_time

    pattern = "'kl.' HH.mm" if normalise(lang) == "sv" else "HH:mm"
    return format_time(moment, pattern, locale=_locale(lang))


def long_datetime(moment: datetime, lang: str) -> str:
    """'18 maj 2027 kl. 10.57 CET' / '18 May 2027 10:57 CET' (the zone is kept: signatures are evidence)."""
    zone = f" {moment.tzname()}" if moment.tzinfo is not None and moment.tzname() else ""
    return f"{long_date(moment.date(), lang)} {clock(moment, lang)}{zone}"


def organisation_datetime(moment: datetime, timezone: str, lang: str) -> str:
    """A stored moment as `long_datetime` in the organisation's time zone (never the machine's), so
    the sign dialog, the app and the PDF give one signature one time. A naive moment is UTC (every
    write stamps UTC)."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return long_datetime(aware.astimezone(ZoneInfo(timezone)), lang)


def decimal(value: float, lang: str, digits: int = 1) -> str:
    """'46,5' / '46.5': always `digits` decimals, with the language's separators ('1 234,5')."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, pattern, locale=_locale(lang))


def number(value: float, lang: str) -> str:
    """'1,5', '2' / '1.5', '2': as few decimals as the value needs (at most two)."""
    from babel.numbers import format_decimal

    return format_decimal(value, "#,##0.##", locale=_locale(lang))


def exact(value: float, lang: str) -> str:
    """'2,5' / '2.5': an answered decimal number with the language's decimal sign and every decimal
    the answer has (no grouping, no rounding: it is the answer, not a figure)."""
    from babel.numbers import format_decimal

    return format_decimal(value, "0.##########", locale=_locale(lang))


def join(items: Sequence[str], lang: str) -> str:
    """'A', 'A och B', 'A, B och C'. When an item holds the conjunction itself ("interaktioner och
    relationer"), Swedish joins the last item with 'samt' and English uses a serial comma, so the
    list cannot be misread."""
    from babel.lists import format_list

    items = list(items)
    sv = normalise(lang) == "sv"
    word = " och " if sv else " and "
    if len(items) > 1 and any(word in item for item in items):
        last = " samt " if sv else ", and "
        return f"{', '.join(items[:-1])}{last}{items[-1]}"
    return format_list(items, locale=_locale(lang)) if items else ""
