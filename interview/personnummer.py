"""Swedish personal identity numbers: parsing, Luhn check, real dates and samordningsnummer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PATTERN = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$")


class PersonnummerError(ValueError):
    """Why a string is not a valid personnummer; `key` names the message in the catalogue."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Personnummer:
    """A checked number; `normalized` is the 12-digit form YYYYMMDD-NNNC."""

    birth_date: date
    serial: str
    check: str
    samordning: bool

    @property
    def normalized(self) -> str:
        day = self.birth_date.day + (60 if self.samordning else 0)
        return f"{self.birth_date:%Y%m}{day:02d}-{self.serial}{self.check}"


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def parse(text: str, today: date | None = None) -> Personnummer:
    """Parse 10 or 12 digits with an optional '-' or '+' separator; raise PersonnummerError."""
    today = today or date.today()
    compact = text.strip().replace(" ", "")
    m = _PATTERN.match(compact)
    if m is None:
        raise PersonnummerError("pnr_format")
    century, yy, mm, dd, sep, serial, check = m.groups()
    if not luhn_ok(f"{yy}{mm}{dd}{serial}{check}"):
        raise PersonnummerError("pnr_check_digit")
    day = int(dd)
    samordning = day > 60
    if samordning:
        day -= 60
    if century is not None:
        year = int(century + yy)
    else:
        # Without a century: the most recent year not in the future; '+' means 100 years or older.
        year = (today.year // 100) * 100 + int(yy)
        if (year, int(mm), day) > (today.year, today.month, today.day):
            year -= 100
        if sep == "+":
            year -= 100
    try:
        born = date(year, int(mm), day)
    except ValueError:
        raise PersonnummerError("pnr_date") from None
    if born > today:
        raise PersonnummerError("pnr_future")
    return Personnummer(born, serial, check, samordning)
