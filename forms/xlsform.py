"""XLSForm (.xlsx) to the product's form and back, for a documented subset: pyxform reads and checks the
workbook, this module converts its rows, and every refusal names the cell (sheet!column+row)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from forms.loader import FormError, parse_form
from forms.schema import (
    ChoiceQuestion,
    DateQuestion,
    FormDefinition,
    MultiQuestion,
    NumberQuestion,
    Question,
    TextQuestion,
)
from forms.xlsform_text import say
from forms.xpath import XPathError, render, translate

MAX_FILE_BYTES = 5_000_000
MAX_UNPACKED_BYTES = 40_000_000  # a zip bomb stops here, before any XML is parsed
MAX_MEMBERS = 200
MAX_ROWS = {"survey": 2000, "choices": 10_000, "settings": 10, "hints": 100}
MAX_COLUMNS = 100
SHEETS = ("survey", "choices", "settings")
# The product's own sheet (pyxform leaves sheets it does not know alone): declared hints, one a row,
# columns name, condition (an XPath like relevant), message::<language>, severity (info/warning).
HINTS = "hints"
_HINT_COLUMNS = {"name", "condition", "message", "severity"}

# XLSForm type -> the product's question type.
_TYPES = {"text": "text", "date": "date", "integer": "integer", "decimal": "decimal"}
_SELECT = re.compile(r"(select_one|select_multiple|select one|select multiple)\s+([A-Za-z0-9_.-]{1,64})")
_IGNORED_TYPES = {"start", "end", "today"}  # metadata ODK records by itself; nothing is asked
_LANG = re.compile(r"::\s*(?:.*\()?\s*(sv|en)\s*\)?\s*$", re.IGNORECASE)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_CODE = re.compile(r"[a-z0-9_]{1,64}")
_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"no", "false", "false()", "0", ""}
# Columns read from the survey sheet (per language where a label is); any other column with a value in
# a row is refused, so nothing someone wrote is silently dropped.
_SURVEY_COLUMNS = {"type", "name", "label", "hint", "guidance_hint", "required", "required_message",
                   "relevant", "constraint", "constraint_message", "appearance", "legal"}
_CHOICE_COLUMNS = {"list_name", "list name", "name", "label", "exclusive"}
_SETTINGS_COLUMNS = {"form_id", "version", "form_title", "default_language", "style", "instance_name"}


def _col_letter(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


class _Sheet:
    """One sheet's rows as pyxform read them, with where each header stands."""

    def __init__(self, name: str, rows: list[dict[str, Any]], columns: dict[str, int]) -> None:
        self.name, self.rows, self.columns = name, rows, columns

    def at(self, index: int, column: str | None = None) -> str:
        """The address of row `index` (0 = the first row under the headers), e.g. survey!G5."""
        row = index + 2
        if column is None or column not in self.columns:
            return f"{self.name}!{row}"
        return f"{self.name}!{_col_letter(self.columns[column])}{row} ({column})"


def _base(column: str) -> str:
    return column.split("::", 1)[0].strip().lower()


