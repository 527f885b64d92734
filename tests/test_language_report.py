"""The group report in words: the selection by its labels, Swedish decimals, no internal key printed."""

from __future__ import annotations

import re
from datetime import date

import pytest

from reporting.output import describe_selection, to_table
from reporting.pdf import render_report
from tests.test_pdf import text as pdf_text
from tests.test_reporting import FORM, report

INTERNAL = re.compile(r"\b(include_drafts|all_followups|plan_type|date_from|answered|True|False|"
                      r"positive_met|no_change|woman)\b")


def test_the_selection_is_described_in_words_not_keys() -> None:
    data = report(include_drafts=True, all_followups=True, unit="Socialpsykiatri", date_from=date(2026, 1, 1),
                  plan_type="genomforandeplan")
    sv = describe_selection(data["selection"], "sv")
    assert sv == ("Urval: möten från 1 januari 2026, verksamhet Socialpsykiatri, plantyp genomförandeplan, "
                  "utkast räknas med, alla uppföljningar, inte bara den senaste per brukare")
    assert describe_selection(report(plan_type="sip")["selection"], "sv") == "Urval: plantyp SIP"
    assert describe_selection(report()["selection"], "en") == "Selection: the whole workspace"
    assert not INTERNAL.search(sv)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_table_and_the_pdf_show_no_internal_code(lang: str) -> None:
    data = report(include_drafts=True)
    table = to_table(data, FORM, lang)
    pdf = pdf_text(render_report(data, FORM, lang, "Rapport"))
    for shown in (table, pdf):
        assert not INTERNAL.search(shown), INTERNAL.search(shown)
    assert ("Besvarade frågan" if lang == "sv" else "Answered the question") in table + pdf


def test_swedish_percentages_have_a_decimal_comma_and_english_a_point() -> None:
    sv, en = to_table(report(), FORM, "sv"), to_table(report(), FORM, "en")
    assert " 40,0 %" in sv and " 40.0 %" in en
    assert not re.search(r"\d\.\d %", sv)
