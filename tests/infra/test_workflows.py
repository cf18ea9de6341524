"""The workflows, read as YAML: what zizmor and checkov do not insist on, or could not know
(this project's test command, its environments, which job may get an Azure token)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
NAMES = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(name: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (job_name, step)
        for job_name, job in load(name)["jobs"].items()
        for step in job.get("steps", [])
    ]


def test_the_four_workflows_exist() -> None:
    assert {"ci.yml", "security.yml", "infra.yml", "deploy.yml"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_workflows_grant_nothing_at_the_top_and_each_job_what_it_needs(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {}
    for job_name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{name}: job {job_name} names no permissions"


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_pinned_to_a_commit_with_its_tag_in_a_comment(name: str) -> None:
    for line in (WORKFLOWS / name).read_text().splitlines():
        match = re.match(r"^\s*(?:- )?uses: (.+)$", line)
        if not match:
            continue
        reference = match.group(1).split(" # zizmor:")[0].strip()
        if reference.startswith("./"):
            continue  # this repository's own reusable workflows
        assert PINNED.match(reference), (
            f"{name}: {reference!r} is not pinned as owner/repo@sha # vX"
        )


@pytest.mark.parametrize("name", NAMES)
def test_checkouts_keep_no_credentials(name: str) -> None:
    for job_name, step in steps(name):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, f"{name}:{job_name}"


@pytest.mark.parametrize("name", NAMES)
def test_no_expression_is_expanded_inside_a_shell_script(name: str) -> None:
    # Values reach `run:` through `env:`, so no input can become shell code.
    for job_name, step in steps(name):
        assert "${{" not in step.get("run", ""), f"{name}:{job_name}: {step.get('name')}"


@pytest.mark.parametrize("name", NAMES)
def test_only_jobs_that_sign_in_to_azure_may_ask_for_a_token(name: str) -> None:
    for job_name, job in load(name)["jobs"].items():
        wants_token = job.get("permissions", {}).get("id-token") == "write"
        signs_in = any(s.get("uses", "").startswith("azure/login@") for s in job.get("steps", []))
        assert wants_token == signs_in, f"{name}:{job_name}"


def test_ci_runs_the_readme_test_command_on_311_to_313_with_postgresql() -> None:
    ci = load("ci.yml")
    test = ci["jobs"]["test"]
    assert test["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"]
    assert "continue-on-error" not in test  # every version is a gate
    assert test["services"]["postgres"]["image"] == "postgres:16"
    assert test["env"]["TEST_DATABASES"] == "all"
    assert "TEST_POSTGRES_URL" in test["env"]
    runs = [s.get("run", "") for s in test["steps"]]
    assert any(r.startswith("make test") for r in runs)  # ruff, mypy, tests, coverage floor
    assert any(s.get("uses", "").startswith("actions/setup-node@") for s in test["steps"])
    gates = [s.get("run", "") for s in ci["jobs"]["gates"]["steps"]]
    assert any(r.startswith("make infra-check") for r in gates)
    assert "workflow_call" in ci["on"]


def test_security_audits_weekly_with_every_tool() -> None:
    security = load("security.yml")
    assert security["on"]["schedule"]
    text = (WORKFLOWS / "security.yml").read_text()
    assert "pip-audit --strict" in text
    assert "make bandit" in text and "zizmor" in text
    assert any(
        s.get("uses", "").startswith("gitleaks/gitleaks-action@") for _, s in steps("security.yml")
    )


def test_infra_previews_pull_requests_and_deploys_main_in_production() -> None:
    infra = load("infra.yml")
    assert "pull_request" in infra["on"]
    what_if = infra["jobs"]["what-if"]
    assert "pull_request" in what_if["if"]
    assert any("az deployment sub what-if" in s.get("run", "") for s in what_if["steps"])
    assert any("az bicep build" in s.get("run", "") for s in infra["jobs"]["build"]["steps"])
    deploy = infra["jobs"]["deploy"]
    assert deploy["environment"] == "production"
    assert deploy["concurrency"] == {"group": "production-azure", "cancel-in-progress": False}


def test_deploys_wait_for_tests_and_security_and_never_overlap() -> None:
    deploy = load("deploy.yml")
    jobs = deploy["jobs"]
    assert jobs["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert jobs["security"]["uses"] == "./.github/workflows/security.yml"
    for name in ("api", "email"):
        job = jobs[name]
        assert set(job["needs"]) == {"ci", "security"}
        environment = job["environment"]
        assert (
            environment if isinstance(environment, str) else environment["name"]
        ) == "production"
        assert job["concurrency"]["cancel-in-progress"] is False
    # infra.yml and deploy.yml change the same resources: one group for both.
    assert (
        jobs["api"]["concurrency"]["group"]
        == load("infra.yml")["jobs"]["deploy"]["concurrency"]["group"]
    )


def test_the_api_deploy_migrates_first_and_checks_health_after() -> None:
    names = [s.get("name", s.get("uses", "")) for s in load("deploy.yml")["jobs"]["api"]["steps"]]
    runs = {s.get("name"): s.get("run", "") for s in load("deploy.yml")["jobs"]["api"]["steps"]}
    order = [
        next(i for i, n in enumerate(names) if n.startswith("azure/login@")),
        names.index("migrate the database"),
        names.index("deploy the Function App"),
        names.index("health check"),
    ]
    assert order == sorted(order)
    assert "infra/scripts/migrate.sh" in runs["migrate the database"]
    assert "/api/v1/ready" in runs["health check"]


def test_the_email_deploy_uses_a_service_account_it_removes_after() -> None:
    job = load("deploy.yml")["jobs"]["email"]
    (deploy,) = [s for s in job["steps"] if s.get("name") == "deploy sendEmail"]
    assert deploy["env"]["FIREBASE_SERVICE_ACCOUNT"] == "${{ secrets.FIREBASE_SERVICE_ACCOUNT }}"
    assert "trap 'rm -f \"$key\"' EXIT" in deploy["run"]
    assert "deploy" in deploy["run"] and "--only functions" in deploy["run"]


def test_dependabot_keeps_the_pinned_actions_current() -> None:
    config = yaml.safe_load((WORKFLOWS.parent / "dependabot.yml").read_text())
    ecosystems = {u["package-ecosystem"] for u in config["updates"]}
    assert "github-actions" in ecosystems


def test_the_deploy_installs_and_ships_the_locked_versions() -> None:
    deploy = load("deploy.yml")
    runs = "\n".join(
        s.get("run", "") for job in deploy["jobs"].values() for s in job.get("steps", [])
    )
    assert "pip install --quiet -r requirements.txt -c requirements.lock" in runs
    # The package's requirements.txt, which the remote build installs, is the lock.
    assert 'cp requirements.lock "$RUNNER_TEMP/locked/requirements.txt"' in runs