def _check_container(data: bytes, problems: list[str], lang: str) -> None:
    """Size, member count and unpacked size of the zip, and no DTDs in its XML (no entity tricks)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        problems.append(say("w_not_xlsx", lang))
        return
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            problems.append(say("w_parts", lang, n=MAX_MEMBERS))
            return
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            problems.append(say("w_unpacked", lang, n=MAX_UNPACKED_BYTES // 1_000_000))
            return
        for m in members:
            if m.filename.endswith((".xml", ".rels")):
                with archive.open(m) as f:
                    body = f.read(MAX_UNPACKED_BYTES + 1)
                if len(body) > MAX_UNPACKED_BYTES:
                    problems.append(say("w_lies", lang, part=m.filename))
                    return
                if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
                    problems.append(say("w_dtd", lang, part=m.filename))
                    return


def _scan_cells(data: bytes, problems: list[str], lang: str,
                hint_rows: list[dict[str, Any]] | None = None) -> dict[str, dict[str, int]]:
    """Headers' columns of the XLSForm sheets, and every formula and oversized sheet refused by address.
    A formula is never evaluated and its cached value never trusted. The hints sheet's rows (which
    pyxform does not read) are collected into `hint_rows` as text."""
    from openpyxl import load_workbook

    columns: dict[str, dict[str, int]] = {}
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for title in wb.sheetnames:
            name = title.lower()
            if name not in SHEETS and name != HINTS:
                continue
            ws = wb[title]
            headers: dict[str, int] = {}
            names: dict[int, str] = {}
            for r, row in enumerate(ws.iter_rows(), start=1):
                if r > MAX_ROWS[name] + 1:
                    problems.append(say("w_rows", lang, sheet=name, n=MAX_ROWS[name]))
                    break
                for c, cell in enumerate(row):
                    value = getattr(cell, "value", None)
                    if value is None:
                        continue
                    if c >= MAX_COLUMNS:
                        problems.append(say("w_columns", lang, sheet=name, n=MAX_COLUMNS))
                        break
                    if getattr(cell, "data_type", "") == "f" or (isinstance(value, str)
                                                                  and value.startswith("=")):
                        problems.append(say("w_formula", lang, cell=f"{name}!{_col_letter(c)}{r}"))
                    if r == 1 and isinstance(value, str):
                        headers[re.sub(r"\s+", " ", value.strip())] = c
                        names[c] = re.sub(r"\s+", " ", value.strip())
                    elif r > 1 and name == HINTS and hint_rows is not None and c in names:
                        while len(hint_rows) < r - 1:
                            hint_rows.append({})
                        hint_rows[r - 2][names[c]] = str(value).strip()
            columns[name] = headers
    finally:
        wb.close()
    return columns


def _read(data: bytes, lang: str) -> tuple[dict[str, _Sheet], list[str]]:
    problems: list[str] = []
    hint_rows: list[dict[str, Any]] = []
    if len(data) > MAX_FILE_BYTES:
        return {}, [say("w_large", lang, n=MAX_FILE_BYTES // 1_000_000)]
    _check_container(data, problems, lang)
    if problems:
        return {}, problems
    try:
        columns = _scan_cells(data, problems, lang, hint_rows)
    except Exception as err:
        return {}, [say("w_unreadable", lang, why=err.__class__.__name__)]
    if problems:
        return {}, problems
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import DefinitionData, xlsx_to_dict

    try:
        book = xlsx_to_dict(io.BytesIO(data))
    except PyXFormError as err:
        return {}, [say("w_unreadable", lang, why=" ".join(str(err).split()))]
    except Exception as err:  # a broken workbook can fail anywhere inside the reader
        return {}, [say("w_unreadable", lang, why=err.__class__.__name__)]
    sheets = {name: _Sheet(name, list(book.get(name) or []), columns.get(name, {})) for name in SHEETS}
    sheets[HINTS] = _Sheet(HINTS, hint_rows, columns.get(HINTS, {}))
    if not sheets["survey"].rows:
        return sheets, [say("w_no_survey", lang)]
    try:
        # pyxform checks the workbook as XLSForm (types, lists, groups); its result is not used.
        workbook_to_json(DefinitionData(fallback_form_name="form", **book), form_name="form",
                         fallback_form_name="form", default_language="default", warnings=[])
    except PyXFormError as err:
        problems.append(say("w_pyxform", lang, why=" ".join(str(err).split())))
    except Exception as err:
        problems.append(say("w_pyxform", lang, why=err.__class__.__name__))
    return sheets, problems


def _texts(row: dict[str, Any], column: str) -> dict[str, str]:
    """{'sv': …, 'en': …} from `column` and `column::… (sv)` / `column::… (en)`; a text in one
    language only is used for both."""
    found: dict[str, str] = {}
    plain = None
    for key, value in row.items():
        if _base(key) != column or value in (None, ""):
            continue
        if "::" not in key:
            plain = str(value)
            continue
        m = _LANG.search(key)
        if m is not None:
            found[m.group(1).lower()] = str(value)
    sv = found.get("sv") or plain or found.get("en")
    en = found.get("en") or plain or found.get("sv")
    return {"sv": sv, "en": en} if sv and en else {}


def _columns_used(sheet: _Sheet, index: int, row: dict[str, Any], allowed: set[str],
                  problems: list[str], lang: str) -> None:
    for key, value in row.items():
        if value not in (None, "") and _base(key) not in allowed:
            problems.append(say("w_column", lang, cell=sheet.at(index, key)))


def _bool_or_condition(text: str) -> bool | None:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


class _Converter:
    def __init__(self, sheets: dict[str, _Sheet], lang: str) -> None:
        self.sheets = sheets
        self.lang = lang
        self.problems: list[str] = []
        self.choices: dict[str, list[dict[str, Any]]] = {}
        self.known: dict[str, str] = {}  # question name -> type, in order: what a condition may read
        self.where: dict[tuple[int, int], int] = {}  # (section, question) index -> survey row index
        self.section_rows: dict[int, int] = {}  # section index -> the row that begins it
        self.hint_rows: dict[int, int] = {}  # hint index -> its row in the hints sheet

    def run(self) -> dict[str, Any]:
        self.read_choices()
        settings = self.read_settings()
        sections = self.read_survey(settings.get("title") or {"sv": "Formulär", "en": "Form"})
        hints = self.read_hints()
        return {**settings, "sections": sections, **({"hints": hints} if hints else {})}

    def read_hints(self) -> list[dict[str, Any]]:
        """The hints sheet: a condition over any question of the form (read after the survey, so
        every question is known) and a message; refused by cell like the survey's conditions."""
        sheet = self.sheets.get(HINTS)
        out: list[dict[str, Any]] = []
        if sheet is None:
            return out
        for i, row in enumerate(sheet.rows):
            if not row:
                continue
            _columns_used(sheet, i, row, _HINT_COLUMNS, self.problems, self.lang)
            name = str(row.get("name", ""))
            if not _NAME.fullmatch(name):
                self.problems.append(say("w_name", self.lang, cell=sheet.at(i, "name"),
                                         found=repr(name[:30])))
            message = _texts(row, "message")
            if not message:
                self.problems.append(say("w_hint_message", self.lang, cell=sheet.at(i)))
            severity = str(row.get("severity") or "info").strip().lower()
            if severity not in ("info", "warning"):
                self.problems.append(say("w_hint_severity", self.lang, cell=sheet.at(i, "severity"),
                                         found=repr(severity[:20])))
            text = str(row.get("condition", "")).strip()
            if not text:
                self.problems.append(say("w_hint_condition", self.lang, cell=sheet.at(i, "condition")))
                continue
            try:
                when = translate(text, self.known, None)
            except XPathError as err:
                self.problems.append(f"{sheet.at(i, 'condition')}: {err.text(self.lang)}"
                                     + say("x_subset", self.lang))
                continue
            self.hint_rows[len(out)] = i
            out.append({"id": name, "when": when, "message": message, "severity": severity})
        return out

    def read_settings(self) -> dict[str, Any]:
        sheet = self.sheets["settings"]
        row = sheet.rows[0] if sheet.rows else {}
        out: dict[str, Any] = {"id": "", "version": 1}
        if not row:
            self.problems.append(say("w_no_settings", self.lang))
            return out
        _columns_used(sheet, 0, row, _SETTINGS_COLUMNS, self.problems, self.lang)
        form_id = str(row.get("form_id", "")).strip()
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,63}", form_id):
            self.problems.append(say("w_form_id", self.lang, cell=sheet.at(0, "form_id")))
        version = str(row.get("version", "")).strip()
        if not re.fullmatch(r"[1-9][0-9]{0,2}", version):
            self.problems.append(say("w_version", self.lang, cell=sheet.at(0, "version"),
                                     found=repr(version[:20])))
        out["id"], out["version"] = form_id, int(version) if version.isdigit() else 1
        title = _texts(row, "form_title")
        if title:
            out["title"] = title
        else:
            self.problems.append(say("w_title", self.lang, cell=sheet.at(0, "form_title")))
        return out

    def read_choices(self) -> None:
        sheet = self.sheets["choices"]
        for i, row in enumerate(sheet.rows):
            if not row:
                continue
            _columns_used(sheet, i, row, _CHOICE_COLUMNS, self.problems, self.lang)
            list_name = str(row.get("list_name") or row.get("list name") or "")
            code = str(row.get("name", ""))
            if not _CODE.fullmatch(code):
                self.problems.append(say("w_code", self.lang, cell=sheet.at(i, "name"),
                                         found=repr(code[:30])))
                continue
            label = _texts(row, "label")
            if not label:
                self.problems.append(say("w_choice_label", self.lang, cell=sheet.at(i), code=repr(code)))
                continue
            exclusive = _bool_or_condition(str(row.get("exclusive", "")))
            choice: dict[str, Any] = {"code": code, "label": label}
            if exclusive:
                choice["exclusive"] = True
            self.choices.setdefault(list_name, []).append(choice)

    def condition(self, i: int, column: str, text: str, own: str | None = None) -> dict[str, Any] | None:
        try:
            return translate(text, self.known, own)
        except XPathError as err:
            self.problems.append(f"{self.sheets['survey'].at(i, column)}: {err.text(self.lang)}"
                                 + say("x_subset", self.lang))
            return None

    def read_survey(self, form_title: dict[str, str]) -> list[dict[str, Any]]:
        sheet = self.sheets["survey"]
        sections: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        group_when: dict[str, Any] | None = None
        depth = 0  # groups opened inside the current section (refused, but matched to their ends)
        note: list[dict[str, str]] = []
        for i, row in enumerate(sheet.rows):
            if not row:
                continue
            _columns_used(sheet, i, row, _SURVEY_COLUMNS, self.problems, self.lang)
            kind = " ".join(str(row.get("type", "")).split()).lower()
            name = str(row.get("name", ""))
            if kind in ("begin group", "begin_group", "begin repeat", "begin_repeat"):
                if current is not None and current.get("group"):
                    depth += 1
                    if depth == 1:
                        self.problems.append(say("w_nested", self.lang, cell=sheet.at(i, "type")))
                    continue
                current = self.section(i, row, name, form_title, per_goal="repeat" in kind)
                self.section_rows[len(sections)] = i
                sections.append(current)
                group_when = None
                if row.get("relevant"):
                    group_when = self.condition(i, "relevant", str(row["relevant"]))
                continue
            if kind in ("end group", "end_group", "end repeat", "end_repeat"):
                if depth:
                    depth -= 1
                    continue
                self.flush_note(note, current, i)
                current, group_when = None, None
                continue
            if depth:
                continue  # inside a refused nested group
            if kind in _IGNORED_TYPES:
                continue
            if kind == "note":
                text = _texts(row, "label")
                if text:
                    note.append(text)
                continue
            if current is None:
                current = {"id": f"part_{len(sections) + 1}", "title": form_title, "questions": []}
                self.section_rows[len(sections)] = i
                sections.append(current)
            question = self.question(i, row, kind, name, group_when, note)
            note = []
            if question is not None:
                self.where[(len(sections) - 1, len(current["questions"]))] = i
                current["questions"].append(question)
        self.flush_note(note, current, len(sheet.rows) - 1)
        for s in sections:
            s.pop("group", None)
            row = s.pop("row", 0)
            if not s["questions"]:
                self.problems.append(say("w_empty_group", self.lang, cell=sheet.at(row, "name"),
                                         found=repr(s["id"])))
        return sections

    def flush_note(self, note: list[dict[str, str]], section: dict[str, Any] | None, i: int) -> None:
        """A note at the end of a group goes to the help of the group's last question."""
        if not note:
            return
        if section is None or not section["questions"]:
            self.problems.append(say("w_note_alone", self.lang, cell=self.sheets["survey"].at(i)))
        else:
            last = section["questions"][-1]
            last["help"] = {k: "\n\n".join([last["help"][k], *(n[k] for n in note)]) for k in ("sv", "en")}
        note.clear()

    def section(self, i: int, row: dict[str, Any], name: str, form_title: dict[str, str],
                per_goal: bool) -> dict[str, Any]:
        if not _NAME.fullmatch(name):
            self.problems.append(say("w_group_name", self.lang, cell=self.sheets["survey"].at(i, "name"),
                                     found=repr(name[:30])))
        out: dict[str, Any] = {"id": name, "title": _texts(row, "label") or {"sv": name, "en": name},
                               "questions": [], "group": True, "row": i}
        if per_goal:
            out["per_goal"] = True
        return out

    def question(self, i: int, row: dict[str, Any], kind: str, name: str,
                 group_when: dict[str, Any] | None, note: list[dict[str, str]]) -> dict[str, Any] | None:
        sheet = self.sheets["survey"]
        select = _SELECT.fullmatch(kind)
        if select is None and kind not in _TYPES:
            self.problems.append(say("w_type", self.lang, cell=sheet.at(i, "type"), found=repr(kind[:40])))
            return None
        if not _NAME.fullmatch(name):
            self.problems.append(say("w_name", self.lang, cell=sheet.at(i, "name"), found=repr(name[:30])))
            return None
        label = _texts(row, "label")
        if not label:
            self.problems.append(say("w_label", self.lang, cell=sheet.at(i, "label")))
            return None
        hint = _texts(row, "hint")
        guidance = _texts(row, "guidance_hint")
        help_text = {k: "\n\n".join(x for x in ([n[k] for n in note] + [hint.get(k, ""), guidance.get(k, "")])
                                    if x) or label[k] for k in ("sv", "en")}
        q: dict[str, Any] = {"id": name, "label": label, "help": help_text}
        if select is not None:
            list_name = select.group(2)
            choices = self.choices.get(list_name)
            if not choices:
                self.problems.append(say("w_no_list", self.lang, cell=sheet.at(i, "type"),
                                         found=repr(list_name)))
                return None
            q["type"] = "choice" if select.group(1).replace(" ", "_") == "select_one" else "multi"
            q["choices"] = [dict(c) for c in choices]
            if q["type"] == "choice":
                for c in q["choices"]:
                    c.pop("exclusive", None)
        else:
            q["type"] = _TYPES[kind]
            if kind == "text":
                q["multiline"] = str(row.get("appearance", "")).strip().lower() == "multiline"
        when = self.condition(i, "relevant", str(row["relevant"])) if row.get("relevant") else None
        if group_when is not None:
            when = {"all": [group_when, when]} if when is not None else group_when
        if when is not None:
            q["when"] = when
        required = str(row.get("required", "")).strip()
        as_bool = _bool_or_condition(required)
        if as_bool is not None:
            q["required"] = as_bool
        else:
            cond = self.condition(i, "required", required)
            if cond is not None:
                q["required"] = cond
        self.known[name] = q["type"]
        if row.get("constraint"):
            cond = self.condition(i, "constraint", str(row["constraint"]), own=name)
            if cond is not None:
                q["constraint"] = cond
                message = _texts(row, "constraint_message")
                if message:
                    q["constraint_message"] = message
        legal = _texts(row, "legal")
        if legal:
            q["legal"] = [{"text": legal}]
        return q


