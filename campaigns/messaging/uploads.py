"""Collateral uploads are checked by their bytes, never by their name.

Allowed: PDF, Office documents (OOXML and legacy), images (PNG, JPEG, GIF, WebP, SVG
without scripts) and video (MP4, QuickTime, WebM). Refused with a clear message: HTML
(whatever it is named), SVG with scripts or event handlers, executables, archives,
macro-enabled documents, zip bombs, empty and oversize files. OWASP ASVS 5.2.
"""

import hashlib
import os
import re
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.utils.text import get_valid_filename

OOXML = {
    "word/document.xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "xl/workbook.xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
    ),
}
LEGACY_OFFICE = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_UNCOMPRESSED = 500 * 1024 * 1024
ZIP_MAX_RATIO = 200
SVG_DANGER = re.compile(
    rb"<script|\son[a-z]+\s*=|javascript:|<foreignobject|<!entity|<iframe|<embed|<object|(?:xlink:)?href\s*=\s*[\"']\s*(?:https?:|data:|//)",
    re.IGNORECASE,
)
HTML_START = re.compile(
    rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<script|<iframe|<meta|<a\s|<div|<p>)",
    re.IGNORECASE,
)
ACCEPTED = "Upload a PDF, an Office document, an image or a video."


@dataclass
class CheckedFile:
    content_type: str
    extension: str
    filename: str
    size: int
    sha256: str


def refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def check_upload(upload) -> CheckedFile:
    """Validate an uploaded file by content; returns what to store, or raises ValidationError."""
    size = upload.size or 0
    if size == 0:
        raise refuse("The file is empty.")
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise refuse(
            f"The file is {size / 1_048_576:.1f} MB; the limit is {limit // 1_048_576} MB."
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    name_extension = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
    content_type, extension = sniff(head, upload, name_extension)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(
        content_type, extension, safe_filename(upload.name, extension), size, digest.hexdigest()
    )


def sniff(head: bytes, upload, name_extension: str) -> tuple[str, str]:
    if (
        head.startswith(b"MZ")
        or head.startswith(b"\x7fELF")
        or head[:4]
        in {
            b"\xfe\xed\xfa\xce",
            b"\xfe\xed\xfa\xcf",
            b"\xce\xfa\xed\xfe",
            b"\xcf\xfa\xed\xfe",
            b"\xca\xfe\xba\xbe",
        }
        or head.startswith(b"#!")
    ):
        raise refuse(f"Programs and scripts are not accepted. {ACCEPTED}")
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif", "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    if head[4:8] == b"ftyp":
        return ("video/quicktime", "mov") if head[8:10] == b"qt" else ("video/mp4", "mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm", "webm"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # An OLE container is a legacy Office file; which one, only the name tells.
        if name_extension in LEGACY_OFFICE:
            return LEGACY_OFFICE[name_extension], name_extension
        raise refuse(f"This looks like an old Office file; name it .doc, .xls or .ppt. {ACCEPTED}")
    if head.startswith(b"PK\x03\x04"):
        return _office_zip(upload)
    if (
        head.startswith(b"\x1f\x8b")
        or head.startswith(b"Rar!")
        or head.startswith(b"7z\xbc\xaf\x27\x1c")
        or head[257:262] == b"ustar"
    ):
        raise refuse(f"Archives are not accepted. {ACCEPTED}")
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.lower().startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in head.lower():
        return _svg(upload)
    if HTML_START.search(text) or b"<html" in head.lower() or b"<script" in head.lower():
        raise refuse(f"HTML files are not accepted, whatever their name. {ACCEPTED}")
    raise refuse(f"This type of file is not accepted. {ACCEPTED}")


def _office_zip(upload) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > ZIP_MAX_ENTRIES:
                raise refuse("The document has too many parts to be a real Office file.")
            total = sum(entry.file_size for entry in entries)
            compressed = sum(entry.compress_size for entry in entries) or 1
            if total > ZIP_MAX_UNCOMPRESSED or total / compressed > ZIP_MAX_RATIO:
                raise refuse("The document expands to an unreasonable size (a zip bomb?).")
            names = {entry.filename for entry in entries}
    except zipfile.BadZipFile:
        raise refuse(f"The file is damaged. {ACCEPTED}") from None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" in names:
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise refuse("Documents with macros are not accepted; save it without macros.")
        for marker, kind in OOXML.items():
            if marker in names:
                return kind
    raise refuse(f"Archives (zip) are not accepted. {ACCEPTED}")


def _svg(upload) -> tuple[str, str]:
    data = upload.read(5 * 1024 * 1024 + 1)
    upload.seek(0)
    if SVG_DANGER.search(data):
        raise refuse("SVG images with scripts, event handlers or external links are not accepted.")
    return "image/svg+xml", "svg"


def safe_filename(name: str | None, extension: str) -> str:
    """A download name with no path, no odd characters, and the extension of what it really is."""
    base = re.split(r"[\\/]", name or "")[-1]
    stem = os.path.splitext(base)[0].replace("..", "").strip(". ")
    try:
        stem = get_valid_filename(stem)[:120]
    except SuspiciousFileOperation:  # nothing usable was left
        stem = "file"
    return f"{stem or 'file'}.{extension}"
