"""functions_email/ is a Firebase project that deploys alone and declares what it needs."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import yaml
from firebase_functions.private import serving

from .conftest import FUNCTION_DIR

PARAMS = {
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_SECURITY",
    "SMTP_TIMEOUT_SECONDS",
    "MAIL_FROM",
    "ALLOWED_RECIPIENT_DOMAINS",
}
SECRETS = {"SEND_EMAIL_SIGNING_SECRET", "SMTP_PASSWORD"}


def test_the_deploy_manifest_declares_send_email_with_its_secrets_and_params(monkeypatch):
    # What `firebase deploy` reads: the CLI runs this from the source folder.
    monkeypatch.chdir(FUNCTION_DIR)
    manifest = yaml.safe_load(serving.functions_as_yaml(serving.get_functions()))

    endpoint = manifest["endpoints"]["sendEmail"]
    assert endpoint["httpsTrigger"] == {}
    assert endpoint["platform"] == "gcfv2"
    assert {item["key"] for item in endpoint["secretEnvironmentVariables"]} == SECRETS
    declared = {param["name"]: param["type"] for param in manifest["params"]}
    assert declared == (
        dict.fromkeys(PARAMS, "string")
        | {"SMTP_PORT": "int", "SMTP_TIMEOUT_SECONDS": "int"}
        | dict.fromkeys(SECRETS, "secret")
    )


def test_no_module_of_the_function_imports_the_backend():
    for path in FUNCTION_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not [n for n in names if n.split(".")[0] in {"shared", "functions_api"}], path


def test_main_imports_from_its_folder_without_credentials_or_params():
    environment = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", "import main; print(main.sendEmail.__name__)"],
        cwd=FUNCTION_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sendEmail"


def test_firebase_json_deploys_this_folder_on_python_3_11():
    config = json.loads((FUNCTION_DIR / "firebase.json").read_text())
    [functions] = config["functions"]
    assert functions["source"] == "."
    assert functions["runtime"] == "python311"
    assert "venv" in functions["ignore"]
    assert "*.local" in functions["ignore"]  # .secret.local and .env.local stay on the laptop
    sample = json.loads((FUNCTION_DIR / ".firebaserc.sample").read_text())
    assert sample["projects"]["default"] == "demo-lms"


def test_requirements_are_the_firebase_sdks_with_bounded_versions():
    lines = [
        line.strip()
        for line in (FUNCTION_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert {re.split(r"[<>=]", line)[0] for line in lines} == {
        "firebase-functions",
        "firebase-admin",
    }
    assert all(">=" in line and "<" in line for line in lines)


def test_the_readme_documents_the_signing_scheme_the_code_uses():
    readme = (FUNCTION_DIR / "README.md").read_text()
    for fact in (
        "X-LMS-Timestamp: <timestamp>",
        "X-LMS-Signature: v1=<signature>",
        'timestamp.encode("ascii") + b"." + raw_body',
        "HMAC-SHA256",
        "300 s",
    ):
        assert fact in readme
