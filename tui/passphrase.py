"""Where a passphrase comes from: UPPFOLJNING_PASSPHRASE, else a hidden prompt in a terminal."""

from __future__ import annotations

import os
import sys

from storage.crypto import MIN_PASSPHRASE, PassphraseTooShort, check_new_passphrase
from tui.errors import UserError
from tui.text import t

ENV = "UPPFOLJNING_PASSPHRASE"
NEW_ENV = "UPPFOLJNING_NEW_PASSPHRASE"
MIN_LENGTH = MIN_PASSPHRASE


def problem(value: str, lang: str) -> str | None:
    """Why a new passphrase is refused (None if it is not): the one check every path uses —
    init's prompt, UPPFOLJNING_PASSPHRASE at init, UPPFOLJNING_NEW_PASSPHRASE and the app's wizard."""
    try:
        check_new_passphrase(value)
    except PassphraseTooShort:
        return t("passphrase_short", lang, n=MIN_LENGTH)
    return None


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
    return checked(value, lang)


def checked(value: str, lang: str) -> str:
    """`value` if it may be a new passphrase, else the one-line error."""
    error = problem(value, lang)
    if error is not None:
        raise UserError(error)
    return value
