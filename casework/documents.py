"""Builds the follow-up document from the repository, for every front end (CLI, app, quick mode).

A signed follow-up's document is a pure function of what was signed: its history holds only the
follow-ups signed before it, its client is the snapshot taken at signing, and its times are printed in
the organisation's time zone whatever the printing machine's is.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from forms.training_data import TRAINING_BANNER
from interview.followup import FollowUp
from storage.atomic import atomic_write
from storage.repository import Repository
from storage.workspace import WorkspaceSettings


def signed_history(followups: Iterable[FollowUp], fu: FollowUp) -> list[FollowUp]:
    """The earlier follow-ups a document may show beside this one: only signed ones, and for a
    signed follow-up only those signed before it, so nothing added later ever changes it."""
    history = []
    for h in followups:
        if h.id == fu.id or h.status != "final" or h.finalized_at is None:
            continue
        if fu.status == "final" and (fu.finalized_at is None or h.finalized_at >= fu.finalized_at):
            continue
        history.append(h)
    return sorted(history, key=lambda h: (_when(h), h.finalized_at or h.created_at))


def render_followup(repo: Repository, settings: WorkspaceSettings, followup_id: str, lang: str) -> bytes:
    """The PDF of one follow-up, rendered with the form version it was made with."""
    from documents.followup import DocumentInput, render  # reportlab only when a PDF is made

    fu = repo.get_followup(followup_id)
    case = repo.get_case(fu.case_id)
    # A training workspace, or a shared database's training unit: practice is marked as practice.
    training = settings.training or repo.is_training_unit(case.client.unit)
    data = DocumentInput(
        # A signed follow-up prints the client as they were at signing; records signed before
        # snapshots existed fall back to the case's current client.
        client=fu.client or case.client,
        followup=fu,
        form=repo.form(fu.form, fu.form_version),
        history=signed_history(repo.followups_of(case.id), fu),
        organisation=settings.organisation,
        unit=settings.unit,
        lang=lang,
        banner=TRAINING_BANNER[lang] if training else None,
        timezone=settings.timezone,
    )
    pdf = render(data)
    repo.log("pdf", case=case.id, followup=fu.id)
    return pdf


def _when(fu: FollowUp) -> str:
    return str(fu.answers.get("meeting_date") or fu.created_at.date().isoformat())


def write_pdf(path: Path, pdf: bytes) -> None:
    atomic_write(path, pdf, mode=0o600)


def pdf_name(followup_id: str) -> str:
    """The file name every front end gives a follow-up's PDF."""
    return f"uppfoljning-{file_part(followup_id)}.pdf"


def default_pdf_folder(settings: WorkspaceSettings | None) -> Path:
    """Where the app and quick mode put PDFs: the user's documents, training ones in a folder of
    their own so practice never lies beside a real record."""
    import platformdirs

    from casework.training import pdf_folder

    return pdf_folder(platformdirs.user_documents_path(), settings)


def export_pdf(
    repo: Repository, settings: WorkspaceSettings, followup_id: str, lang: str, folder: Path | None = None
) -> Path:
    """Render the follow-up and write it owner-only into `folder` (else the default folder, made
    owner-only when missing); returns the file written. OSError or StorageError when it cannot be."""
    folder = default_pdf_folder(settings) if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    pdf = render_followup(repo, settings, followup_id, lang)
    target = folder / pdf_name(followup_id)
    write_pdf(target, pdf)
    return target


def latest_followup(repo: Repository, case_id: str) -> str | None:
    """The case's newest follow-up (draft or signed), which the dashboard's PDF key prints."""
    followups = repo.followups_of(case_id)
    return followups[-1].id if followups else None


def file_part(followup_id: str) -> str:
    """The follow-up id as part of a file name: as it is when it is a valid id, else a hash of it (an
    id stored before ids were checked could name a folder, `../x`, or hold a person's name)."""
    import hashlib

    from interview.case import valid_id

    if valid_id(followup_id):
        return followup_id
    return hashlib.sha256(followup_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
