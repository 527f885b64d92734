"""The group report's PDF as a board reads it: cover, key figures with women and men side by side, each
question's table and chart together in the same order, labelled gaps, bases, page numbers, Swedish
numbers, PDF/A-2b; and --compare-previous in every format."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from documents.report import ReportInput, render_report
from forms.loader import bundled_form
from forms.schema import ChoiceQuestion, MultiQuestion
from reporting.compile import compile_report
from reporting.output import to_data
from reporting.published import ATTAINMENT, ISU, codes_of
from reporting.selection import Selection
from storage.memory_repo import MemoryRepository
from tests.test_db_report import population
from tests.test_reporting import fixture_repo
from tui.cli import main

FORM = bundled_form()
PRODUCED = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
ORG = "Göteborgs Stad, Socialförvaltningen Nordost"


@cache
def big_repo() -> MemoryRepository:
    """About 240 counted follow-ups over 2024-2026 in two units, every answer drawn at random."""
    repo = MemoryRepository()
    for case, fus in population(385, 7):
        repo.add_case(case, fus)
    return repo


def published(repo: MemoryRepository, **kwargs: Any) -> dict[str, Any]:
    return to_data(compile_report(repo.records(), FORM, Selection(**kwargs)), FORM)


def pdf_of(data: dict[str, Any], *, lang: str = "sv", previous: dict[str, Any] | None = None,
           produced: datetime = PRODUCED) -> bytes:
    return render_report(ReportInput(data, FORM, produced, lang=lang, organisation=ORG, previous=previous))


def pages(pdf: bytes) -> list[str]:
    # A number and its unit are held together by a no-break space; read it as a space.
    return [p.extract_text().replace("\xa0", " ") for p in PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@cache
def small() -> tuple[dict[str, Any], list[str]]:
    """The hand-computed 15-client fixture: small enough that many cells are '<5' or '..'."""
    data = published(fixture_repo())
    return data, pages(pdf_of(data))


@cache
def big(unit: str | None) -> tuple[dict[str, Any], list[str]]:
    data = published(big_repo(), unit=unit)
    return data, pages(pdf_of(data))


def gap(value: Any) -> bool:
    return not (isinstance(value, int) and not isinstance(value, bool))


def expected_chart_gaps(data: dict[str, Any], previous: dict[str, Any] | None = None) -> int:
    """How many gaps the charts must label: women's and men's attainment and ISU, follow-ups per age
    band, and every question's codes (for both periods when compared)."""
    n = 0
    for name, codes in (("attainment", ATTAINMENT), ("isu", ISU)):
        for g in ("woman", "man"):
            n += sum(gap(data["by_gender"][g]["goals"][name].get(c)) for c in codes)
    for d in (data, previous) if previous is not None else (data,):
        n += sum(gap(part["followups"]) for part in d["by_age_band"].values())
        for qid, cells in data["questions"].items():
            theirs = d["questions"].get(qid, {})
            n += sum(gap(theirs.get(c)) for c in codes_of(FORM, qid, cells))
    return n


def labelled_gaps(text: str) -> int:
    return len(re.findall(r"\(färre än \d+\)|\(dolt\)", text))


# --- the cover --------------------------------------------------------------------------------------


def test_cover_names_organisation_unit_period_production_date_and_the_selection_in_words() -> None:
    data = published(big_repo(), unit="A", date_from=date(2025, 1, 1), date_to=date(2025, 12, 31),
                     include_drafts=True, caseworker="Anna", plan_type="vardplan")
    cover = pages(pdf_of(data))[0]
    for words in (ORG, "Sammanställning av uppföljningar", "Verksamhet", "1 januari 2025 – 31 december 2025",
                  "Framtagen", "29 november 2026", "Brukarens senaste utkast räknas också",
                  "Endast verksamheten A.", "Endast handläggaren Anna.", "Endast planer av typen vårdplan.",
                  f"{data['followups']} uppföljningar av {data['clients']} brukare"):
        assert words in cover, words
    # Never raw keys or Python values.
    for raw in ("include_drafts", "all_followups", "plan_type", "True", "False", "None", "caseworker"):
        assert raw not in cover, raw
    # Without a unit the cover says it covers every unit; without dates, every meeting date.
    everything = big(None)[1][0]
    assert "Alla verksamheter i arbetsytan" in everything and "alla mötesdatum" in everything
    assert "Utkast räknas inte." in everything


