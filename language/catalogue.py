"""Compiling the .po catalogues into the .mo files shipped beside them (build time and tests; needs Babel)."""

from __future__ import annotations

import io
from pathlib import Path

from language import DOMAIN, LOCALE_DIR

# the program's own texts in every language, and argparse's words where they are not English already
DOMAINS = {DOMAIN: ("sv", "en"), "argparse": ("sv",)}


def catalogues() -> list[tuple[str, str]]:
    """Every (domain, language) with a catalogue."""
    return [(domain, lang) for domain, langs in DOMAINS.items() for lang in langs]


def po_path(lang: str, domain: str = DOMAIN) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def mo_path(lang: str, domain: str = DOMAIN) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.mo"


def compiled(lang: str, domain: str = DOMAIN) -> bytes:
    """The .mo bytes a fresh compile of the .po gives (fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(lang, domain).open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=domain)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def main() -> None:
    """`python -m language.catalogue`: rewrite every .mo from its .po."""
    for domain, lang in catalogues():
        mo_path(lang, domain).write_bytes(compiled(lang, domain))
        print(mo_path(lang, domain).relative_to(LOCALE_DIR.parent.parent))


if __name__ == "__main__":
    main()
