"""The follow-up document: content and order, branching, verbatim text, Unicode, pages, markings."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from documents.followup import DocumentInput, render
from interview.casefile import load_text, parse_casefile
from interview.followup import Addendum
from tui.cli import main

DATA = Path(__file__).parent / "data"


def make(changes: Any = None, *, status: str | None = None, lang: str = "sv",
         history: tuple[Any, ...] = (), banner: str | None = None) -> tuple[bytes, DocumentInput]:
    data = yaml.safe_load((DATA / "example.yaml").read_text(encoding="utf-8"))
    if changes:
        changes(data)
    if status:
        data["followup"]["status"] = status
        if status == "final":
            data["followup"].update(finalized_at="2026-11-19T10:30:00+00:00", finalized_by="Anna Andersson")
    cf = parse_casefile(load_text(yaml.safe_dump(data, allow_unicode=True)))
    doc = DocumentInput(cf.client, cf.followup, cf.form, history=history, organisation="Exempelby kommun",
                        unit="Socialpsykiatri", lang=lang, banner=banner)
    return render(doc), doc


def pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def text(pdf: bytes) -> str:
    return "\n".join(pages(pdf))


FURNITURE = ("(forts.)", "Sekretess enligt", "Exempelby kommun", "formulär standard-uppfoljning", "Sida ",
             "UTKAST – ej signerad")


def body(pdf: bytes) -> str:
    """The running text without each page's header and footer, so text across a break joins up."""
    return "\n".join(line for page in pages(pdf) for line in page.splitlines()
                     if not any(f in line for f in FURNITURE))


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_content_and_order() -> None:
    pdf, _ = make()
    full = text(pdf)
    order = ["Uppföljning av genomförandeplan", "IFO-2026-0117", "Boendestöd (Boendestödsteamet)",
             "Mötet", "18 november 2026", "Brukaren, Utförare", "Hembesök", "Insatsen",
             "Har individen fått den planerade insatsen?", "Mål", "Sköta sin tvätt själv", "Hemliv",
             "Före: 3 Stor svårighet", "Nu: 2 Måttlig svårighet", "Mål: 1 Lätt svårighet",
             "Delvis uppnått", "Kommentar: Klarar tvätten med påminnelse.",
             "Gå till dagverksamheten", "Nu: +1 Något bättre än förväntat", "GAS T-värde för uppföljningen: 60,0",
             "Behov", "Annan huvudman", "Samordnad individuell plan", "Brukarens uppfattning",
             "Tycker att stödet hjälper.", "Bedömning och fortsättning", "Positiv utveckling.",
             "Insatsen fortsätter enligt plan", "18 maj 2027", "Signering"]
    pos = -1
    flat = full.replace("\n", " ")
    for item in order:
        found = flat.find(item, pos + 1)
        assert found > pos, f"{item!r} missing or out of order"
        pos = found
    assert "Sekretess enligt 26 kap. 1 § OSL (2009:400)" in full
    assert "Sida 1 av" in full and "formulär standard-uppfoljning v1" in full


def test_questions_not_asked_are_not_printed_and_empty_sections_say_so() -> None:
    pdf, _ = make()
    full = text(pdf)
    for label in ("Varför inte (helt)?", "Beskriv de nya behoven", "Vilken huvudman?", "Har SIP gjorts?",
                  "Har individen lotsats dit?", "Datum för SIP"):
        assert label not in full

    def partial(d: dict[str, Any]) -> None:
        for key in ("sip_needed", "client_participation", "client_view", "client_satisfaction",
                    "assessment", "decision", "next_followup"):
            d["followup"]["answers"].pop(key)

    pdf, _ = make(partial, status="draft")
    full = text(pdf)
    # Asked but not answered is "Ej besvarad", never "Ej aktuellt" (that is for what is not asked).
    assert "Ej aktuellt" not in full
    assert "Behövs en samordnad" in full
    assert full.count("Ej besvarad") >= 6
    assert "Har SIP gjorts?" not in full  # still not asked: it hangs on the unanswered SIP question


def test_free_text_prints_verbatim() -> None:
    markup = "<b>fet</b> & <para>stycke</para> <font color=red>röd</font> &amp; [bold]x[/]"
    long_text = ("Lång text med många ord. " * 200)[:5000]
    long_word = "Å" + "x" * 298 + "Ö"

    def change(d: dict[str, Any]) -> None:
        a = d["followup"]["answers"]
        a["client_view"] = markup + "\nandra raden\ntredje raden"
        a["assessment"] = long_text
        d["followup"]["goals"]["g1"]["comment"] = long_word

    pdf, _ = make(change)
    full = text(pdf)
    assert markup in full.replace("\n", " ") or squash(markup) in squash(full)
    assert "andra raden" in full and "tredje raden" in full
    assert squash(long_text) in squash(body(pdf))  # across the page break, nothing lost
    assert squash(long_word) in squash(full)