def _located(problem: str, conv: _Converter, data: dict[str, Any]) -> str:
    """A problem the form checks found, put at the question's row in the survey sheet (a declared
    hint's at its row in the hints sheet)."""
    h = re.match(r"hints\[(\d+)\]\.?([a-z_]*)", problem)
    if h is not None and int(h.group(1)) in conv.hint_rows:
        column = {"when": "condition", "id": "name", "message": "message",
                  "severity": "severity"}.get(h.group(2), "name")
        rest = problem[h.end():].lstrip(".:[]0123456789 ").strip() or problem
        return f"{conv.sheets[HINTS].at(conv.hint_rows[int(h.group(1))], column)}: {rest}"
    m = re.match(r"sections\[(\d+)\]\.questions\[(\d+)\]\.?([a-z_]*)", problem)
    if m is None:
        section = re.match(r"sections\[(\d+)\]\.?([a-z_]*)", problem)
        row = conv.section_rows.get(int(section.group(1))) if section else None
        if section is None or row is None:
            return problem
        rest = problem[section.end():].lstrip(".:[]0123456789 ").strip()
        return say("w_group_problem", conv.lang, cell=conv.sheets["survey"].at(row, "name"),
                   what=section.group(2) or "content", why=rest)
    index = conv.where.get((int(m.group(1)), int(m.group(2))))
    if index is None:
        return problem
    column = {"when": "relevant", "required": "required", "constraint": "constraint", "id": "name",
              "choices": "type", "type": "type"}.get(m.group(3), "name")
    sheet = conv.sheets["survey"]
    return f"{sheet.at(index, column)}: {problem[m.end():].lstrip('.:[]0123456789 ').strip() or problem}"


