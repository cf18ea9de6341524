"""Every operation of /openapi.json, fuzzed by schemathesis against `lms serve` with a signed-in
admin (the role that may call the most routes): no server error, and every answer matches the
document: status, content type, body schema and headers.

Stateless phases (coverage and fuzzing); logout, change-password and user updates are left out
because they would sign the admin out, or demote it, half-way through the run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from openapi_spec_validator import validate

from shared.http import ROUTES
from shared.services.demo import ADMIN
from tests.e2e.host_process import HostProcess, host_environment, run_lms
from tests.function_calls import functions_by_name

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,response_headers_conformance"
)
SIGN_OUTS = ("auth_logout", "auth_change_password", "users_update")


def _sign_in(url: str) -> str:
    request = urllib.request.Request(
        f"{url}/api/v1/auth/login",
        data=json.dumps({"email": ADMIN.email, "password": ADMIN.password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.load(response)["tokens"]["access_token"])


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(
    tmp_path: Path,
) -> None:
    # High rate limits: thousands of requests from one address must reach the routes.
    env = host_environment(
        f"sqlite:///{tmp_path}/lms.db",
        tmp_path,
        MAILDIR_PATH=str(tmp_path / "mail"),
        RATE_LIMIT_REQUESTS_PER_MINUTE="1000000",
        AUTH_RATE_LIMIT_REQUESTS_PER_MINUTE="1000000",
    )
    assert run_lms("migrate", env=env).returncode == 0
    seeded = run_lms("seed-demo", env=env)
    assert seeded.returncode == 0, seeded.stderr
    host = HostProcess(env)
    try:
        url = host.wait_until_listening()
        with urllib.request.urlopen(f"{url}/openapi.json", timeout=30) as response:
            validate(json.load(response))
        token = _sign_in(url)
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{url}/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--phases",
            "coverage,fuzzing",
            "--max-examples",
            "5",
            "--workers",
            "1",
            "--seed",
            "1",
            "--checks",
            CHECKS,
            "--report-dir",
            str(tmp_path / "schemathesis"),
        ]
        for operation_id in SIGN_OUTS:
            command += ["--exclude-operation-id", operation_id]
        run = subprocess.run(command, capture_output=True, text=True, timeout=540)
    finally:
        host.stop()
    summary = run.stdout[-4000:]
    assert run.returncode == 0, summary + run.stderr[-2000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert counts is not None, summary
    generated, passed = map(int, counts.groups())
    assert generated == passed and generated > 1000, summary
    functions_by_name()  # registers every route
    expected = sum(1 for route in ROUTES.values() if route.in_schema) - len(SIGN_OUTS)
    assert f"Tested: {expected}" in run.stdout, summary
