"""Real files of every allowed kind, made by the tests (nothing downloaded), and impostors.

PDF by fpdf2, images by Pillow, Office documents as the zip packages Word, Excel and
PowerPoint write (content types, relationships, the main part), media by their containers'
real headers.
"""

from __future__ import annotations

import io
import struct
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{part}"/></Relationships>'
)
_OOXML = "application/vnd.openxmlformats-officedocument"
_OFFICE_PARTS = {
    "docx": (
        "word/document.xml",
        f"{_OOXML}.wordprocessingml.document.main+xml",
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>Lecture notes</w:t></w:r></w:p></w:body></w:document>",
    ),
    "xlsx": (
        "xl/workbook.xml",
        f"{_OOXML}.spreadsheetml.sheet.main+xml",
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheets><sheet name="Grades" sheetId="1"/></sheets></workbook>',
    ),
    "pptx": (
        "ppt/presentation.xml",
        f"{_OOXML}.presentationml.presentation.main+xml",
        '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>',
    ),
}


def office(extension: str) -> bytes:
    part, content_type, xml = _OFFICE_PARTS[extension]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml", _CONTENT_TYPES.format(part=part, content_type=content_type)
        )
        package.writestr("_rels/.rels", _RELS.format(part=part))
        package.writestr(part, xml)
    return buffer.getvalue()


def pdf(text: str = "Certificate of reading") -> bytes:
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text=text)
    return bytes(document.output())


def image(extension: str, size: tuple[int, int] = (32, 24)) -> bytes:
    from PIL import Image

    formats = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 60, 30)).save(buffer, formats[extension])
    return buffer.getvalue()


def mp4() -> bytes:
    ftyp = b"ftyp" + b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41"
    free = b"free" + bytes(64)
    mdat = b"mdat" + bytes(1024)
    return b"".join(struct.pack(">I", len(box) + 4) + box for box in (ftyp, free, mdat))


def mp3() -> bytes:
    # An ID3v2.4 tag (no frames), then MPEG-1 Layer III frames, 128 kbit/s, 44.1 kHz.
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    frame = b"\xff\xfb\x90\x64" + bytes(413)
    return tag + frame * 4


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes/week1.txt", "Week 1: introductions\n")
    return buffer.getvalue()


def text() -> bytes:
    return "Reading list\n- Knuth, TAOCP, vol. 1\n- Dijkstra, EWD 1036 — naïve set\n".encode()


def csv() -> bytes:
    return b"student,score\nada,97\ngrace,93\n"


def executable() -> bytes:
    """A Windows PE stub: what a renamed .exe starts with."""
    return b"MZ" + b"\x90\x00" * 29 + struct.pack("<I", 64) + b"PE\x00\x00" + bytes(200)


def html() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


SAMPLES = {
    "pdf": pdf,
    "docx": lambda: office("docx"),
    "xlsx": lambda: office("xlsx"),
    "pptx": lambda: office("pptx"),
    "jpg": lambda: image("jpg"),
    "jpeg": lambda: image("jpeg"),
    "png": lambda: image("png"),
    "gif": lambda: image("gif"),
    "webp": lambda: image("webp"),
    "mp4": mp4,
    "mp3": mp3,
    "zip": zip_archive,
    "txt": text,
    "csv": csv,
}


def sample(extension: str) -> bytes:
    return SAMPLES[extension]()
