"""Importing case files: a batch is checked as a whole before anything is written, importing the same
file again changes nothing, a signed follow-up is never replaced, and an imported signature is marked."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

from forms.loader import bundled_form
from interview.case import Case, now
from interview.casefile import CaseFile, FormLookup, dump_casefile, load_text, parse_casefile
from interview.engine import Interview
from interview.errors import ProblemsError
from interview.followup import FollowUp, ImportMark
from interview.messages import msg
from interview.textcheck import find_control
from language import describe
from storage.errors import Ambiguous, NotFound
from storage.repository import Repository

MAX_DIFFS = 5  # a longer list of differing paths helps nobody; the first few say what is wrong


@dataclass
class Source:
    """One case file as read and validated, with the fingerprint of its bytes."""

    name: str  # as the user gave it, for messages
    raw: dict[str, Any]  # the parsed document, to know which keys the file itself gives
    casefile: CaseFile
    sha256: str


@dataclass
class ImportResult:
    stored: list[str] = field(default_factory=list)  # follow-up ids written now
    unchanged: list[tuple[str, str]] = field(default_factory=list)  # (file, follow-up id) already there


def read_source(name: str, content: bytes, lang: str, *, json_format: bool | None = None,
                today: date | None = None, forms: FormLookup | None = None) -> Source:
    """Parse and validate one file's bytes; ProblemsError with every problem prefixed by the name."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProblemsError([f"{name}: {msg('not_utf8', lang)}"]) from None
    try:
        data = load_text(text, json_format=json_format)
        cf = parse_casefile(data, lang=lang, today=today, forms=forms or bundled_form)
    except ProblemsError as err:
        raise ProblemsError([f"{name}: {p}" for p in err.problems]) from None
    return Source(name, data, cf, hashlib.sha256(content).hexdigest())


def import_sources(
    repo: Repository,
    sources: list[Source],
    *,
    who: str,
    lang: str,
    final: bool = False,
    signer: str | None = None,
) -> ImportResult:
    """Store every source or none: all problems, within the batch and against the workspace, are
    found before the first write. `final` signs drafts as `signer` (or the file's caseworker)."""
    problems: list[str] = []
    result = ImportResult()
    todo: list[Source] = []
    by_sha: dict[str, Source] = {}
    by_id: dict[str, Source] = {}
    by_ref: dict[str, Source] = {}
    stored_sha = _stored_fingerprints(repo)
    for src in sources:
        cf = src.casefile
        if src.sha256 in by_sha:  # the same bytes twice in one batch: imported once
            result.unchanged.append((src.name, by_sha[src.sha256].casefile.followup.id))
            continue
        by_sha[src.sha256] = src
        if final:
            problems += _final_problems(src, lang, signer)
        if src.sha256 in stored_sha:
            fid = stored_sha[src.sha256]
            if final and repo.get_followup(fid).status != "final":
                problems.append(f"{src.name}: {msg('import_draft_exists', lang, id=fid)}")
            else:
                result.unchanged.append((src.name, fid))
            continue
        explicit_id = _followup_keys(src).get("id") is not None
        if explicit_id and cf.followup.id in by_id:
            first = by_id[cf.followup.id].name
            text = msg("import_id_twice", lang, id=cf.followup.id, other=first)
            problems.append(f"{src.name}: followup.id: {text}")
            continue
        by_id[cf.followup.id] = src
        other = by_ref.get(cf.client.case_ref)
        if other is not None and _other_person(other.casefile, cf):
            problems.append(f"{src.name}: client.personnummer: "
                            f"{msg('import_ref_two_people', lang, ref=cf.client.case_ref, other=other.name)}")
            continue
        by_ref.setdefault(cf.client.case_ref, src)
        try:
            stored_problems, same = _against_workspace(repo, src, lang)
        except Ambiguous as err:  # two cases carry the number: which one it belongs to is unknown
            problems.append(f"{src.name}: client.case_ref: {describe(err, lang)}")
            continue
        if not same:
            stored_problems += _into_unit_problems(repo, src, lang, final=final)
        problems += stored_problems
        if same:
            result.unchanged.append((src.name, cf.followup.id))
        elif not stored_problems:
            todo.append(src)
    if problems:
        raise ProblemsError(problems)
    for src in todo:
        result.stored.append(_store(repo, src, who=who, lang=lang, final=final, signer=signer))
    return result


# --- the checks ------------------------------------------------------------------------------------


def _followup_keys(src: Source) -> dict[str, Any]:
    fu = src.raw.get("followup") if isinstance(src.raw, dict) else None
    return fu if isinstance(fu, dict) else {}


def _other_person(a: CaseFile, b: CaseFile) -> bool:
    pa, pb = a.client.personnummer, b.client.personnummer
    return bool(pa and pb and pa != pb)


def _final_problems(src: Source, lang: str, signer: str | None) -> list[str]:
    cf = src.casefile
    problems = []
    interview = Interview(cf.form, cf.plan, cf.followup.answers, cf.followup.goals, lang=lang)
    for step in interview.missing_required():
        label = step.question.label.get(lang)
        where = f"answers.{step.key}" if step.goal is None else step.key
        problems.append(f"{src.name}: followup.{where} ({label}): {msg('required', lang)}")
    if not (signer or cf.followup.caseworker):
        problems.append(f"{src.name}: {msg('import_needs_signer', lang)}")
    return problems


