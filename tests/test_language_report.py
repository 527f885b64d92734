"""The group report's terminal table in words: Swedish decimals, labels from the catalogue, no internal key."""

from __future__ import annotations

import re

import pytest

from reporting.output import to_table
from tests.test_reporting import FORM, report

INTERNAL = re.compile(r"\b(include_drafts|all_followups|plan_type|date_from|answered|True|False|"
                      r"positive_met|no_change|woman)\b")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_table_shows_no_internal_code(lang: str) -> None:
    table = to_table(report(include_drafts=True), FORM, lang)
    assert not INTERNAL.search(table), INTERNAL.search(table)
    assert ("Brukare" if lang == "sv" else "Clients") in table


def test_swedish_percentages_have_a_decimal_comma_and_english_a_point() -> None:
    sv, en = to_table(report(), FORM, "sv"), to_table(report(), FORM, "en")
    assert re.search(r" \d+,\d %", sv) and re.search(r" \d+\.\d %", en)
    assert not re.search(r"\d\.\d %", sv)
