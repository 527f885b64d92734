"""Builds the follow-up document from the workspace, for every front end (CLI, app, quick mode)."""

from __future__ import annotations

from pathlib import Path

from forms.loader import bundled_form
from storage.atomic import atomic_write
from storage.repository import Repository
from storage.workspace import WorkspaceSettings

TRAINING_BANNER = {"sv": "ÖVNING – fiktiva uppgifter", "en": "TRAINING – fictitious data"}


def render_followup(repo: Repository, settings: WorkspaceSettings, followup_id: str, lang: str) -> bytes:
    """The PDF of one follow-up, rendered with the form version it was made with."""
    from forms.pdf.document import DocumentInput, render  # reportlab only when a PDF is made

    fu = repo.get_followup(followup_id)
    case = repo.get_case(fu.case_id)
    history = [h for h in repo.followups_of(case.id) if h.id != fu.id and _when(h) < _when(fu)]
    data = DocumentInput(
        client=case.client,
        followup=fu,
        form=bundled_form(fu.form, fu.form_version),
        history=sorted(history, key=_when),
        organisation=settings.organisation,
        unit=settings.unit,
        lang=lang,
        banner=TRAINING_BANNER[lang] if settings.training else None,
    )
    pdf = render(data)
    repo.log("pdf", case=case.id, followup=fu.id)
    return pdf


def _when(fu: object) -> str:
    answers = getattr(fu, "answers", {})
    created = getattr(fu, "created_at", None)
    return str(answers.get("meeting_date") or (created.date().isoformat() if created else ""))


def write_pdf(path: Path, pdf: bytes) -> None:
    atomic_write(path, pdf, mode=0o600)
