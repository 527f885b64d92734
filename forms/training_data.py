"""The training workspace's shipped data: fictitious practice cases and per-question guidance."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

# The marking on everything a training workspace produces: screens, PDFs, reports, case files.
TRAINING_BANNER = {"sv": "ÖVNING – fiktiva uppgifter", "en": "TRAINING – fictitious data"}


def practice_files() -> list[tuple[str, str]]:
    """(name, text) of every practice case file, in order (earlier follow-ups first)."""
    folder = resources.files("forms").joinpath("training")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml") and p.name[0].isdigit())
    return [(name, folder.joinpath(name).read_text(encoding="utf-8")) for name in names]


@lru_cache(maxsize=1)
def guidance() -> dict[str, dict[str, dict[str, str]]]:
    """question id -> {"why": {sv, en}, "consider": {sv, en}}."""
    text = resources.files("forms").joinpath("training", "guidance.yaml").read_text(encoding="utf-8")
    data: Any = yaml.safe_load(text)
    return dict(data)
