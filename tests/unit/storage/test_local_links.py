"""Signed links to the local folder's files: what they open, and what they refuse."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from shared.storage.local import LocalBlobStore
from shared.storage.local_links import LOCAL_DOWNLOAD_PATH, LinkRefused, LocalLinks
from tests.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(tmp_path: Path, clock: ManualClock) -> LocalBlobStore:
    links = LocalLinks(tmp_path, "a-secret-key-of-the-test-suite-000000", clock)
    store = LocalBlobStore(tmp_path / "files", links)
    store.put("uploads/a1.pdf", b"%PDF-1.4 hello", "application/pdf")
    return store


def link_of(store: LocalBlobStore, expires_in: int = 60) -> str:
    url = store.download_url(
        "uploads/a1.pdf",
        filename="Résumé.pdf",
        content_type="application/pdf",
        expires_in=expires_in,
    )
    assert url is not None
    return url


def query(url: str) -> str:
    parts = urlsplit(url)
    assert parts.path == LOCAL_DOWNLOAD_PATH
    return parts.query


def test_a_link_opens_its_file_with_the_name_and_type_it_was_made_for(
    store: LocalBlobStore, tmp_path: Path
) -> None:
    assert store.links is not None
    opened = store.links.open(query(link_of(store)))

    assert opened.path == tmp_path / "files" / "uploads" / "a1.pdf"
    assert (opened.filename, opened.content_type) == ("Résumé.pdf", "application/pdf")


def test_a_store_without_links_hands_out_none(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    assert (
        store.download_url("a.txt", filename="a.txt", content_type="text/plain", expires_in=60)
        is None
    )


def test_a_link_expires(store: LocalBlobStore, clock: ManualClock) -> None:
    assert store.links is not None
    url = link_of(store, expires_in=60)
    clock.advance(seconds=59)
    store.links.open(query(url))
    clock.advance(seconds=1)

    with pytest.raises(LinkRefused) as refused:
        store.links.open(query(url))

    assert (refused.value.status, refused.value.detail) == (
        403,
        "This download link has expired; ask for a new one",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"path": "files/uploads/other.pdf"},
        {"path": "../secret"},
        {"name": "x.html"},
        {"type": "text/html"},
        {"expires": "99999999999"},
        {"sig": "0" * 64},
        {"sig": "\u00ff\u00fe"},  # non-ASCII: compare_digest on str would raise TypeError
        {"expires": "\u00b2"},  # "²".isdigit() holds, int("²") raises
    ],
)
def test_a_changed_link_is_refused(store: LocalBlobStore, change: dict[str, str]) -> None:
    assert store.links is not None
    fields = dict(parse_qsl(query(link_of(store))))

    with pytest.raises(LinkRefused) as refused:
        store.links.open(urlencode({**fields, **change}))

    assert refused.value.status == 403


def test_a_link_made_with_another_key_is_refused(
    store: LocalBlobStore, tmp_path: Path, clock: ManualClock
) -> None:
    other = LocalLinks(tmp_path, "another-secret-key-of-the-suite-00000", clock)

    with pytest.raises(LinkRefused):
        other.open(query(link_of(store)))


def test_a_link_to_a_removed_file_answers_404(store: LocalBlobStore) -> None:
    assert store.links is not None
    url = link_of(store)
    store.delete("uploads/a1.pdf")

    with pytest.raises(LinkRefused) as refused:
        store.links.open(query(url))

    assert refused.value.status == 404
