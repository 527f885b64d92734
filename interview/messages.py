"""The engine's and model's messages in Swedish and English, and translation of validation errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

MESSAGES: Mapping[str, Mapping[str, str]] = {
    "required": {"sv": "svar krävs", "en": "an answer is required"},
    "read_only": {
        "sv": "arbetsytan är skrivskyddad (ett annat program skriver i den): inget sparades",
        "en": "the workspace is read-only (another program writes in it): nothing was saved",
    },
    "missing": {"sv": "saknas", "en": "is required"},
    "true_or_false": {"sv": "ange true eller false", "en": "give true or false"},
    "unknown_key": {"sv": "okänd nyckel", "en": "unknown key"},
    "unknown_question": {
        "sv": "okänd fråga i formuläret {form}",
        "en": "unknown question in form {form}",
    },
    "unknown_goal": {"sv": "det finns inget mål '{goal}' i planen", "en": "the plan has no goal '{goal}'"},
    "not_applicable": {
        "sv": "frågan ställs bara när {why}",
        "en": "this question is only asked when {why}",
    },
    "not_a_date": {
        "sv": "{value} är inget datum; skriv ÅÅÅÅ-MM-DD",
        "en": "{value} is not a date; write YYYY-MM-DD",
    },
    "date_future": {"sv": "{value} ligger i framtiden", "en": "{value} is in the future"},
    "date_after": {
        "sv": "{value} måste komma efter {other} ({other_value})",
        "en": "{value} must come after {other} ({other_value})",
    },
    "unknown_code": {
        "sv": "{value} är inget av {codes}",
        "en": "{value} is not one of {codes}",
    },
    "not_a_list": {"sv": "ange en lista av koder", "en": "give a list of codes"},
    "min_selected": {"sv": "välj minst {n}", "en": "choose at least {n}"},
    "exclusive": {
        "sv": "{code} kan inte kombineras med andra val",
        "en": "{code} cannot be combined with other choices",
    },
    "duplicate_code": {"sv": "{code} står två gånger", "en": "{code} is given twice"},
    "not_text": {"sv": "ange en text", "en": "give a text"},
    "text_too_long": {
        "sv": "texten är {length} tecken; högst {max} tecken får plats",
        "en": "the text is {length} characters; at most {max} fit",
    },
    "text_nul": {
        "sv": "texten innehåller ett NUL-tecken, som inte kan sparas",
        "en": "the text contains a NUL character, which cannot be stored",
    },
    "text_control": {
        "sv": "texten innehåller ett styrtecken ({char}) på plats {pos}; ta bort det",
        "en": "the text contains a control character ({char}) at position {pos}; remove it",
    },
    "not_a_level": {"sv": "{value} är ingen nivå", "en": "{value} is not a level"},
    "level_range": {
        "sv": "{value} ligger utanför {scale}-skalan {low}..{high}",
        "en": "{value} is outside the {scale} scale {low}..{high}",
    },
    "no_scale": {"sv": "målet har ingen skala", "en": "the goal has no scale"},
    "not_bool": {"sv": "{value} är varken ja eller nej", "en": "{value} is neither yes nor no"},
    "pnr_format": {
        "sv": "ett personnummer har 10 eller 12 siffror, t.ex. ÅÅÅÅMMDD-NNNN",
        "en": "a personnummer has 10 or 12 digits, e.g. YYYYMMDD-NNNN",
    },
    "pnr_check_digit": {
        "sv": "personnumrets kontrollsiffra stämmer inte",
        "en": "the personnummer's check digit is wrong",
    },
    "pnr_date": {
        "sv": "personnumret innehåller inget verkligt datum",
        "en": "the personnummer does not contain a real date",
    },
    "pnr_future": {
        "sv": "personnumrets födelsedatum ligger i framtiden",
        "en": "the personnummer's birth date is in the future",
    },
    "birth_year_mismatch": {
        "sv": "födelseåret {year} stämmer inte med personnumret ({pnr_year})",
        "en": "birth year {year} does not match the personnummer ({pnr_year})",
    },
    "year_range": {"sv": "{value} är inte ett rimligt år", "en": "{value} is not a plausible year"},
    "date_range": {"sv": "{value} är inte ett rimligt datum", "en": "{value} is not a plausible date"},
    "goal_id_twice": {"sv": "mål-id '{id}' används två gånger", "en": "goal id '{id}' is used twice"},
    "intervention_id_twice": {
        "sv": "insats-id '{id}' används två gånger",
        "en": "intervention id '{id}' is used twice",
    },
    "parent_missing": {
        "sv": "delmålet hänvisar till mål '{parent}', som inte finns",
        "en": "the sub-goal refers to goal '{parent}', which does not exist",
    },
    "parent_cycle": {
        "sv": "mål '{id}' ligger under sig självt",
        "en": "goal '{id}' is under itself",
    },
    "level_unscaled": {
        "sv": "ett mål utan skala kan inte ha {field}",
        "en": "a goal without a scale cannot have a {field}",
    },
    "weight_gas_only": {
        "sv": "vikt används bara för GAS-mål",
        "en": "a weight only applies to GAS goals",
    },
    "target_before_start": {
        "sv": "måldatumet {value} ligger före planens start {start}",
        "en": "target date {value} is before the plan's start {start}",
    },
    "form_unknown": {
        "sv": "formuläret {form} version {version} finns inte",
        "en": "form {form} version {version} is not available",
    },
    "empty_file": {"sv": "filen är tom", "en": "the file is empty"},
    "not_a_mapping": {"sv": "ska vara en mappning (nyckel: värde)", "en": "must be a mapping (key: value)"},
    "status_code": {"sv": "status är draft eller final", "en": "status is draft or final"},
    "stamp_zone": {
        "sv": "{value} saknar tidszon; skriv t.ex. 2026-11-18T10:30:00+01:00",
        "en": "{value} has no time zone; write e.g. 2026-11-18T10:30:00+01:00",
    },
    "correct_unknown_key": {
        "sv": "{answer} är ingen fråga som besvarats i uppföljningen; ange frågans id, t.ex. assessment "
        "eller goals.g1.level",
        "en": "{answer} is not a question answered in the follow-up; give the question's id, e.g. "
        "assessment or goals.g1.level",
    },
    "not_utf8": {"sv": "filen är inte UTF-8-text", "en": "the file is not UTF-8 text"},
    "bad_id": {
        "sv": "ett id är 1–32 tecken av a–z, A–Z, 0–9, _ och -, utan personnummer",
        "en": "an id is 1–32 characters of a–z, A–Z, 0–9, _ and -, without a personnummer",
    },
    "number_range": {"sv": "talet är orimligt stort", "en": "the number is implausibly large"},
    "too_many": {"sv": "{n} st; högst {max} får plats", "en": "{n} given; at most {max} fit"},
    "import_id_twice": {
        "sv": "uppföljningen {id} finns också i {other}; importera den bara en gång",
        "en": "follow-up {id} is also in {other}; import it only once",
    },
    "import_ref_two_people": {
        "sv": "ärendet {ref} har ett annat personnummer i {other}; två personer kan inte dela ärende",
        "en": "case {ref} has another personnummer in {other}; two people cannot share a case",
    },
    "import_other_client": {
        "sv": "ärendet {ref} finns redan med ett annat personnummer",
        "en": "case {ref} already exists with another personnummer",
    },
    "import_needs_signer": {
        "sv": "ange vem som signerar med --by, eller en handläggare i filen",
        "en": "name who signs with --by, or a caseworker in the file",
    },
    "import_signed_exists": {
        "sv": "uppföljningen {id} är redan signerad här och kan inte ersättas genom import "
        "(filen skiljer sig i: {paths}); gör en rättelse med 'uppfoljning correct'",
        "en": "follow-up {id} is already signed here and cannot be replaced by an import "
        "(the file differs in: {paths}); add a correction with 'uppfoljning correct'",
    },
    "import_draft_exists": {
        "sv": "filen är redan importerad som utkastet {id}; öppna utkastet och signera det där",
        "en": "the file is already imported as the draft {id}; open the draft and sign it there",
    },
    "import_id_differs": {
        "sv": "uppföljningen {id} finns redan med annat innehåll (skiljer sig i: {paths}); "
        "ingenting ersattes",
        "en": "follow-up {id} is already stored with other content (differs in: {paths}); "
        "nothing was replaced",
    },
    "not_a_number": {"sv": "{value} är inte ett tal", "en": "{value} is not a number"},
    "not_an_integer": {"sv": "{value} är inte ett heltal", "en": "{value} is not a whole number"},
    "constraint": {
        "sv": "svaret uppfyller inte formulärets villkor", "en": "the answer breaks the form's rule",
    },
}


def msg(key: str, lang: str, **kwargs: Any) -> str:
    """The message `key` in `lang` (sv default), with its placeholders filled."""
    templates = MESSAGES[key]
    return templates.get(lang, templates["sv"]).format(**kwargs)


def _loc(loc: Iterable[int | str]) -> str:
    out: list[str] = []
    for part in loc:
        out.append(f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part))
    return "".join(out)


def validation_lines(err: ValidationError, lang: str, prefix: str = "") -> list[str]:
    """One `path: message` line per pydantic error, translated where the catalogue knows the error."""
    lines: list[str] = []
    for e in err.errors():
        loc = _loc(e["loc"])
        path = prefix + loc if loc.startswith("[") else ".".join(p for p in (prefix, loc) if p)
        kind = e["type"]
        ctx = dict(e.get("ctx") or {})
        if kind == "extra_forbidden":
            text = msg("unknown_key", lang)
        elif kind == "missing":
            text = msg("missing", lang)
        elif kind in MESSAGES:
            text = msg(kind, lang, **ctx)
        else:
            text = e["msg"].removeprefix("Value error, ")
        lines.append(f"{path}: {text}" if path else text)
    return lines