def test_any_client_name_prints_with_the_embedded_font() -> None:
    name = "Łucja Şahin-Иванова Nguyễn Thị Ánh Işık"

    def change(d: dict[str, Any]) -> None:
        d["client"]["name"] = name

    pdf, _ = make(change)
    assert name in text(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {str(f["/BaseFont"]) for page in reader.pages
             for f in page["/Resources"]["/Font"].values()}  # type: ignore[index]
    assert all("DejaVuSans" in f for f in fonts), fonts


def test_thirty_goals_span_pages_with_repeated_table_headers() -> None:
    def change(d: dict[str, Any]) -> None:
        d["plan"]["goals"] = [
            {"id": f"g{i}", "text": f"Delmål nummer {i} med en beskrivning som tar lite plats",
             "life_area": "d6", "scale": "icf", "baseline": 3, "target": 1,
             **({"parent": f"g{i - 1}"} if i % 3 == 2 else {})}
            for i in range(1, 31)
        ]
        d["followup"]["goals"] = {f"g{i}": {"attainment": "partly_achieved", "level": 2,
                                            "comment": "Går framåt."} for i in range(1, 31)}

    pdf, _ = make(change)
    texts = pages(pdf)
    with_goals = [t for t in texts if "Delmål nummer" in t]
    assert len(with_goals) >= 2
    for page_text in with_goals:
        assert "Måluppfyllelse" in page_text  # the header row repeats
    assert "Delmål nummer 30" in "".join(texts)
    assert "↳" in "".join(texts)  # sub-goals are marked under their goal


def test_draft_marking_on_every_page_and_signature_when_final() -> None:
    pdf, _ = make()
    assert all("UTKAST – ej signerad" in p for p in pages(pdf))
    assert "Ej signerad" in text(pdf)
    final, _ = make(status="final")
    assert not any("UTKAST" in p for p in pages(final))
    assert "Signerad av Anna Andersson den 19 november 2026" in text(final)


def test_training_banner_on_every_page() -> None:
    pdf, _ = make(status="final", banner="ÖVNING – fiktiva uppgifter")
    assert all("ÖVNING – fiktiva uppgifter" in p for p in pages(pdf))


def test_addenda_are_printed_with_date_author_and_reason() -> None:
    def change(d: dict[str, Any]) -> None:
        d["followup"]["addenda"] = [Addendum(author="Bo Berg", reason="Fel datum", text="Mötet var 17/11.",
                                             date=datetime(2026, 11, 21, 9, 0, tzinfo=UTC)).model_dump()]

    pdf, _ = make(change, status="final")
    full = text(pdf)
    assert "Rättelser och tillägg" in full
    assert "Rättelse, 21 november 2026" in full and "Bo Berg" in full and "Skäl: Fel datum" in full
    assert "Mötet var 17/11." in full
    assert full.index("Positiv utveckling.") < full.index("Rättelser och tillägg")


def test_history_of_levels_across_followups() -> None:
    _, earlier = make()
    old = earlier.followup.model_copy(update={"id": "old1"})
    old.answers = {**old.answers, "meeting_date": "2026-08-01"}
    old.goals = {"g1": {"attainment": "not_achieved", "level": 3}, "g2": {"attainment": "not_achieved",
                                                                          "level": -1}}
    pdf, _ = make(history=(old,))
    full = text(pdf)
    assert "Nivåer över tid" in full and "2026-08-01" in full and "2026-11-18(denna)" in squash(full)
    # Each goal's row: its scale's direction, baseline, the levels over time, target; GAS with a sign.
    assert "GAS−2…+2,högrebättre–-1+10" in squash(full).replace("är", "")
    assert "ICF0–4,lägreärbättre3321" in squash(full)


def test_english_and_deterministic_bytes_and_clean_metadata() -> None:
    one, doc = make(lang="en")
    assert render(doc) == one  # invariant mode: the same follow-up gives the same bytes
    full = text(one)
    assert "Follow-up of implementation plan" in full and "DRAFT – not signed" in full
    assert "Page 1 of" in full and "GAS T-score of the follow-up: 60.0" in full
    meta = PdfReader(io.BytesIO(one)).metadata
    assert meta is not None
    for value in (meta.title, meta.subject, meta.author, meta.creator):
        assert "IFO" not in str(value) and "Handläggare" not in str(value)


def test_pdf_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws"
    main(["--workspace", str(ws), "init", "--no-encryption", "--organisation", "Exempelby kommun"])
    main(["--workspace", str(ws), "import", str(DATA / "example.yaml")])
    capsys.readouterr()
    main(["--workspace", str(ws), "list", "--format", "json"])
    fid = json.loads(capsys.readouterr().out)[0]["id"]
    out = tmp_path / "doc.pdf"
    assert main(["--workspace", str(ws), "pdf", fid[:5], "-o", str(out)]) == 0
    assert "Exempelby kommun" in text(out.read_bytes())
    assert out.stat().st_mode & 0o777 == 0o600
    assert '"action":"pdf"' in (ws / "audit.jsonl").read_text()


def test_pdf_uses_the_records_own_form_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws"
    main(["--workspace", str(ws), "init", "--no-encryption"])
    main(["--workspace", str(ws), "import", str(DATA / "example.yaml")])
    case_file = next((ws / "cases").glob("*.json"))
    raw = json.loads(case_file.read_text())
    raw["followups"]["1"]["form_version"] = 99  # a record made with a form version not installed here
    case_file.write_text(json.dumps(raw))
    capsys.readouterr()
    main(["--workspace", str(ws), "list", "--format", "json"])
    fid = json.loads(capsys.readouterr().out)[0]["id"]
    assert main(["--workspace", str(ws), "--lang", "en", "pdf", fid, "-o", str(tmp_path / "x.pdf")]) == 1
    assert "version 99 is not installed" in capsys.readouterr().err


def test_a_very_long_goal_comment_is_printed_after_the_table() -> None:
    comment = ("Kommentar som fortsätter länge. " * 200)[:5000]

    def change(d: dict[str, Any]) -> None:
        d["followup"]["goals"]["g1"]["comment"] = comment

    pdf, _ = make(change)
    full = body(pdf)
    assert "Kommentar: se nedan" in full and "Kommentarer till målen" in full
    assert squash(comment) in squash(full)


# --- PDF/A-2b: what an e-archive checks ---------------------------------------------------------------


def test_the_follow_up_document_is_pdf_a_2b() -> None:
    import pikepdf

    pdf, _ = make(status="final")
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.pdf_version == "1.7"
        assert str(doc.Root.Lang) == "sv-SE"
        [intent] = list(doc.Root.OutputIntents)
        assert intent.S == pikepdf.Name.GTS_PDFA1
        assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"  # an ICC profile
        meta = doc.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        # Real dates, the record's own (signed 2026-11-19 10:30 UTC), the same in both places.
        assert str(doc.docinfo.CreationDate) == "D:20261119103000+00'00'"
        assert meta["xmp:CreateDate"].startswith("2026-11-19T10:30:00")
        assert str(doc.docinfo.Title) == meta["dc:title"]
        assert str(doc.docinfo.Producer) == meta["pdf:Producer"]
        for font in (f for page in doc.pages for f in page.Resources.Font.values()):
            descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), "font not embedded"


