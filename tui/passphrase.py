"""Where a passphrase comes from: UPPFOLJNING_PASSPHRASE, else a hidden prompt in a terminal."""

from __future__ import annotations

import os
import sys

from tui.errors import UserError
from tui.text import t

ENV = "UPPFOLJNING_PASSPHRASE"
MIN_LENGTH = 8


def _interactive() -> bool:
    return sys.stdin.isatty()


def existing(lang: str) -> str:
    """The passphrase of an encrypted workspace."""
    env = os.environ.get(ENV)
    if env:
        return env
    if not _interactive():
        raise UserError(t("passphrase_needed", lang))
    import getpass

    return getpass.getpass(t("passphrase_prompt", lang))


def new(lang: str, *, env_allowed: bool = True) -> str:
    """A new passphrase: from the environment, or typed twice in a terminal."""
    env = os.environ.get(ENV) if env_allowed else None
    if env:
        value = env
    elif not _interactive():
        raise UserError(t("init_needs_passphrase", lang))
    else:
        import getpass

        value = getpass.getpass(t("new_passphrase_prompt", lang))
        if getpass.getpass(t("repeat_passphrase_prompt", lang)) != value:
            raise UserError(t("passphrase_mismatch", lang))
    if len(value) < MIN_LENGTH:
        raise UserError(t("passphrase_short", lang, n=MIN_LENGTH))
    return value
