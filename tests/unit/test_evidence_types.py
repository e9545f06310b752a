"""Evidence files are typed by their content, never their name (SPEC §8), and stored with their
sha256 under a random key, 0600, nothing left behind when one is refused."""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from pathlib import Path

import pytest

from issuer.errors import PayloadTooLarge, ValidationFailed
from issuer.evidence import EvidenceStore, FileTypeRefused, Upload, UploadLimits, clean_filename
from issuer.evidence import detect as detect_type

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "evidence"


def detect(name: str, data: bytes) -> str:
    return detect_type(name, io.BytesIO(data)).media_type


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def zipped(entries: dict[str, str], *, first_stored: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            kind = zipfile.ZIP_STORED if first_stored and name == "mimetype" else None
            archive.writestr(name, text, compress_type=kind)
    return buf.getvalue()


def compound_file(stream_name: str) -> bytes:
    """An OLE2 header followed by a directory entry naming ``stream_name`` (UTF-16LE)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + stream_name.encode("utf-16-le") + b"\x00" * 64


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("lesson.pdf", "application/pdf"),
        ("pixel.png", "image/png"),
        ("photo.jpg", "image/jpeg"),
        ("interview.mp3", "audio/mpeg"),
        (
            "reflection.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_fixture_files_are_known_by_their_content(name, media_type):
    assert detect(name, fixture(name)) == media_type


def test_extension_case_does_not_matter():
    assert detect("LESSON.PDF", fixture("lesson.pdf")) == "application/pdf"


def test_opendocument_text_is_known_by_its_mimetype_entry():
    data = zipped(
        {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"},
        first_stored=True,
    )
    assert detect("plan.odt", data) == "application/vnd.oasis.opendocument.text"


def test_spreadsheet_and_slides_are_known_by_their_parts():
    xlsx = zipped({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
    pptx = zipped({"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p/>"})
    assert detect("data.xlsx", xlsx).endswith("spreadsheetml.sheet")
    assert detect("deck.pptx", pptx).endswith("presentationml.presentation")


def test_legacy_word_document_is_known_by_its_stream():
    assert detect("old.doc", compound_file("WordDocument")) == "application/msword"


def test_compound_file_without_an_office_stream_is_refused():
    with pytest.raises(FileTypeRefused):
        detect("setup.doc", compound_file("MsiDigitalSignature"))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("clip.webm", b"\x1a\x45\xdf\xa3" + b"\x00" * 32),
        ("clip.mp4", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"),
        ("voice.m4a", b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom"),
        ("note.wav", b"RIFF\x24\x00\x00\x00WAVEfmt "),
        ("note.ogg", b"OggS\x00\x02" + b"\x00" * 30),
        ("anim.gif", b"GIF89a\x01\x00\x01\x00"),
        ("pic.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 "),
        ("notes.txt", "Réflexion sur la leçon.\n".encode()),
    ],
)
def test_audio_video_images_and_text_are_accepted(name, data):
    assert detect(name, data)


def test_elf_executable_named_pdf_is_refused_naming_the_file():
    with pytest.raises(FileTypeRefused) as refused:
        detect("program.pdf", fixture("program.pdf"))
    assert refused.value.code == "file_type_refused"
    assert "program.pdf" in refused.value.message
    assert "executable" in refused.value.message


@pytest.mark.parametrize(
    "data",
    [b"MZ\x90\x00\x03\x00\x00\x00", b"#!/bin/sh\nrm -rf ~\n", b"\xcf\xfa\xed\xfe\x07\x00"],
    ids=["windows", "script", "macho"],
)
def test_other_executables_named_pdf_are_refused(data):
    with pytest.raises(FileTypeRefused):
        detect("report.pdf", data)


def test_html_named_pdf_is_refused():
    with pytest.raises(FileTypeRefused, match="HTML"):
        detect("page.pdf", fixture("page.pdf"))


def test_svg_is_refused():
    with pytest.raises(FileTypeRefused):
        detect("drawing.svg", fixture("drawing.svg"))


def test_html_named_txt_is_refused():
    with pytest.raises(FileTypeRefused):
        detect("notes.txt", b"  <html><script>alert(1)</script>")


def test_png_named_pdf_is_refused_saying_what_it_is():
    with pytest.raises(FileTypeRefused, match="PNG image"):
        detect("lesson.pdf", fixture("pixel.png"))


def test_pdf_without_an_extension_is_refused():
    with pytest.raises(FileTypeRefused):
        detect("lesson", fixture("lesson.pdf"))


def test_plain_zip_archive_is_refused():
    with pytest.raises(FileTypeRefused, match="ZIP archive"):
        detect("bundle.docx", zipped({"payload.exe": "MZ"}))


def test_damaged_zip_is_refused():
    with pytest.raises(FileTypeRefused):
        detect("broken.docx", b"PK\x03\x04" + b"\x00" * 40)


def test_empty_file_is_refused():
    with pytest.raises(FileTypeRefused, match="empty"):
        detect("empty.pdf", b"")


def test_binary_named_txt_is_refused():
    with pytest.raises(FileTypeRefused):
        detect("blob.txt", b"\x00\x01\x02\x03binary")


# --- the store ---------------------------------------------------------------------------------


def store(tmp_path: Path, **limits: int) -> EvidenceStore:
    return EvidenceStore(tmp_path / "uploads", UploadLimits(**limits))


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_stored_file_has_its_sha256_and_size_and_mode_0600(tmp_path):
    data = fixture("lesson.pdf")
    saved = store(tmp_path).save(Upload("lesson.pdf", io.BytesIO(data)))
    path = tmp_path / "uploads" / saved.storage_key
    assert (saved.sha256, saved.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "uploads").stat().st_mode) == 0o700


def test_storage_keys_are_random_and_sharded(tmp_path):
    shelf = store(tmp_path)
    keys = {shelf.save(Upload("a.png", io.BytesIO(fixture("pixel.png")))).storage_key for _ in "ab"}
    assert len(keys) == 2
    assert all(len(key.split("/")) == 3 for key in keys)


def test_file_over_the_per_file_limit_is_refused_and_not_kept(tmp_path):
    with pytest.raises(PayloadTooLarge) as refused:
        store(tmp_path, max_file_bytes=100).save(
            Upload("big.pdf", io.BytesIO(b"%PDF-" + b"x" * 200))
        )
    assert refused.value.code == "file_too_large"
    assert "big.pdf" in refused.value.message and "100 bytes" in refused.value.message
    assert files_in(tmp_path / "uploads") == []


def test_files_over_the_submission_limit_leave_nothing(tmp_path):
    shelf = store(tmp_path, max_file_bytes=300, max_submission_bytes=300)
    uploads = [Upload(f"{n}.pdf", io.BytesIO(b"%PDF-" + b"x" * 195)) for n in "ab"]
    with pytest.raises(PayloadTooLarge) as refused:
        shelf.save_all(uploads)
    assert refused.value.code == "submission_too_large"
    assert files_in(tmp_path / "uploads") == []


def test_a_refused_type_among_good_files_leaves_nothing(tmp_path):
    uploads = [
        Upload("lesson.pdf", io.BytesIO(fixture("lesson.pdf"))),
        Upload("program.pdf", io.BytesIO(fixture("program.pdf"))),
    ]
    with pytest.raises(FileTypeRefused):
        store(tmp_path).save_all(uploads)
    assert files_in(tmp_path / "uploads") == []


def test_too_many_files_are_refused(tmp_path):
    uploads = [Upload(f"{n}.png", io.BytesIO(fixture("pixel.png"))) for n in range(3)]
    with pytest.raises(ValidationFailed) as refused:
        store(tmp_path, max_files=2).save_all(uploads)
    assert refused.value.code == "too_many_files"
    assert files_in(tmp_path / "uploads") == []


def test_keys_that_are_not_the_stores_own_are_not_opened(tmp_path):
    with pytest.raises(Exception, match="No such stored file"):
        store(tmp_path).open("../../etc/passwd")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("C:\\Users\\ada\\lesson.pdf", "lesson.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("re\x00port\u202e.pdf", "report.pdf"),
        ("Leçon.pdf", "Leçon.pdf"),
    ],
)
def test_filenames_lose_folders_and_control_characters(given, kept):
    assert clean_filename(given) == kept
