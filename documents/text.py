"""The follow-up document's own words in Swedish and English."""

from __future__ import annotations

from typing import Any

TEXT: dict[str, dict[str, str]] = {
    "title_genomforandeplan": {"sv": "Uppföljning av genomförandeplan",
                               "en": "Follow-up of implementation plan"},
    "title_vardplan": {"sv": "Uppföljning av vårdplan", "en": "Follow-up of care plan"},
    "title_behandlingsplan": {"sv": "Uppföljning av behandlingsplan", "en": "Follow-up of treatment plan"},
    "title_sip": {"sv": "Uppföljning av samordnad individuell plan (SIP)",
                  "en": "Follow-up of coordinated individual plan (SIP)"},
    "title_other": {"sv": "Uppföljning av plan", "en": "Follow-up of plan"},
    "draft": {"sv": "UTKAST – ej signerad", "en": "DRAFT – not signed"},
    "client": {"sv": "Brukare", "en": "Client"},
    "case_ref": {"sv": "Ärende", "en": "Case"},
    "name": {"sv": "Namn", "en": "Name"},
    "personnummer": {"sv": "Personnummer", "en": "Personal identity number"},
    "unit": {"sv": "Verksamhet", "en": "Unit"},
    "caseworker": {"sv": "Handläggare", "en": "Caseworker"},
    "plan": {"sv": "Plan", "en": "Plan"},
    "plan_start": {"sv": "Planen gäller från", "en": "Plan in force from"},
    "interventions": {"sv": "Insatser", "en": "Interventions"},
    "not_applicable": {"sv": "Ej aktuellt", "en": "Not applicable"},
    "skipped": {"sv": "–", "en": "–"},
    "goal": {"sv": "Mål", "en": "Goal"},
    "life_area": {"sv": "Livsområde", "en": "Life area"},
    "levels": {"sv": "Nivå", "en": "Level"},
    "attainment": {"sv": "Måluppfyllelse", "en": "Attainment"},
    "before": {"sv": "Före", "en": "Before"},
    "now": {"sv": "Nu", "en": "Now"},
    "target": {"sv": "Mål", "en": "Target"},
    "unscaled": {"sv": "Ingen skala", "en": "No scale"},
    "comment": {"sv": "Kommentar", "en": "Comment"},
    "see_below": {"sv": "se nedan", "en": "see below"},
    "comments": {"sv": "Kommentarer till målen", "en": "Comments on the goals"},
    "gas_t": {"sv": "GAS T-värde för uppföljningen: {value}", "en": "GAS T-score of the follow-up: {value}"},
    "history": {"sv": "Nivåer över tid", "en": "Levels over time"},
    "this_followup": {"sv": "denna", "en": "this"},
    "addenda": {"sv": "Rättelser och tillägg", "en": "Corrections and additions"},
    "addendum_correction": {"sv": "Rättelse", "en": "Correction"},
    "addendum_client_objection": {"sv": "Brukaren anser att uppgiften är felaktig",
                                  "en": "The client considers the record incorrect"},
    "addendum_meta": {"sv": "{kind}, {date}, {author}. Skäl: {reason}",
                      "en": "{kind}, {date}, {author}. Reason: {reason}"},
    "signature": {"sv": "Signering", "en": "Signature"},
    "signed": {"sv": "Signerad av {who} den {when}.", "en": "Signed by {who} on {when}."},
    "imported": {"sv": "Importerad {when} av {who} från filen {file} (SHA-256 {sha}).",
                 "en": "Imported {when} by {who} from the file {file} (SHA-256 {sha})."},
    "imported_signature": {
        "sv": "Signeringen ovan kommer från den importerade filen; den gjordes inte i detta program.",
        "en": "The signature above comes from the imported file; it was not made in this program.",
    },
    "unsigned": {"sv": "Ej signerad. Dokumentet är ett utkast.",
                 "en": "Not signed. The document is a draft."},
    "page": {"sv": "Sida {page} av {pages}", "en": "Page {page} of {pages}"},
    "footer_id": {"sv": "Uppföljning {id} · formulär {form} v{version}",
                  "en": "Follow-up {id} · form {form} v{version}"},
    "doc_title": {"sv": "Uppföljning", "en": "Follow-up"},
    "doc_subject": {"sv": "Uppföljning enligt formuläret {form} version {version}",
                    "en": "Follow-up on form {form} version {version}"},
}  # fmt: skip


def t(key: str, lang: str, **kwargs: Any) -> str:
    entry = TEXT[key]
    return entry.get(lang, entry["sv"]).format(**kwargs)