def test_same_record_same_bytes_and_every_document_its_own_id() -> None:
    import pikepdf

    def fixed_id(d: Any) -> None:
        d["followup"]["id"] = "fu-0001"

    def with_assessment(d: Any) -> None:
        fixed_id(d)
        d["followup"]["answers"]["assessment"] = "En annan bedömning."

    first, _ = make(fixed_id, status="final")
    again, _ = make(fixed_id, status="final")
    assert first == again
    other, _ = make(with_assessment, status="final")
    ids = []
    for pdf in (first, other):
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            ids.append(bytes(doc.trailer.ID[0]))
    assert ids[0] != ids[1]


def test_every_stored_fact_of_client_and_plan_is_printed() -> None:
    def facts(d: dict[str, Any]) -> None:
        d["plan"]["goals"][0]["target_date"] = "2027-03-01"
        d["plan"]["goals"][1]["weight"] = 2
        d["plan"]["interventions"][0]["start"] = "2026-05-10"

    full = squash(text(make(facts)[0]))
    for expected in ("PersonnummersaknasFödelseår1988KönKvinna", "Måldatum:1mars2027", "Vikt:2",
                     "Boendestöd(Boendestödsteamet),från10maj2026", "Mål:0Förväntat"):
        assert expected in full, expected


def test_case_number_on_every_page_and_a_long_header_never_overprints() -> None:
    long_org = "Göteborgs Stad, Socialförvaltningen Nordost · Individ- och familjeomsorg"
    data = yaml.safe_load((DATA / "example.yaml").read_text(encoding="utf-8"))
    data["followup"]["answers"]["client_view"] = "Lång text. " * 600
    cf = parse_casefile(load_text(yaml.safe_dump(data, allow_unicode=True)))
    pdf = render(DocumentInput(cf.client, cf.followup, cf.form, organisation=long_org, unit="Vuxenenheten",
                               lang="en"))
    all_pages = pages(pdf)
    assert len(all_pages) >= 3
    for page in all_pages:
        assert "Case IFO-2026-0117" in page
        lines = page.splitlines()
        # The organisation and the secrecy line are on lines of their own, never run together.
        assert any(line.startswith("Secrecy") or "Secrecy" in line for line in lines)
        assert not any("Secrecy" in line and "Göteborg" in line for line in lines)