def test_every_page_says_page_x_of_n_and_names_organisation_and_unit() -> None:
    for unit in (None, "A"):
        text = big(unit)[1]
        assert len(text) >= 8
        for n, page in enumerate(text, 1):
            assert f"Sida {n} av {len(text)}" in page
            assert "framtagen 29 november 2026" in page
            if n > 1:
                assert f"{ORG} · {unit or 'Alla verksamheter i arbetsytan'}" in page


# --- key figures: women and men side by side ------------------------------------------------------


def row_tokens(cells: list[Any], bases: list[Any]) -> list[str]:
    """What a table row prints after its label: each group's count and, where the base is a known
    number, its share in whole percent."""
    out = []
    for value, base in zip(cells, bases, strict=True):
        out.append(str(value))
        if not gap(value) and not gap(base) and base:
            out.append(f"{round(100 * value / base)} %")
    return out


def test_key_figures_put_all_women_and_men_side_by_side_each_with_count_and_share() -> None:
    data, text = big(None)
    page = text[1].splitlines()
    assert "Nyckeltal" in page[0]
    assert page.index("Kvinnor") + 1 == page.index("Män")  # side by side in one header
    for name, codes in (("attainment", ATTAINMENT), ("isu", ISU)):
        groups = [data["goals"][name], data["by_gender"]["woman"]["goals"][name],
                  data["by_gender"]["man"]["goals"][name]]
        bases = [sum(g.values()) if not any(gap(v) for v in g.values()) else None for g in groups]
        labels = {"achieved": "Uppnått", "partly_achieved": "Delvis uppnått", "not_achieved": "Inte uppnått",
                  "not_assessable": "Kan inte bedömas", "positive_met": "Positiv förändring, målet uppnått",
                  "positive_not_met": "Positiv förändring, målet ej uppnått", "no_change": "Ingen förändring",
                  "negative": "Negativ förändring"}
        for code in codes:
            at = page.index(labels[code])
            tokens = row_tokens([g[code] for g in groups], bases)
            assert page[at + 1: at + 1 + len(tokens)] == tokens, (code, page[at: at + 8])
    # The headline counts goals, and says so.
    att = data["goals"]["attainment"]
    total = sum(att.values())
    assert f"Av {total} uppföljda mål uppnåddes {round(100 * att['achieved'] / total)} % helt" in text[1]


def test_bases_are_stated_goals_are_not_clients_and_isu_needs_a_baseline() -> None:
    text = "\n".join(big(None)[1])
    assert "Bas: mål, inte brukare" in text
    assert "Bas: mål med skala (ICF eller GAS) där både utgångsnivå och nivå vid uppföljningen finns." in text
    assert "Bas: uppföljningar där frågan besvarats." in text
    assert text.count("Bas (n)") >= len(big(None)[0]["questions"]) + 2


# --- each question: table and chart together, same order, full labels, labelled gaps ---------------


def segments(text: list[str]) -> dict[str, tuple[int, list[str]]]:
    """Each question's lines, from its heading to the next heading, with the page it is on."""
    labels = {FORM.question(qid).label.get("sv"): qid for qid in big(None)[0]["questions"]}
    out: dict[str, tuple[int, list[str]]] = {}
    current: str | None = None
    for n, page in enumerate(text):
        for line in page.splitlines():
            if line in labels:
                current = labels[line]
                out[current] = (n, [])
            elif current is not None and line.startswith("Sida "):
                current = None
            elif current is not None:
                out[current][1].append(line)
    return out


def test_each_questions_table_and_chart_are_on_one_page_in_the_same_order_with_full_labels() -> None:
    data, text = big(None)
    found = segments(text)
    assert set(found) == set(data["questions"])
    for qid, cells in data["questions"].items():
        _, lines = found[qid]
        q = FORM.question(qid)
        assert isinstance(q, (ChoiceQuestion, MultiQuestion))
        labels = [next(c.label.get("sv") for c in q.choices if c.code == code)
                  for code in codes_of(FORM, qid, cells)]
        joined = squash("".join(lines))
        for label in labels:
            # The whole label, never cut: once in the table, once beside its bar.
            assert joined.count(squash(label)) >= 2, (qid, label)
        short = [line for line in lines if line in labels]
        if len(short) == 2 * len(labels):  # every label on one line: the order can be read off
            assert short == labels + labels, qid


