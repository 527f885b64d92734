"""Writing as people write: lists joined with 'och'/'and', counts with the right noun, dates in words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

MONTHS = {
    "sv": ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
           "oktober", "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
}  # fmt: skip


def join(items: Sequence[str], lang: str) -> str:
    """'A', 'A och B', 'A, B och C'. When an item holds the conjunction itself ("interaktioner och
    relationer"), Swedish joins the last item with 'samt' and English uses a serial comma, so the
    list cannot be misread."""
    word = "och" if lang == "sv" else "and"
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if any(f" {word} " in item for item in items):
        last = " samt " if lang == "sv" else ", and "
    else:
        last = f" {word} "
    return f"{', '.join(items[:-1])}{last}{items[-1]}"


def long_date(day: date, lang: str) -> str:
    """'18 maj 2027' / '18 May 2027'."""
    return f"{day.day} {MONTHS[lang if lang in MONTHS else 'sv'][day.month - 1]} {day.year}"


NUMBERS = {
    "sv": ["inget", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio"],
    "en": ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
}


def count(n: int, lang: str) -> str:
    """Small numbers in words, as in running text; larger ones in digits."""
    words = NUMBERS[lang if lang in NUMBERS else "sv"]
    return words[n] if 0 <= n < len(words) else str(n)


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
