"""Certificates with STORAGE=azure against a real Azurite: the queue stores the PDF in the
`certificates` container, and a download answers 307 to a short-lived, read-only SAS link
that serves the PDF as an attachment named after the certificate."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.storage.blob import BlobServiceClient

from shared import bootstrap
from tests.function_calls import json_of
from tests.functional.certificates.calls import admin_token, certified_world, download, revoke

pytestmark = [pytest.mark.azurite, pytest.mark.usefixtures("database_url")]


@pytest.fixture
def container(azurite_blob: str, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"certificates-{uuid.uuid4().hex[:12]}"  # a container per test
    monkeypatch.setenv("STORAGE", "azure")
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_blob)
    monkeypatch.setenv("CERTIFICATES_CONTAINER_NAME", name)
    monkeypatch.setenv("CERTIFICATE_DOWNLOAD_LINK_SECONDS", "120")
    bootstrap.reset()
    return name


def _get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), dict(response.headers.items())
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers.items())


def test_the_pdf_is_stored_in_the_certificates_container_and_not_on_disk(
    container: str, azurite_blob: str
) -> None:
    world = certified_world()

    blob = (
        BlobServiceClient.from_connection_string(azurite_blob)
        .get_container_client(container)
        .get_blob_client(f"{world.certificate_id}.pdf")
    )
    assert blob.download_blob().readall().startswith(b"%PDF-")
    assert blob.get_blob_properties().content_settings.content_type == "application/pdf"
    assert not Path(bootstrap.current().settings.LOCAL_STORAGE_DIR).exists()


def test_a_download_redirects_to_a_short_lived_read_only_link(container: str) -> None:
    world = certified_world()
    number = world.certificate.certificate_number

    response = download(world.student_token, world.certificate_id)

    assert response.status_code == 307
    assert response.get_body() == b""
    location = response.headers["Location"]
    assert urlsplit(location).path.endswith(f"/{container}/{world.certificate_id}.pdf")
    sas = parse_qs(urlsplit(location).query)
    assert sas["sp"] == ["r"]  # read, nothing else
    expiry = datetime.fromisoformat(sas["se"][0].replace("Z", "+00:00"))
    assert 60 < (expiry - datetime.now(UTC)).total_seconds() <= 120
    status, body, headers = _get(location)
    assert status == 200, headers
    assert body.startswith(b"%PDF-")
    headers = {name.lower(): value for name, value in headers.items()}
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"] == (
        f"attachment; filename=\"{number}.pdf\"; filename*=UTF-8''{number}.pdf"
    )


def test_the_link_reads_nothing_but_its_blob(container: str) -> None:
    world = certified_world()
    location = download(world.student_token, world.certificate_id).headers["Location"]
    other_blob = location.replace(f"/{world.certificate_id}.pdf?", "/another.pdf?")

    status, _, _ = _get(other_blob)

    assert status == 403


def test_a_revoked_certificate_gets_no_link(container: str) -> None:
    world = certified_world()
    revoke(admin_token(), world.certificate_id)

    response = download(world.student_token, world.certificate_id)

    assert response.status_code == 410
    assert "Location" not in response.headers
    assert "revoked" in json_of(response)["detail"]