def test_addenda_come_after_the_signature_each_signed_and_page_one_says_so() -> None:
    def with_addendum(d: dict[str, Any]) -> None:
        d["followup"]["addenda"] = [{"kind": "correction", "date": "2026-11-20T08:00:00+00:00",
                                     "author": "Anna Andersson", "reason": "Fel datum",
                                     "text": "Mötet var den 17 november."}]

    pdf, _ = make(with_addendum, status="final")
    first, full = pages(pdf)[0], squash(text(pdf))
    assert "harenrättelseelleretttillägglagtstill" in squash(first)
    assert full.index("SigneradavAnnaAndersson") < full.index("Tillagteftersigneringen")
    assert "Tillägg1signeratavAnnaAnderssonden20november2026kl.09.00CET" in full


def test_a_text_continued_on_the_next_page_says_so_with_its_label() -> None:
    def long_view(d: dict[str, Any]) -> None:
        d["followup"]["answers"]["client_view"] = "Brukaren berättar att hon klarar mer själv nu. " * 200

    all_pages = pages(make(long_view, status="final")[0])
    continued = [p for p in all_pages if "Brukarens egen bedömning och synpunkter (forts.)" in " ".join(p.split())]
    assert continued, "no page says the text continues"
    assert all("Brukaren berättar" in p for p in continued)


@pytest.mark.parametrize("status", ["draft", "final"])
def test_the_signature_and_the_last_section_join_the_page_where_they_fit(status: str) -> None:
    """The last section travels with the signature, but never to a fresh page when the page before
    has room: the example's last sections fill half of page 2, so everything ends on page 2 (a
    KeepTogether nested in another once pushed them to a page 3 of their own)."""
    pdf, _ = make(status=status)
    text_pages = pages(pdf)
    assert len(text_pages) == 2, [p[:80] for p in text_pages]
    last = text_pages[-1]
    assert "Brukarens uppfattning" in last and "Bedömning och fortsättning" in last and "Signering" in last


def _v2(client_view: str, assessment: str) -> Any:
    """The example on form v2, where the assessment's label comes after two short rows of its section."""
    def change(d: dict[str, Any]) -> None:
        d["form_version"] = 2
        d["followup"]["answers"] = {
            "meeting_date": "2026-11-18", "participants": ["client"], "meeting_mode": "phone",
            "intervention_received": "yes", "still_in_need": "no", "new_needs": "no",
            "other_principal_need": "no", "other_actors": ["none"], "sip_needed": "no",
            "client_participation": "yes", "client_view": client_view, "client_satisfaction": "satisfied",
            "assessment": assessment, "decision": "continue", "next_followup": "2027-05-18"}
    return change


def _first_page(all_pages: list[str], needle: str) -> int:
    return next(i for i, p in enumerate(all_pages) if needle in " ".join(p.split()))


def test_a_heading_or_label_never_stands_alone_at_the_foot_of_a_page() -> None:
    """The client's view grows word by word, moving everything after it down page 2: wherever the
    page ends, each heading and each long text's label is on the page where its text starts (the
    assessment's label once stood alone at page 2's foot, its text on page 3)."""
    filler = " ".join(f"fyllnad{i % 7}" for i in range(400))
    assessment = "Bedömningsstart här. " + " ".join(["Brukaren har gjort framsteg i vardagen."] * 25)
    pairs = (("Handläggarens samlade bedömning", "Bedömningsstart här."),
             ("Bedömning och fortsättning", "Hur går ni vidare?"),
             ("Brukarens egen bedömning och synpunkter", "Synstart"),
             ("Brukarens uppfattning", "Har brukaren varit delaktig"))
    stood_alone = []
    for words in range(250, 380, 10):
        view = "Synstart " + " ".join(filler.split()[:words])
        all_pages = pages(make(_v2(view, assessment))[0])
        for heading, first in pairs:
            if _first_page(all_pages, heading) != _first_page(all_pages, first):
                stood_alone.append((words, heading))
    assert not stood_alone


