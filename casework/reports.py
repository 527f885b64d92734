"""The group report in the app: which installed forms it can be made over, and one form's figures
(the same published data as `uppfoljning report --form ID`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casework.session import FormOption, form_options
from forms.loader import STANDARD_FORM_ID
from forms.schema import FormDefinition
from reporting.selection import Selection
from storage.repository import Repository


def report_forms(repo: Repository) -> list[FormOption]:
    """The forms a group report can be made over, each at its newest version: the standard form first
    (the report's default, as on the command line), then the other installed forms by id. With one
    form there is nothing to choose."""
    options = form_options(repo)
    return sorted(options, key=lambda o: (o.id != STANDARD_FORM_ID, o.id))


def report_form(repo: Repository, form_id: str | None = None, version: int | None = None) -> FormDefinition:
    """The form a report is made over: the standard form without an id; the newest version without one
    (every version's follow-ups still count where the question and code agree)."""
    return repo.form(form_id or STANDARD_FORM_ID, version)


def form_report(repo: Repository, form: FormDefinition, sel: Selection, *, training: bool = False,
                progress: Callable[[int], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> dict[str, Any]:
    """The published (suppressed and audited) figures of the form's follow-ups in the selection;
    raises reporting.suppress.ProtectionFailed rather than return figures whose protection failed,
    and reporting.cancel.Cancelled soon after cancelled() turns true (the app quitting or starting
    over: a small population's protection may take a while, and nobody should wait for it)."""
    from reporting.cancel import checkpoint, stop_when
    from reporting.output import to_data

    def step(n: int) -> None:
        checkpoint()
        if progress is not None:
            progress(n)

    with stop_when(cancelled):
        report = repo.compile_report(form, sel, step)
        return to_data(report, form, training=training)
