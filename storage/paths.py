"""Where workspaces live by default (no heavy imports: the front ends need this before anything)."""

from __future__ import annotations

import os
from pathlib import Path

ENV_WORKSPACE = "UPPFOLJNING_WORKSPACE"


def default_workspace_dir() -> Path:
    """UPPFOLJNING_WORKSPACE, else the platform's per-user data folder."""
    env = os.environ.get(ENV_WORKSPACE)
    if env:
        return Path(env).expanduser()
    import platformdirs  # only needed when no folder was given

    return platformdirs.user_data_path("uppfoljning", appauthor=False) / "workspace"


def training_workspace_dir() -> Path:
    import platformdirs

    return platformdirs.user_data_path("uppfoljning", appauthor=False) / "training"