def test_answered_is_the_base_never_a_category() -> None:
    for _, text in (small(), big(None), big("A")):
        joined = "\n".join(text)
        assert "answered" not in joined
    data, text = small()
    multi = data["questions"]["new_needs_areas"]
    assert "answered" in multi  # the published structure carries it: the PDF prints it as the base
    lines = segments(text)["new_needs_areas"][1]
    at = lines.index("Bas (n)")
    assert lines[at + 1] == str(multi["answered"])


def test_every_hidden_cell_is_a_labelled_gap_in_the_charts_and_printed_as_given_in_the_tables() -> None:
    data, text = small()
    assert data["questions"]["sip_status"] == {"exists": "<5", "initiated": "..", "not_started": "..",
                                               "declined": "..", "answered": "<5"}
    joined = "\n".join(text)
    assert labelled_gaps(joined) == expected_chart_gaps(data) > 5
    lines = segments(text)["sip_status"][1]
    # Table: every row kept, the cells as published; chart: every gap drawn and labelled.
    assert lines[lines.index("Ja, det finns en SIP") + 1] == "<5"
    assert lines[lines.index("Arbetet har påbörjats") + 1] == ".."
    assert "<5 (färre än 5)" in lines and ".. (dolt)" in lines


GAPS = st.sampled_from(["<5", "..", "<3", "0", 0, 3, 10, 125])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_published_cell_may_be_a_number_or_a_string_and_every_gap_is_labelled(draw: st.DataObject) -> None:
    """The lead's disclosure control may publish rounded numbers, '<5' and '..' anywhere: the PDF reads
    whatever is published and labels every gap."""
    data = json.loads(json.dumps(small()[0]))

    def scramble(cells: dict[str, Any]) -> None:
        for code in cells:
            if draw.draw(st.booleans()):
                cells[code] = draw.draw(GAPS)

    for part in (data, *data["by_gender"].values(), *data["by_age_band"].values()):
        for cells in part["questions"].values():
            scramble(cells)
        for name in ("attainment", "isu"):
            scramble(part["goals"][name])
        for key in ("followups", "clients"):
            if draw.draw(st.booleans()):
                part[key] = draw.draw(GAPS)
    data["gas_t_mean"] = draw.draw(st.sampled_from([None, "..", 51.25]))
    joined = "\n".join(pages(pdf_of(data)))
    assert labelled_gaps(joined) == expected_chart_gaps(data)
    assert "answered" not in joined


# --- numbers, languages, markings -----------------------------------------------------------------


def test_swedish_number_formats_and_english_ones() -> None:
    data = published(big_repo())
    sv = "\n".join(pages(pdf_of(data)))
    assert re.search(r"\d %", sv) and not re.search(r"\d%", sv)  # "42 %"
    gas = f"{data['gas_t_mean']:.1f}"
    assert gas.replace(".", ",") in sv and gas not in sv  # decimal comma
    en = pages(pdf_of(data, lang="en"))
    assert re.search(r"\d%", "\n".join(en)) and gas in "\n".join(en)
    assert "Page 1 of" in en[0] and "Women" in en[1] and "Men" in en[1]
    assert "every meeting date" in en[0]


def test_a_thousand_is_written_with_a_space_in_swedish() -> None:
    from documents.base import number, percent

    assert number(1234567, "sv") == "1\xa0234\xa0567" and number(1234.5, "sv", 1) == "1\xa0234,5"
    assert number(1234.5, "en", 1) == "1,234.5"
    assert percent(1, 3, "sv") == "33\xa0%" and percent(2, 3, "en") == "67%"


def test_a_training_report_is_marked_on_every_page() -> None:
    data = {**small()[0], "training": True}
    for page in pages(pdf_of(data)):
        assert "ÖVNING" in page.upper()


# --- PDF/A-2b ---------------------------------------------------------------------------------------