def load_xlsform_bytes(data: bytes, lang: str = "sv") -> FormDefinition:
    """An XLSForm workbook as a checked form; FormError listing every problem by its cell, in `lang`
    (what pydantic finds after conversion is said by the front end from the error itself)."""
    sheets, problems = _read(data, lang)
    if not sheets or not sheets["survey"].rows:
        raise FormError(problems or [say("w_no_survey", lang)])
    conv = _Converter(sheets, lang)
    form_data = conv.run()
    # The conversion names cells; pyxform's own findings are listed where the conversion found none.
    if conv.problems or problems:
        raise FormError(conv.problems or problems)
    try:
        return parse_form(form_data, lang)
    except FormError as err:
        raise FormError([_located(p, conv, form_data) for p in err.problems]) from None


def load_xlsform(path: Path, lang: str = "sv") -> FormDefinition:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise FormError([say("w_unreadable", lang, why=err.strerror or err.__class__.__name__)]) from None
    return load_xlsform_bytes(data, lang)


# --- export -----------------------------------------------------------------------------------------


def _cond(cond: Any, own: str | None = None) -> str:
    if cond is None:
        return ""
    data = cond.model_dump(mode="json", by_alias=True) if hasattr(cond, "model_dump") else cond
    return render(data, own)


def to_xlsx(form: FormDefinition, lang: str = "sv") -> bytes:
    """The form as an XLSForm workbook; FormError naming each question outside the XLSForm subset.
    Every cell is written as text, so a label starting with '=' never becomes a formula."""
    from openpyxl import Workbook

    problems: list[str] = []
    survey = [["type", "name", "label::Svenska (sv)", "label::English (en)", "hint::Svenska (sv)",
               "hint::English (en)", "required", "relevant", "constraint", "constraint_message::Svenska (sv)",
               "constraint_message::English (en)", "appearance", "legal::Svenska (sv)",
               "legal::English (en)"]]
    choices = [["list_name", "name", "label::Svenska (sv)", "label::English (en)", "exclusive"]]
    for section in form.sections:
        kind = "repeat" if section.per_goal else "group"
        survey.append([f"begin {kind}", section.id, section.title.sv, section.title.en])
        for q in section.questions:
            row = _export_question(q, choices, problems, lang)
            if row is not None:
                survey.append(row)
        survey.append([f"end {kind}"])
    settings = [["form_id", "version", "form_title", "default_language"],
                [form.id, str(form.version), form.title.sv, "Svenska (sv)"]]
    hints = [["name", "condition", "message::Svenska (sv)", "message::English (en)", "severity"]]
    for h in form.hints:
        try:
            hints.append([h.id, _cond(h.when), h.message.sv, h.message.en, h.severity])
        except XPathError as err:
            problems.append(f"{h.id}: {err.text(lang)}")
    if problems:
        raise FormError(problems)
    wb = Workbook()
    first = wb.active
    if first is not None:
        wb.remove(first)
    sheets = [("survey", survey), ("choices", choices), ("settings", settings)]
    if form.hints:
        sheets.append((HINTS, hints))
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                if value in (None, ""):
                    continue
                cell = ws.cell(row=r, column=c)
                cell.value = str(value)
                cell.data_type = "s"  # text, never a formula
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _export_question(q: Question, choices: list[list[Any]], problems: list[str],
                     lang: str) -> list[Any] | None:
    if not isinstance(q, ChoiceQuestion | MultiQuestion | DateQuestion | NumberQuestion | TextQuestion):
        problems.append(say("e_type", lang, id=q.id, found=repr(q.type)))
        return None
    if len(q.legal) > 1:
        problems.append(say("e_legal", lang, id=q.id))
        return None
    try:
        relevant = _cond(q.when)
        required = "yes" if q.required is True else ("" if q.required is False else _cond(q.required))
        constraint = _cond(q.constraint, own=q.id)
    except XPathError as err:
        problems.append(f"{q.id}: {err.text(lang)}")
        return None
    if isinstance(q, ChoiceQuestion | MultiQuestion):
        kind = f"{'select_one' if isinstance(q, ChoiceQuestion) else 'select_multiple'} {q.id}"
        for c in q.choices:
            choices.append([q.id, c.code, c.label.sv, c.label.en, "yes" if c.exclusive else ""])
    else:
        kind = q.type
    message = q.constraint_message
    appearance = "multiline" if isinstance(q, TextQuestion) and q.multiline else ""
    legal = q.legal[0].text if q.legal else None
    return [kind, q.id, q.label.sv, q.label.en, q.help.sv, q.help.en, required, relevant, constraint,
            message.sv if message else "", message.en if message else "", appearance,
            legal.sv if legal else "", legal.en if legal else ""]
