"""PDF/A-2b for what reportlab writes: XMP metadata with the PDF/A identification, an sRGB output
intent, real dates that agree between the info dictionary and XMP, the document's language, and an
/ID computed from the content, so the same signed record gives the same bytes and two documents never
share an /ID (reportlab's invariant mode gives every document the same one)."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from functools import cache

ICC_NAME = "sRGB IEC61966-2.1"
LANGS = {"sv": "sv-SE", "en": "en-GB"}


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile, made by Little CMS through Pillow (a dependency of reportlab), with a fixed
    creation date: Little CMS stamps the machine's local time into the header, which would make the
    same record print differently by time zone and by day."""
    import hashlib

    from PIL import ImageCms

    raw = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    raw[24:36] = bytes.fromhex("07e9000100010000000000 00".replace(" ", ""))  # 2025-01-01 00:00:00
    # The profile ID (bytes 84-99) is the MD5 of the profile with flags, intent and the ID zeroed.
    probe = bytearray(raw)
    probe[44:48] = probe[64:68] = b"\0" * 4
    probe[84:100] = b"\0" * 16
    raw[84:100] = hashlib.md5(bytes(probe)).digest()  # noqa: S324 - ICC.1:2010 7.2.18 names MD5
    return bytes(raw)


def pdf_date(when: datetime) -> str:
    """A PDF date string (D:YYYYMMDDHHmmSS+HH'mm') in UTC."""
    return when.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


def to_pdfa(pdf: bytes, *, title: str, subject: str, lang: str, created: datetime,
            modified: datetime | None = None, producer: str) -> bytes:
    """The document as PDF/A-2b; `created` and `modified` are the record's own times (signing, or the
    latest change of a draft), never the time of printing."""
    import pikepdf

    modified = modified or created
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        # The first /ID names the document: a hash of what reportlab drew, the same for the same
        # record and different for any other (reportlab's invariant mode gives them all one /ID).
        first = pikepdf.String(hashlib.md5(pdf).digest())  # noqa: S324 - an identifier, not security
        doc.trailer.ID = pikepdf.Array([first, first])
        doc.Root.Lang = pikepdf.String(LANGS.get(lang, lang))
        doc.Root.MarkInfo = pikepdf.Dictionary(Marked=False)
        icc = doc.make_stream(srgb_profile())
        icc.N = 3
        doc.Root.OutputIntents = pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent,
            S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier=pikepdf.String(ICC_NAME),
            Info=pikepdf.String(ICC_NAME),
            DestOutputProfile=icc,
        )])
        info = doc.docinfo
        for key in ("/Author", "/Keywords", "/Creator"):
            if key in info:
                del info[key]
        info.Title = pikepdf.String(title)
        info.Subject = pikepdf.String(subject)
        info.Producer = pikepdf.String(producer)
        info.CreationDate = pikepdf.String(pdf_date(created))
        info.ModDate = pikepdf.String(pdf_date(modified))
        with doc.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
            meta["dc:title"] = title
            meta["dc:description"] = subject
            meta["dc:language"] = [LANGS.get(lang, lang)]
            meta["pdf:Producer"] = producer
            meta["xmp:CreateDate"] = created.astimezone(UTC).isoformat()
            meta["xmp:ModifyDate"] = modified.astimezone(UTC).isoformat()
            meta["xmp:MetadataDate"] = modified.astimezone(UTC).isoformat()
        out = io.BytesIO()
        # The /ID is a hash of the content: stable for the same record, different for any other.
        doc.save(out, deterministic_id=True, force_version="1.7", fix_metadata_version=False)
    return out.getvalue()
