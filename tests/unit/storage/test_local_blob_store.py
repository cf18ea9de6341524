"""LocalBlobStore against a real folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.domain.errors import DependencyUnavailableError, ResourceNotFoundError
from shared.storage.local import LocalBlobStore


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "files")


def _files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_stored_blob_comes_back_byte_for_byte(store: LocalBlobStore) -> None:
    data = bytes(range(256)) * 1000
    store.put("courses/intro/slides.pdf", data, "application/pdf")
    assert store.get("courses/intro/slides.pdf") == data


def test_parts_of_a_name_become_folders_under_the_root(store: LocalBlobStore) -> None:
    store.put("courses/intro/slides.pdf", b"x", "application/pdf")
    assert (store.root / "courses" / "intro" / "slides.pdf").read_bytes() == b"x"


def test_putting_the_same_name_again_replaces_the_bytes(store: LocalBlobStore) -> None:
    store.put("avatar.png", b"first, longer version", "image/png")
    store.put("avatar.png", b"second", "image/png")
    assert store.get("avatar.png") == b"second"


def test_a_put_leaves_no_temporary_file_behind(store: LocalBlobStore) -> None:
    store.put("a/b.txt", b"x", "text/plain")
    store.put("a/b.txt", b"y", "text/plain")
    assert _files_under(store.root) == ["a/b.txt"]


def test_a_failed_put_keeps_the_old_bytes_and_no_temporary_file(
    store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put("report.csv", b"old", "text/csv")

    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        store.put("report.csv", b"new", "text/csv")
    monkeypatch.undo()

    assert store.get("report.csv") == b"old"
    assert _files_under(store.root) == ["report.csv"]


def test_exists_is_true_only_while_the_blob_is_stored(store: LocalBlobStore) -> None:
    store.put("a/b.txt", b"x", "text/plain")
    assert store.exists("a/b.txt")
    assert not store.exists("a")
    store.delete("a/b.txt")
    assert not store.exists("a/b.txt")


def test_deleting_twice_is_not_an_error(store: LocalBlobStore) -> None:
    store.put("gone.txt", b"x", "text/plain")
    store.delete("gone.txt")
    store.delete("gone.txt")
    store.delete("never/stored.txt")
    assert not store.exists("gone.txt")


def test_deleting_a_prefix_of_stored_names_deletes_nothing(store: LocalBlobStore) -> None:
    store.put("a/b.txt", b"x", "text/plain")
    store.delete("a")
    store.delete("a/b.txt/c")
    assert store.get("a/b.txt") == b"x"


def test_getting_a_missing_blob_raises_resource_not_found(store: LocalBlobStore) -> None:
    with pytest.raises(ResourceNotFoundError, match=r"missing\.txt"):
        store.get("missing.txt")


def test_getting_a_prefix_of_stored_names_raises_resource_not_found(
    store: LocalBlobStore,
) -> None:
    store.put("a/b.txt", b"x", "text/plain")
    with pytest.raises(ResourceNotFoundError):
        store.get("a")
    with pytest.raises(ResourceNotFoundError):
        store.get("a/b.txt/c")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "empty"),
        ("/etc/passwd", "absolute"),
        ("../outside.txt", "'..'"),
        ("a/../../outside.txt", "'..'"),
        ("a/./b.txt", "'.'"),
        ("a\\b.txt", "backslash"),
        ("..\\outside.txt", "backslash"),
        ("a//b.txt", "empty part"),
        ("a/", "empty part"),
        ("a\x00b", "control character"),
        ("a\nb", "control character"),
        ("x" * 1025, "at most 1024"),
    ],
)
def test_a_name_that_could_escape_or_be_rewritten_is_refused(
    store: LocalBlobStore, tmp_path: Path, name: str, reason: str
) -> None:
    for operation in (
        lambda: store.put(name, b"x", "text/plain"),
        lambda: store.get(name),
        lambda: store.delete(name),
        lambda: store.exists(name),
    ):
        with pytest.raises(ValueError, match=reason):
            operation()
    assert _files_under(tmp_path) == []


def test_a_name_with_dotdot_is_refused(store: LocalBlobStore) -> None:
    with pytest.raises(ValueError, match=r"contains '\.\.'"):
        store.put("lessons/../../../etc/cron.d/x", b"x", "text/plain")


def test_dots_inside_a_part_of_the_name_are_allowed(store: LocalBlobStore) -> None:
    store.put("v1..2/archive.tar.gz", b"x", "application/gzip")
    assert store.get("v1..2/archive.tar.gz") == b"x"


def test_check_creates_the_missing_folder(store: LocalBlobStore) -> None:
    assert not store.root.exists()
    store.check()
    assert store.root.is_dir()
    assert _files_under(store.root) == []


def test_check_passes_on_a_writable_folder_that_holds_blobs(store: LocalBlobStore) -> None:
    store.put("a.txt", b"x", "text/plain")
    store.check()
    assert _files_under(store.root) == ["a.txt"]


def test_check_raises_dependency_unavailable_when_the_folder_cannot_be_created(
    tmp_path: Path,
) -> None:
    # A file where the folder should be fails even for root, unlike a chmod.
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    store = LocalBlobStore(blocker / "files")
    with pytest.raises(DependencyUnavailableError, match="LOCAL_STORAGE_DIR is not writable"):
        store.check()


def test_the_repr_names_the_folder(tmp_path: Path) -> None:
    assert repr(LocalBlobStore(tmp_path)) == f"LocalBlobStore(root={str(tmp_path)!r})"
