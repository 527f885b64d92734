"""Dates, times, decimals and lists as a Swedish or English reader expects them (language/format.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from language.format import clock, decimal, join, long_date, long_datetime, number


def test_a_long_date_is_written_in_words_in_both_languages() -> None:
    assert long_date(date(2027, 5, 18), "sv") == "18 maj 2027"
    assert long_date(date(2027, 5, 18), "en") == "18 May 2027"
    assert long_date(date(2027, 1, 1), "xx") == "1 januari 2027"  # an unknown language falls back to Swedish


def test_a_time_is_kl_with_a_full_stop_in_swedish_and_a_colon_in_english() -> None:
    assert clock(time(10, 57), "sv") == "kl. 10.57"
    assert clock(time(9, 5), "sv") == "kl. 09.05"
    assert clock(time(9, 5), "en") == "09:05"
    cet = timezone(timedelta(hours=1), "CET")
    assert long_datetime(datetime(2026, 11, 19, 10, 30, tzinfo=cet), "sv") == "19 november 2026 kl. 10.30 CET"
    assert long_datetime(datetime(2026, 11, 19, 9, 30, tzinfo=UTC), "en") == "19 November 2026 09:30 UTC"


@pytest.mark.parametrize(("value", "sv", "en"), [
    (46.48, "46,5", "46.5"), (60, "60,0", "60.0"), (0.06, "0,1", "0.1"), (-2.26, "-2,3", "-2.3"),
    (1234.5, "1\xa0234,5", "1,234.5"),
])
def test_decimals_use_the_languages_separators_and_a_fixed_number_of_places(value: float, sv: str,
                                                                            en: str) -> None:
    assert decimal(value, "sv") == sv
    assert decimal(value, "en") == en


def test_a_weight_shows_only_the_decimals_it_has() -> None:
    assert (number(1.5, "sv"), number(2.0, "sv"), number(0.25, "en")) == ("1,5", "2", "0.25")


def test_lists_join_with_och_and_fall_back_to_samt_when_an_item_already_says_och() -> None:
    assert join([], "sv") == ""
    assert join(["A"], "sv") == "A"
    assert join(["A", "B"], "sv") == "A och B"
    assert join(["A", "B", "C"], "sv") == "A, B och C"
    assert join(["A", "B", "C"], "en") == "A, B and C"
    assert join(["boende", "interaktioner och relationer"], "sv") == "boende samt interaktioner och relationer"
    assert join(["housing", "work and study", "health"], "en") == "housing, work and study, and health"
