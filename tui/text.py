"""The command line's own messages in Swedish and English (the app's catalogue lives beside it)."""

from __future__ import annotations

from typing import Any

CLI: dict[str, dict[str, str]] = {
    "error": {"sv": "fel", "en": "error"},
    "created": {"sv": "Arbetsytan skapades i {path}", "en": "Created the workspace in {path}"},
    "imported": {
        "sv": "Importerade {n} uppföljning(ar): {ids}",
        "en": "Imported {n} follow-up(s): {ids}",
    },
    "nothing_imported": {
        "sv": "Inget importerades; rätta felen ovan och försök igen.",
        "en": "Nothing was imported; correct the problems above and try again.",
    },
    "cannot_read": {"sv": "kan inte läsas ({why})", "en": "cannot be read ({why})"},
    "not_utf8": {"sv": "är inte UTF-8-text", "en": "is not UTF-8 text"},
    "other_client": {
        "sv": "ärendet {ref} finns redan med ett annat personnummer",
        "en": "case {ref} already exists with another personnummer",
    },
    "exists": {
        "sv": "uppföljningen {id} finns redan i arbetsytan",
        "en": "follow-up {id} is already in the workspace",
    },
    "final_needs_signer": {
        "sv": "ange vem som signerar med --by, eller en handläggare i filen",
        "en": "name who signs with --by, or a caseworker in the file",
    },
    "no_followups": {"sv": "Inga uppföljningar.", "en": "No follow-ups."},
    "none_due": {"sv": "Inga uppföljningar är aktuella.", "en": "No follow-ups are due."},
    "written": {"sv": "Skrev {path}", "en": "Wrote {path}"},
    "form_ok": {
        "sv": "{file}: formuläret {id} version {version} är giltigt ({n} frågor)",
        "en": "{file}: form {id} version {version} is valid ({n} questions)",
    },
    "col_id": {"sv": "ID", "en": "ID"},
    "col_case": {"sv": "Ärende", "en": "Case"},
    "col_status": {"sv": "Status", "en": "Status"},
    "col_meeting": {"sv": "Möte", "en": "Meeting"},
    "col_next": {"sv": "Nästa", "en": "Next"},
    "col_caseworker": {"sv": "Handläggare", "en": "Caseworker"},
    "status_draft": {"sv": "utkast", "en": "draft"},
    "status_final": {"sv": "signerad", "en": "final"},
    "overdue": {"sv": "försenad", "en": "overdue"},
}


def t(key: str, lang: str, **kwargs: Any) -> str:
    entry = CLI[key]
    return entry.get(lang, entry["sv"]).format(**kwargs)