def test_the_report_is_pdf_a_2b_dated_when_produced_and_names_no_one_in_its_metadata() -> None:
    import pikepdf

    data = published(big_repo(), caseworker="Anna")
    pdf = pdf_of(data)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.pdf_version == "1.7"
        assert str(doc.Root.Lang) == "sv-SE"
        [intent] = list(doc.Root.OutputIntents)
        assert intent.S == pikepdf.Name.GTS_PDFA1
        assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"
        meta = doc.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert str(doc.docinfo.CreationDate) == "D:20261129093000+00'00'"
        assert meta["xmp:CreateDate"].startswith("2026-11-29T09:30:00")
        assert str(doc.docinfo.Title) == meta["dc:title"] == "Sammanställning av uppföljningar"
        info = " ".join(str(v) for v in doc.docinfo.values())
        assert "Anna" not in info and "Anna" not in str(meta)
        for font in (f for page in doc.pages for f in page.Resources.Font.values()):
            descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), "font not embedded"
    # The same figures produced at the same time give the same bytes; another time, another /ID.
    assert pdf_of(data) == pdf
    later = pdf_of(data, produced=PRODUCED + timedelta(days=1))
    with pikepdf.open(io.BytesIO(pdf)) as a, pikepdf.open(io.BytesIO(later)) as b:
        assert bytes(a.trailer.ID[0]) != bytes(b.trailer.ID[0])


# --- the previous period ----------------------------------------------------------------------------


