"""Every setting is in local.settings.sample.json and in the README's settings table."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from shared.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_in_the_local_settings_sample() -> None:
    sample = json.loads((REPO_ROOT / "local.settings.sample.json").read_text())["Values"]
    assert set(Settings.model_fields) - set(sample) == set()


def test_every_setting_has_a_row_in_the_readme_table() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Za-z_]+)` \|", section, flags=re.MULTILINE))
    assert set(Settings.model_fields) - documented == set()
    assert documented - set(Settings.model_fields) == set(), "the README lists a removed setting"


def test_the_local_settings_sample_loads_as_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    sample = json.loads((REPO_ROOT / "local.settings.sample.json").read_text())["Values"]
    for name in Settings.model_fields:
        monkeypatch.setenv(name, sample[name])
    settings = Settings.from_environ(os.environ)
    assert settings.DATABASE_URL == "sqlite:///./.lms/lms.db"
    assert settings.CORS_ORIGINS == ["http://localhost:3000"]
