"""The locks (`make lock`) pin every requirement of requirements*.txt, within its bounds.

A requirement added, removed from the lock or given bounds its pin no longer meets fails here,
offline: run `make lock` and commit the lock files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
FIX = "the lock is out of date with requirements*.txt: run `make lock` and commit the lock files"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)")


def requirements(path: Path) -> list[Requirement]:
    """The requirements of a requirements file and the files it includes with -r."""
    found: list[Requirement] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#") or line.startswith("-e"):
            continue
        if line.startswith("-r"):
            found += requirements(path.parent / line[2:].strip())
            continue
        found.append(Requirement(line))
    return found


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


@pytest.mark.parametrize(
    ("inputs", "lock"),
    [("requirements-dev.txt", "requirements-dev.lock"), ("requirements.txt", "requirements.lock")],
)
def test_every_requirement_is_pinned_within_its_bounds(inputs: str, lock: str) -> None:
    pinned = pins(ROOT / lock)
    for requirement in requirements(ROOT / inputs):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in {lock}; {FIX}"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {requirement.name}=={pinned[name]}, outside {requirement.specifier}; "
            f"{FIX}"
        )


def test_azure_installs_the_versions_the_tests_ran() -> None:
    deployed, tested = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    different = {n: (v, tested.get(n)) for n, v in deployed.items() if tested.get(n) != v}
    assert not different, f"requirements.lock and requirements-dev.lock differ: {different}; {FIX}"


def test_the_local_extra_is_locked_too() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = pins(ROOT / "requirements-dev.lock")
    for line in project["optional-dependencies"]["local"]:
        requirement = Requirement(line)
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None and requirement.specifier.contains(version), FIX
