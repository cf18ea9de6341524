"""infra/scripts/migrate.sh against the test PostgreSQL, with a stand-in for the Azure CLI
(Azure is not reachable here): it opens the firewall, migrates, and closes the firewall even
when the migration fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]

# Records its arguments; `keyvault secret show` prints the URL it was given.
FAKE_AZ = """#!/bin/sh
echo "$*" >> "$FAKE_AZ_LOG"
case "$*" in
  "keyvault secret show"*) printf '%s\\n' "$FAKE_DATABASE_URL" ;;
esac
"""


def run_script(tmp_path: Path, database_url: str) -> tuple[subprocess.CompletedProcess[str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "az").write_text(FAKE_AZ)
    (bin_dir / "az").chmod(0o755)
    log = tmp_path / "az.log"
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        "FAKE_AZ_LOG": str(log),
        "FAKE_DATABASE_URL": database_url,
        "AZURE_RESOURCE_GROUP": "rg-lms-test",
        "AZURE_POSTGRES_SERVER_NAME": "psql-test",
        "AZURE_KEY_VAULT_NAME": "kv-test",
        "LMS_MIGRATE_FROM_IP": "203.0.113.7",
        "LMS_PYTHON": sys.executable,
    }
    completed = subprocess.run(
        ["sh", "infra/scripts/migrate.sh"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return completed, log.read_text()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_script_migrates_through_a_firewall_rule_it_removes_after(
    database_url: str, tmp_path: Path
) -> None:
    # Key Vault's URL points at PgBouncer's port when it is on; migrations go to the server.
    url = make_url(database_url)
    through_pgbouncer = url.set(port=6432).render_as_string(hide_password=False)
    assert url.port == 5432
    completed, calls = run_script(tmp_path, through_pgbouncer)
    assert completed.returncode == 0, completed.stderr
    assert "Already at revision" in completed.stdout
    lines = calls.splitlines()
    assert lines[0].startswith("postgres flexible-server firewall-rule create")
    assert "--start-ip-address 203.0.113.7 --end-ip-address 203.0.113.7" in lines[0]
    assert lines[1].startswith("keyvault secret show --vault-name kv-test --name database-url")
    assert lines[2].startswith("postgres flexible-server firewall-rule delete")
    rule = lines[0].split("--rule-name ")[1].split()[0]
    assert f"--rule-name {rule} " in lines[2]
    assert url.password is None or url.password not in completed.stdout + completed.stderr


def test_the_firewall_rule_goes_even_when_the_migration_fails(tmp_path: Path) -> None:
    completed, calls = run_script(tmp_path, "postgresql+pg8000://lms:hunter2@127.0.0.1:1/lms")
    assert completed.returncode != 0
    assert "cannot use the database" in completed.stderr
    assert "hunter2" not in completed.stdout + completed.stderr
    assert calls.splitlines()[-1].startswith("postgres flexible-server firewall-rule delete")
