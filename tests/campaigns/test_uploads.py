"""Uploads are judged by their bytes: allowed types pass, dangerous ones are refused and nothing is stored."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.messaging.uploads import check_upload, safe_filename
from campaigns.models import Asset, AssetVersion
from tests.factories import pdf_upload

pytestmark = pytest.mark.django_db


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/pdf"
    )  # the client's claim is ignored


def ooxml(marker: str, extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(marker, "<x/>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("deck.pdf", pdf_upload().read(), "application/pdf"),
        (
            "slides.pptx",
            ooxml("ppt/presentation.xml"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (
            "sheet.xlsx",
            ooxml("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "letter.docx",
            ooxml("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "application/msword"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 64, "image/jpeg"),
        ("clip.mp4", b"\0\0\0\x18ftypmp42" + b"\0" * 64, "video/mp4"),
        (
            "icon.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>',
            "image/svg+xml",
        ),
    ],
)
def test_allowed_types_are_recognised_from_their_bytes(name, data, content_type):
    assert check_upload(upload(name, data)).content_type == content_type


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "brochure.pdf",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "HTML files are not accepted",
        ),
        ("brochure.pdf", b"<html><body>hi</body></html>", "HTML files are not accepted"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG images with scripts",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
            "SVG images with scripts",
        ),
        ("invoice.pdf", b"MZ\x90\x00" + b"\0" * 100, "Programs and scripts are not accepted"),
        ("tool.pdf", b"\x7fELF" + b"\0" * 100, "Programs and scripts are not accepted"),
        ("run.sh", b"#!/bin/sh\nrm -rf /", "Programs and scripts are not accepted"),
        (
            "files.pdf",
            ooxml("random.txt").replace(b"[Content_Types].xml", b"[Content_Typez].xml"),
            "Archives (zip) are not accepted",
        ),
        ("files.tgz", b"\x1f\x8b\x08" + b"\0" * 100, "Archives are not accepted"),
        (
            "macro.docx",
            ooxml("word/document.xml", {"word/vbaProject.bin": "x"}),
            "Documents with macros",
        ),
        ("notes.txt", b"just some text", "This type of file is not accepted"),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_dangerous_or_unknown_files_are_refused_with_a_clear_message(name, data, message):
    with pytest.raises(Exception) as error:
        check_upload(upload(name, data))
    assert message in str(error.value)


def test_a_zip_bomb_dressed_as_a_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml", b"\0" * (20 * 1024 * 1024)
        )  # 20 MB of zeros compresses ~1000:1
    with pytest.raises(Exception, match="unreasonable size"):
        check_upload(upload("report.docx", buffer.getvalue()))


def test_oversize_files_are_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(Exception, match="the limit is 0 MB"):
        check_upload(upload("big.pdf", b"%PDF-1.4" + b"0" * 2048))


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("../../etc/passwd.pdf", "pdf", "passwd.pdf"),
        ("C:\\Users\\me\\Q3 deck (final).pptx", "pptx", "Q3_deck_final.pptx"),
        ("evil.html", "pdf", "evil.pdf"),
        ("???", "pdf", "file.pdf"),
        ("", "png", "file.png"),
    ],
)
def test_names_are_sanitised_and_carry_the_real_extension(name, extension, expected):
    assert safe_filename(name, extension) == expected


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "brochure.pdf",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "HTML files are not accepted",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG images with scripts",
        ),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_the_api_answers_400_and_stores_nothing(api_as, marketer, settings, name, data, message):
    media = Path(settings.MEDIA_ROOT)
    before = set(media.rglob("*")) if media.exists() else set()
    response = api_as(marketer).post(
        "/api/assets/",
        {"title": "Bad", "kind": "deck", "file": upload(name, data)},
        format="multipart",
    )
    assert response.status_code == 400
    assert any(message in m for m in response.json()["file"])
    assert not Asset.objects.exists() and not AssetVersion.objects.exists()
    assert (set(media.rglob("*")) if media.exists() else set()) == before


def test_the_api_refuses_oversize_uploads(api_as, marketer, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = api_as(marketer).post(
        "/api/assets/",
        {"title": "Big", "kind": "deck", "file": upload("big.pdf", b"%PDF-1.4" + b"0" * 4096)},
        format="multipart",
    )
    assert response.status_code == 400 and "limit" in response.json()["file"][0]
    assert not Asset.objects.exists()


def test_a_pdf_is_stored_with_a_random_name_and_downloads_as_an_attachment(
    api_as, marketer, sales_rep
):
    created = api_as(marketer).post(
        "/api/assets/",
        {"title": "Case study", "kind": "case_study", "file": pdf_upload("../Case Study.pdf")},
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    version = AssetVersion.objects.get()
    assert "Case" not in version.file.name and version.filename == "Case_Study.pdf"
    asset_id = created.json()["id"]
    assert (
        api_as(marketer)
        .patch(f"/api/assets/{asset_id}/", {"status": "published"}, format="json")
        .status_code
        == 200
    )
    download = api_as(sales_rep).get(f"/api/assets/{asset_id}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="Case_Study.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
