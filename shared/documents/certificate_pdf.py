"""A certificate as a PDF: A4 landscape, the names and dates as real text, and a QR code.

fpdf2 lays the page out; the text is set in DejaVu Sans (shared/documents/fonts, Bitstream
Vera licence), embedded and subset, so a name in Greek, Cyrillic, Hebrew, Arabic or any other
script the font covers renders on every reader, and HarfBuzz (uharfbuzz) shapes it, so Arabic
letters join and right-to-left names read right to left. The text stays text: a reader can
search it and `pdftotext` extracts it. The QR code (segno) is drawn as vector squares, so it
stays sharp at any zoom and costs no image library.

fpdf2 and segno are imported on first use: only the certificates queue renders PDFs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
PAGE_WIDTH, PAGE_HEIGHT = 297.0, 210.0  # A4 landscape, in millimetres
MARGIN = 18.0
QR_SIZE = 38.0
INK = (31, 41, 55)
ACCENT = (37, 99, 235)
MUTED = (82, 96, 109)


@dataclass(frozen=True)
class CertificateDocument:
    """What a certificate shows."""

    student_name: str
    course_title: str
    instructor_name: str
    completion_date: datetime
    certificate_number: str
    verify_url: str
    issuer_name: str


def display_date(moment: datetime) -> str:
    """'5 December 2026': a date no reader can take for another (unlike 05/12/2026)."""
    return f"{moment.day} {moment:%B %Y}"


def render_certificate_pdf(document: CertificateDocument) -> bytes:
    """The certificate as the bytes of a PDF file."""
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(f"Certificate {document.certificate_number}")
    pdf.set_author(document.issuer_name)
    pdf.set_subject(f"Certificate of completion: {document.course_title}")
    pdf.set_creator(document.issuer_name)
    # The creation date is the issue's, not the rendering's, so the same certificate renders
    # to the same document on every retry.
    pdf.set_creation_date(document.completion_date)
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    _frame(pdf)
    _body(pdf, document)
    _footer(pdf, document)
    return bytes(pdf.output())


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, PAGE_WIDTH - 16, PAGE_HEIGHT - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, PAGE_WIDTH - 22, PAGE_HEIGHT - 22)


def _centred(pdf: FPDF, text: str, size: float, *, bold: bool = False, gap: float = 4) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    # multi_cell wraps a long title onto further lines instead of running off the page.
    pdf.multi_cell(PAGE_WIDTH - 2 * MARGIN - 10, size * 0.5, text, align="C", new_x="LMARGIN")
    pdf.ln(gap)


def _body(pdf: FPDF, document: CertificateDocument) -> None:
    pdf.set_left_margin(MARGIN + 5)
    pdf.set_y(30)
    pdf.set_text_color(*ACCENT)
    _centred(pdf, "Certificate of Completion", 30, bold=True, gap=8)
    pdf.set_text_color(*MUTED)
    _centred(pdf, "This certifies that", 13)
    pdf.set_text_color(*INK)
    _centred(pdf, document.student_name, 26, bold=True, gap=6)
    pdf.set_text_color(*MUTED)
    _centred(pdf, "has completed the course", 13)
    pdf.set_text_color(*INK)
    _centred(pdf, document.course_title, 20, bold=True, gap=4)
    pdf.set_text_color(*MUTED)
    _centred(pdf, f"taught by {document.instructor_name}", 13)


def _footer(pdf: FPDF, document: CertificateDocument) -> None:
    top = PAGE_HEIGHT - MARGIN - QR_SIZE
    pdf.set_text_color(*INK)
    pdf.set_xy(MARGIN + 5, top + 8)
    pdf.set_font(FONT, "", 11)
    pdf.cell(0, 6, f"Completed on {display_date(document.completion_date)}", new_x="LMARGIN")
    pdf.ln(7)
    pdf.cell(0, 6, f"Certificate number {document.certificate_number}", new_x="LMARGIN")
    pdf.ln(7)
    pdf.set_text_color(*MUTED)
    pdf.set_font(FONT, "", 8)
    pdf.cell(0, 5, f"Issued by {document.issuer_name}. Verify it at", new_x="LMARGIN")
    pdf.ln(4)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 5, document.verify_url, link=document.verify_url, new_x="LMARGIN")
    _qr_code(pdf, document.verify_url, PAGE_WIDTH - MARGIN - QR_SIZE, top, QR_SIZE)


def _qr_code(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """`data` as a QR code of `size` mm square (quiet zone included) at (x, y)."""
    import segno

    code = segno.make_qr(data, error="m")
    rows = [list(row) for row in code.matrix_iter(scale=1, border=4)]
    module = size / len(rows)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(rows):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column  # one rectangle per run of dark modules: fewer, seamless shapes
            while column < len(row) and row[column]:
                column += 1
            pdf.rect(
                x + start * module, y + row_index * module, (column - start) * module, module, "F"
            )
    pdf.link(x, y, size, size, data)