QUOTE_MARKS = "\"'”“„«»‹›’‘‚"


@pytest.mark.parametrize("typed", ['"Det går bra nu, jag klarar tvätten"', "«Det går bra nu»", "”Det går bra nu”",
                                   "Hon sa: ”det går bra”", "'Det går bra nu'"])
def test_a_typed_quote_is_not_quoted_again_in_the_document(typed: str) -> None:
    """The assistant's drafted assessment quotes the client's view and goal texts; a view or goal the
    caseworker typed with its own quotation marks printed doubled (”"Det går bra nu"”)."""
    from interview.engine import Interview
    from interview.summary import draft_summary

    def with_quotes(d: dict[str, Any]) -> None:
        d["followup"]["answers"]["client_view"] = typed
        d["plan"]["goals"][0]["text"] = "”Sköta sin tvätt själv”"

    _, doc = make(with_quotes)
    fu = doc.followup
    drafted = draft_summary(Interview(doc.form, fu.plan, fu.answers, fu.goals, lang="sv"), "sv")

    def accepted(d: dict[str, Any]) -> None:
        with_quotes(d)
        d["followup"]["answers"]["assessment"] = drafted  # the caseworker took the draft as it was

    printed = " ".join(text(make(accepted)[0]).split())
    assert f"Brukaren säger: {typed}" in printed, printed
    doubled = [printed[i:i + 2] for i in range(len(printed) - 1)
               if printed[i] in QUOTE_MARKS and printed[i + 1] in QUOTE_MARKS]
    assert not doubled, printed


def test_an_unquoted_view_is_quoted_once_in_the_drafted_assessment() -> None:
    from interview.engine import Interview
    from interview.summary import draft_summary

    _, doc = make(lambda d: d["followup"]["answers"].update(client_view="Det går bra nu"))
    fu = doc.followup
    drafted = draft_summary(Interview(doc.form, fu.plan, fu.answers, fu.goals, lang="sv"), "sv")
    assert "Brukaren säger: ”Det går bra nu”" in drafted


@pytest.mark.parametrize("where", ["comment", "client_view"])
def test_a_text_over_three_pages_or_more_renders_and_says_continued_on_each(where: str) -> None:
    """A goal comment or a client's view over three pages (1,500 words, within the 20,000 characters
    allowed) stopped the document with reportlab's LayoutError "too large": its "(forts.)" label was
    one object, moved to a new page at the first break and refused at the second."""
    words = 1500

    def long_text(d: dict[str, Any]) -> None:
        said = " ".join(f"ord{i}" for i in range(words))
        if where == "comment":
            d["followup"]["goals"]["g1"]["comment"] = said
        else:
            d["followup"]["answers"]["client_view"] = said

    pdf = make(long_text)[0]
    all_pages = pages(pdf)
    carrying = [p for p in all_pages if re.search(r"\bord\d+\b", p)]
    assert len(carrying) >= 3
    label = "Sköta sin tvätt själv (forts.)" if where == "comment" else \
        "Brukarens egen bedömning och synpunkter (forts.)"
    assert sum(label in " ".join(p.split()) for p in all_pages) == len(carrying) - 1
    assert f"ord{words - 2}ord{words - 1}" in squash(text(pdf))  # the whole text, to its last word


@pytest.mark.parametrize("count", [3, 5, 8])
def test_every_date_in_levels_over_time_is_whole_on_one_line(count: int) -> None:
    """Each follow-up's date heads its column unbroken; "(denna)" may wrap, a date never does."""
    _, earlier = make()
    history = []
    for n in range(count - 1):
        old = earlier.followup.model_copy(update={"id": f"old{n}"})
        old.answers = {**old.answers, "meeting_date": f"2025-{n + 1:02d}-2{n}"}
        old.goals = {"g1": {"level": 3}, "g2": {"level": -1}}
        history.append(old)
    pdf, _ = make(history=tuple(history))
    section = text(pdf).split("Nivåer över tid", 1)[1]
    shown = [*[f"2025-{n + 1:02d}-2{n}" for n in range(count - 1)][-5:], "2026-11-18"]
    found = re.findall(r"\d{4}-\d{2}-\d{2}", section)
    for date in shown:
        assert date in found, (date, section[:400])
    assert not re.search(r"\d{4}-\d{2}-\d{0,1}\s", section), section[:400]
