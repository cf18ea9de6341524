"""The PDF as a reader sees it: rendered to PNG by poppler's pdftoppm, its text layer read
by pdftotext, and its QR code decoded from the image by zxing-cpp.

poppler-utils is a system package (.ci/run installs it); without it these tests fail, never
skip, so CI cannot pass without looking at a certificate.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from shared import bootstrap
from tests.functional.certificates.calls import certified_world, download

pytestmark = pytest.mark.usefixtures("database_url")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install poppler-utils (.ci/run does)", pytrace=False)
    return path


def _pdf_of(token: str, certificate_id: object, folder: Path) -> Path:
    response = download(token, str(certificate_id))
    assert response.status_code == 200
    path = folder / "certificate.pdf"
    path.write_bytes(response.get_body())
    return path


def _text_layer(pdf: Path) -> str:
    result = subprocess.run(
        [_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    )
    return " ".join(result.stdout.split())


def _qr_codes(pdf: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    subprocess.run(
        [_tool("pdftoppm"), "-png", "-r", "150", "-singlefile", str(pdf), str(pdf.with_suffix(""))],
        check=True,
    )
    with Image.open(pdf.with_suffix(".png")) as image:
        return [code.text for code in zxingcpp.read_barcodes(image)]


def test_the_pdf_shows_who_what_when_and_its_number_and_links_to_its_verification(
    tmp_path: Path,
) -> None:
    world = certified_world(
        student_name="Katherine Johnson", course_title="Orbital Mechanics", completed_days_ago=0
    )
    certificate = world.certificate
    pdf = _pdf_of(world.student_token, certificate.id, tmp_path)

    text = _text_layer(pdf)
    completed = certificate.completion_date
    assert "Certificate of Completion" in text
    assert "Katherine Johnson" in text
    assert "Orbital Mechanics" in text
    assert "taught by Dorothy Vaughan" in text
    assert f"Completed on {completed.day} {completed:%B %Y}" in text
    assert certificate.certificate_number in text
    verify_url = (
        f"http://localhost:7071/api/v1/certificates/verify/{certificate.certificate_number}"
    )
    assert _qr_codes(pdf) == [verify_url]


def test_the_pdf_is_one_a4_landscape_page(tmp_path: Path) -> None:
    world = certified_world()
    pdf = _pdf_of(world.student_token, world.certificate_id, tmp_path)

    info = subprocess.run(
        [_tool("pdfinfo"), str(pdf)], capture_output=True, check=True, text=True
    ).stdout

    assert "Pages:           1" in info
    assert "841.89 x 595.28 pts (A4)" in info


def test_names_in_other_scripts_are_real_text_in_the_embedded_font(tmp_path: Path) -> None:
    world = certified_world(
        student_name="Αικατερίνη Джонсон مريم", course_title="Ορμή και Ενέργεια"
    )
    pdf = _pdf_of(world.student_token, world.certificate_id, tmp_path)

    text = _text_layer(pdf)
    fonts = subprocess.run(
        [_tool("pdffonts"), str(pdf)], capture_output=True, check=True, text=True
    ).stdout

    assert "Αικατερίνη Джонсон" in text
    assert "مريم" in text
    assert "Ορμή και Ενέργεια" in text
    assert "DejaVuSans" in fonts
    assert all(" yes " in line for line in fonts.splitlines()[2:])  # every font embedded


def test_with_a_frontend_the_qr_code_leads_to_its_verification_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTEND_BASE_URL", "https://learn.example.org/")
    bootstrap.reset()
    world = certified_world()
    number = world.certificate.certificate_number

    pdf = _pdf_of(world.student_token, world.certificate_id, tmp_path)

    assert _qr_codes(pdf) == [f"https://learn.example.org/certificates/verify/{number}"]


def test_the_pdf_lives_in_the_certificates_folder_of_local_storage() -> None:
    world = certified_world()
    folder = bootstrap.current().settings.LOCAL_STORAGE_DIR / "certificates"

    stored = folder / f"{world.certificate_id}.pdf"

    assert stored.read_bytes().startswith(b"%PDF-")
    assert [path.name for path in folder.iterdir()] == [stored.name]
