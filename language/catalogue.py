"""Compiling the .po catalogues into the .mo files shipped beside them (build time and tests; needs Babel)."""

from __future__ import annotations

import io
from pathlib import Path

from language import DOMAIN, LANGUAGES, LOCALE_DIR


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def compiled(lang: str) -> bytes:
    """The .mo bytes a fresh compile of `lang`'s .po gives (fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def main() -> None:
    """`python -m language.catalogue`: rewrite every .mo from its .po."""
    for lang in LANGUAGES:
        mo_path(lang).write_bytes(compiled(lang))
        print(mo_path(lang).relative_to(LOCALE_DIR.parent.parent))


if __name__ == "__main__":
    main()