def _target_unit(repo: Repository, cf: CaseFile) -> str:
    """The unit a case file's follow-up would be stored in: its case's, else the file's, else the
    login's only unit ('' when none can be told: the store refuses then)."""
    case = repo.find_case(cf.client.case_ref)
    if case is not None:
        return case.client.unit
    units = list(getattr(repo, "units", []) or [])
    return cf.client.unit or (units[0] if len(units) == 1 else "")


def _into_unit_problems(repo: Repository, src: Source, lang: str, *, final: bool) -> list[str]:
    """What the target unit refuses of this file: practice work (a training-marked file) outside
    training, and a signature that has not been through the review a unit requires."""
    cf = src.casefile
    unit = _target_unit(repo, cf)
    workspace = getattr(repo, "workspace", None)
    training_here = bool(workspace is not None and workspace.settings.training) or repo.is_training_unit(unit)
    problems = []
    if cf.training and not training_here:
        problems.append(f"{src.name}: training: {msg('import_training_unit', lang)}")
    requires_review = getattr(repo, "unit_requires_review", None)
    if requires_review is not None and (final or cf.followup.status == "final") and requires_review(unit):
        if cf.followup.status != "final":  # signing here, at import: that needs an approval first
            problems.append(f"{src.name}: {msg('import_review_sign', lang, unit=unit)}")
        elif getattr(repo, "role", "") != "supervisor":  # signed elsewhere: a supervisor takes it in
            problems.append(f"{src.name}: followup.status: {msg('import_review_signed', lang, unit=unit)}")
    return problems


def _stored_fingerprints(repo: Repository) -> dict[str, str]:
    """SHA-256 of every imported file → the follow-up it became."""
    out: dict[str, str] = {}
    for case_id in repo.case_ids():
        for fu in repo.followups_of(case_id):
            if fu.imported is not None:
                out[fu.imported.sha256] = fu.id
    return out


def _against_workspace(repo: Repository, src: Source, lang: str) -> tuple[list[str], bool]:
    """(problems, already stored identically) for one file against what the workspace holds."""
    cf = src.casefile
    case = repo.find_case(cf.client.case_ref)
    if case is not None:
        pnr = case.client.personnummer
        if pnr and cf.client.personnummer and pnr != cf.client.personnummer:
            text = msg("import_other_client", lang, ref=case.client.case_ref)
            return [f"{src.name}: client.case_ref: {text}"], False
    if _followup_keys(src).get("id") is None:
        return [], False
    try:
        stored = repo.get_followup(cf.followup.id)
    except NotFound:
        return [], False
    differs = _differences(repo, stored, src)
    if not differs:
        return [], True
    where = ", ".join(differs[:MAX_DIFFS]) + (" …" if len(differs) > MAX_DIFFS else "")
    key = "import_signed_exists" if stored.status == "final" else "import_id_differs"
    return [f"{src.name}: followup.id: {msg(key, lang, id=stored.id, paths=where)}"], False


def _differences(repo: Repository, stored: FollowUp, src: Source) -> list[str]:
    """The paths at which a file differs from the stored follow-up with its id (what the file gives)."""
    cf = src.casefile
    form = repo.form(stored.form, stored.form_version)
    client = stored.client or repo.get_case(stored.case_id).client
    mine = dump_casefile(client, stored, form, as_json=True)
    theirs = dump_casefile(cf.client, cf.followup, cf.form, as_json=True)
    paths: list[str] = []
    for key in ("form", "form_version", "client", "plan"):
        paths += _diff(mine.get(key), theirs.get(key), key)
    given = _followup_keys(src)
    for key, value in theirs["followup"].items():
        if key in ("answers", "goals") or key in given:
            paths += _diff(mine["followup"].get(key), value, f"followup.{key}")
    return paths


def _diff(a: Any, b: Any, path: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b), key=str):
            out += _diff(a.get(key), b.get(key), f"{path}.{key}")
        return out
    return [] if _canonical(a) == _canonical(b) else [path]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# --- writing -----------------------------------------------------------------------------------------


def _file_label(name: str) -> str:
    """The file's own name, without folders and without anything a terminal or PDF would act on."""
    base = PurePath(name).name or name
    while (pos := find_control(base)) is not None:
        base = base[:pos] + "?" + base[pos + 1:]
    return base[:255]


def _store(repo: Repository, src: Source, *, who: str, lang: str, final: bool, signer: str | None) -> str:
    cf = src.casefile
    claimed = cf.followup.status == "final"
    mark = ImportMark(by=who, at=now(), file=_file_label(src.name), sha256=src.sha256,
                      signature_from_file=claimed)
    update: dict[str, Any] = {"imported": mark}
    if claimed:
        update["client"] = cf.client  # a signed record keeps the client it was signed for
    case = repo.find_case(cf.client.case_ref)
    if case is not None:
        fu = cf.followup.model_copy(update={**update, "case_id": case.id})
        repo.add_followup(fu)
    else:
        case = Case(client=cf.client, plan=cf.plan)
        fu = cf.followup.model_copy(update={**update, "case_id": case.id})
        repo.add_case(case, [fu])
    repo.log("import", case=case.id, followup=fu.id, sha256=src.sha256)
    if claimed:
        # The signature was made elsewhere: the audit says who brought it in, and that it was imported.
        repo.log("finalize", case=case.id, followup=fu.id, imported=True)
    elif final:
        interview = Interview(cf.form, fu.plan, fu.answers, fu.goals, lang=lang)
        answers, goals = interview.final_answers()
        repo.finalize(fu.id, signer or fu.caseworker, now(), answers, goals)
    return fu.id

