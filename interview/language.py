"""Writing as people write: lists joined with 'och'/'and', counts with the right noun, dates in words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from language import format as fmt


def join(items: Sequence[str], lang: str) -> str:
    """'A', 'A och B', 'A, B och C' (language.format.join, kept here for the summary's callers)."""
    return fmt.join(items, lang)


def long_date(day: date, lang: str) -> str:
    """'18 maj 2027' / '18 May 2027'."""
    return fmt.long_date(day, lang)


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