def test_the_previous_period_has_the_same_length_and_ends_the_day_before() -> None:
    def prev(a: date, b: date) -> tuple[date | None, date | None]:
        p = Selection(date_from=a, date_to=b, unit="A").previous()
        assert p.unit == "A"
        return p.date_from, p.date_to

    assert prev(date(2026, 1, 1), date(2026, 3, 31)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert prev(date(2026, 3, 1), date(2026, 3, 31)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert prev(date(2026, 1, 1), date(2026, 12, 31)) == (date(2025, 1, 1), date(2025, 12, 31))
    assert prev(date(2026, 1, 10), date(2026, 1, 19)) == (date(2025, 12, 31), date(2026, 1, 9))
    for bad in (Selection(), Selection(date_from=date(2026, 1, 1)),
                Selection(date_from=date(2026, 2, 1), date_to=date(2026, 1, 1))):
        with pytest.raises(ValueError):
            bad.previous()


@given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(0, 800))
def test_any_period_is_compared_with_one_just_before_it_of_the_same_length(first: date, days: int) -> None:
    last = first + timedelta(days=days)
    p = Selection(date_from=first, date_to=last).previous()
    assert p.date_to == first - timedelta(days=1)
    assert p.date_from is not None and p.date_from <= p.date_to
    whole_months = first.day == 1 and (last + timedelta(days=1)).day == 1
    if whole_months:
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        assert (first.year * 12 + first.month) - (p.date_from.year * 12 + p.date_from.month) == months
        assert p.date_from.day == 1
    else:
        assert (p.date_to - p.date_from) == (last - first)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from storage.tinydb_repo import TinyDBRepository
    from storage.workspace import Workspace, WorkspaceSettings

    ws = Workspace.create(tmp_path_factory.mktemp("cmp") / "ws", WorkspaceSettings(organisation=ORG),
                          passphrase=None)
    repo = TinyDBRepository(ws, durable=False)
    for case, fus in population(150, 3):
        repo.add_case(case, fus)
    repo.close()
    return ws.path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_compare_previous_in_json_csv_table_and_pdf(workspace: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    ws = str(workspace)
    period = ("--from", "2025-01-01", "--to", "2025-12-31")
    code, out, _ = run(capsys, "--workspace", ws, "report", *period, "--compare-previous", "--format", "json")
    assert code == 0
    both = json.loads(out)
    _, now, _ = run(capsys, "--workspace", ws, "report", *period, "--format", "json")
    _, then, _ = run(capsys, "--workspace", ws, "report", "--from", "2024-01-01", "--to", "2024-12-31",
                     "--format", "json")
    # The previous figures are exactly the report of the previous year, the current ones unchanged.
    assert both["previous"] == json.loads(then) and {k: v for k, v in both.items() if k != "previous"} == \
        json.loads(now)
    assert both["previous"]["selection"]["from"] == "2024-01-01" and both["followups"] > 20

    code, out, _ = run(capsys, "--workspace", ws, "report", *period, "--compare-previous", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["measure", "group", "code", "value", "previous_value"]
    earlier = json.loads(then)
    lookup = {(r[0], r[1], r[2]): r for r in rows[1:]}
    assert lookup[("followups", "all", "")][3:] == [str(both["followups"]), str(earlier["followups"])]
    assert lookup[("goals.attainment", "gender=woman", "achieved")][4] == \
        str(earlier["by_gender"]["woman"]["goals"]["attainment"]["achieved"])
    assert lookup[("questions.decision", "all", "continue")][4] == str(earlier["questions"]["decision"]["continue"])

    code, out, _ = run(capsys, "--workspace", ws, "report", *period, "--compare-previous")
    assert code == 0 and "Föregående: 2024-01-01 – 2024-12-31" in out
    line = next(x for x in out.splitlines() if x.strip().startswith("Uppföljningar"))
    assert line.split()[1:] == [str(both["followups"]), str(earlier["followups"])]
    assert "answered" not in out

    pdf = tmp_path / "cmp.pdf"
    code, _, _ = run(capsys, "--workspace", ws, "report", *period, "--compare-previous", "--format", "pdf",
                     "-o", str(pdf))
    assert code == 0
    text = pages(pdf.read_bytes())
    assert "Jämförs med" in text[0] and "1 januari 2024 – 31 december 2024" in text[0]
    key = text[1].splitlines()
    assert key.index("Män") + 1 == key.index("Föregående")  # the previous period beside the current
    assert "Perioden" in "\n".join(text[2:])  # the charts' legend: this period and the previous one


def test_compare_previous_without_a_whole_period_is_one_line_and_writes_nothing(
        workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.pdf"
    for lang, extra in (("sv", ("--from", "2025-01-01")), ("en", ())):
        code, stdout, err = run(capsys, "--workspace", str(workspace), "--lang", lang, "report", *extra,
                                "--compare-previous", "--format", "pdf", "-o", str(out))
        assert code == 1 and stdout == "" and not out.exists()
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert ("--from och --to" if lang == "sv" else "--from and --to") in err


# --- the same code means different things in different questions ---------------------------------


def test_each_question_labels_its_codes_itself_in_the_pdf_and_the_tables() -> None:
    from reporting.compare import to_table_compared
    from reporting.output import to_table

    data, text = big(None)
    found = segments(text)
    # "other": "Annan" among participants, "Annan huvudman" among principals, "Annat" among life areas.
    for qid, label, wrong in (("participants", "Annan", "Annan aktör"), ("other_principals", "Annan huvudman",
                                                                          "Annan aktör"),
                              ("new_needs_areas", "Annat", "Annan aktör"), ("new_needs_response", "Inget",
                                                                             "Nej, ingen")):
        lines = found[qid][1]
        assert lines.count(label) == 2 and wrong not in lines, qid
    for table in (to_table(data, FORM, "sv"), to_table_compared(data, data, FORM, "sv")):
        block = table.split("Deltagare")[1].split("Mötesform")[0]
        assert "Annan " in block and "Annan aktör" not in block and "Annan huvudman" not in block


# --- published figures in the shape the disclosure control may give them ---------------------------


def test_rounded_figures_with_a_published_base_for_every_question() -> None:
    """Counts rounded to multiples of 5, '<5' and '..', and 'answered' beside every question: the
    shares are of the published base, the note says the counts are rounded, nothing says 'answered'."""
    data = json.loads(json.dumps(big(None)[0]))

    def rounded(n: Any) -> Any:
        return n if gap(n) or n == 0 else ("<5" if n < 5 else 5 * round(n / 5))

    def walk(part: dict[str, Any]) -> None:
        for qid, cells in part["questions"].items():
            if "answered" not in cells:
                cells["answered"] = sum(v for v in cells.values() if not gap(v))
            part["questions"][qid] = {c: rounded(v) for c, v in cells.items()}
        for name in ("attainment", "isu"):
            part["goals"][name] = {c: rounded(v) for c, v in part["goals"][name].items()}
        part["followups"] = rounded(part["followups"])

    for part in (data, *data["by_gender"].values(), *data["by_age_band"].values()):
        walk(part)
    data["rounding_base"] = 5
    text = pages(pdf_of(data))
    assert "Antal är avrundade till närmaste 5-tal" in text[0]
    lines = segments(text)["meeting_mode"][1]
    cells = data["questions"]["meeting_mode"]
    at = lines.index("Besök på kontoret")
    assert lines[at + 1: at + 3] == [str(cells["in_person"]),
                                     f"{round(100 * cells['in_person'] / cells['answered'])} %"]
    assert lines[lines.index("Bas (n)") + 1] == str(cells["answered"])
    assert "answered" not in "\n".join(text)
    assert labelled_gaps("\n".join(text)) == expected_chart_gaps(data)


def test_an_empty_selection_still_makes_a_whole_report() -> None:
    data = published(big_repo(), unit="Finns inte")
    assert data["followups"] == 0
    text = pages(pdf_of(data))
    assert "Inga uppföljningar i urvalet." in text[1] and "0 uppföljningar av 0 brukare" in text[0]
    assert all(f"Sida {n} av {len(text)}" in page for n, page in enumerate(text, 1))


def test_a_long_organisation_and_unit_wrap_in_the_header_never_over_the_title() -> None:
    org = "Göteborgs Stad, Socialförvaltningen Nordost, Individ- och familjeomsorg, Vuxenenheten"
    data = published(big_repo(), unit="Socialpsykiatri och boendestöd, öppenvården")
    pdf = render_report(ReportInput(data, FORM, PRODUCED, organisation=org))
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[1]
    title_x: list[float] = []
    ends: list[float] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip() == "Sammanställning av uppföljningar" and tm[5] > 800:
            title_x.append(tm[4])
        elif tm[5] > 800 and ("Göteborgs" in text or "boendestöd" in text):
            from reportlab.pdfbase.pdfmetrics import stringWidth

            ends.append(tm[4] + stringWidth(text, "DejaVuSans", 7.5))

    text = page.extract_text(visitor_text=visit)
    assert squash(f"{org} · Socialpsykiatri och boendestöd, öppenvården") in squash(text)
    assert title_x and ends and max(ends) < min(title_x)


def test_the_pdf_says_why_a_share_is_missing_where_counts_are_hidden() -> None:
    data, text = small()
    assert data["suppressed"]
    assert squash("Andel visas inte där antal är dolda (<5 eller ..).") in squash(" ".join(text))
    exact = published(fixture_repo(), threshold=1)
    assert "Andelvisasinte" not in squash(" ".join(pages(pdf_of(exact))))


def _participants_page(text: list[str]) -> str:
    [page] = [p for p in text if "Deltagare" in p and "Frågorna i uppföljningen" in p]
    return page.split("Deltagare", 1)[1].split("Mötesform", 1)[0]


@pytest.mark.parametrize(("previous_base", "said"), [(0, "Föregående period har inga svar"),
                                                     ("<5", "basen för Föregående period är dold")])
def test_a_chart_note_never_calls_a_base_unknown_that_the_table_prints(previous_base: Any, said: str) -> None:
    """The chart's note said "the base is not known, so no shares are shown" beside a table whose
    column printed its base and 100 %: now it names the group without a base and why."""
    import copy

    data, _ = small()
    previous = copy.deepcopy(data)
    hidden = 0 if previous_base == 0 else ".."
    previous["questions"]["participants"] = dict.fromkeys(data["questions"]["participants"], hidden)
    previous["questions"]["participants"]["answered"] = previous_base
    section = _participants_page(pages(pdf_of(data, previous=previous)))
    assert "Brukaren" in section and "100 %" in section  # the table's own base and share …
    assert "basen är inte känd" not in section, section  # … so the note cannot call it unknown
    assert said in squash(section) or said in section.replace("\n", " "), section


def test_a_chart_with_no_base_known_at_all_still_says_so() -> None:
    _, text = small()
    women_and_men = next(p for p in text if "Måluppfyllelse och ISU för kvinnor och män" in p)
    assert "Antal (basen är inte känd, så andelar visas inte)." in women_and_men


def test_the_dash_in_the_key_figures_clients_row_is_explained() -> None:
    _, text = small()
    key = next(p for p in text if "Nyckeltal" in p)
    clients = key.split("Brukare", 1)[1].split("GAS T-värde", 1)[0]
    assert "–" in clients  # women and men: clients are not published by gender …
    assert "– i raden Brukare: antalet brukare redovisas bara för alla, inte per kön." in key.replace("\n", " ")
