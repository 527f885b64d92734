"""Finding a case from what a person typed: exact matches ignore case, near matches are offered."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from storage.repository import CaseListing

NEAR_LIMIT = 8
NEAR_CUTOFF = 0.75  # difflib ratio: "ifo-2026-0501" ~ "IFO-2026-0510", not "IFO-2025-1234"


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _close(a: str, b: str) -> float:
    """difflib's ratio, with its cheap upper bounds first (as get_close_matches does): 10,000 cases."""
    sm = difflib.SequenceMatcher(None, a, b)
    if sm.real_quick_ratio() < NEAR_CUTOFF or sm.quick_ratio() < NEAR_CUTOFF:
        return 0.0
    return sm.ratio()


@dataclass
class CaseMatch:
    """The cases whose number or name is what was typed, and those that are only close to it."""

    exact: list[CaseListing] = field(default_factory=list)
    near: list[CaseListing] = field(default_factory=list)


def match_cases(listing: list[CaseListing], typed: str) -> CaseMatch:
    """Case-insensitive on case number and name; spaces around and inside do not count. Near
    matches are looked for only when nothing matches exactly."""
    needle = _norm(typed)
    out = CaseMatch()
    if not needle:
        return out
    out.exact = [c for c in listing if needle in (_norm(c.case_ref), _norm(c.name or ""))]
    if out.exact:
        return out  # the case itself: no near-match scoring over 10,000 cases (`quick --case REF`)
    scored: list[tuple[float, int, CaseListing]] = []
    for i, case in enumerate(listing):
        ref, name = _norm(case.case_ref), _norm(case.name or "")
        if needle in ref or (name and needle in name) or (len(ref) > 2 and ref in needle):
            scored.append((1.0, i, case))
            continue
        score = max(_close(needle, ref), _close(needle, name) if name else 0.0)
        if score >= NEAR_CUTOFF:
            scored.append((score, i, case))
    scored.sort(key=lambda s: (-s[0], s[1]))
    out.near = [case for _, _, case in scored[:NEAR_LIMIT]]
    return out
