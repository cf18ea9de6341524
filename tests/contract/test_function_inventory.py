"""Every function the app registers, with its trigger, route and methods, as a reviewed list.

A new, renamed or re-routed function changes tests/contract/functions.json, so the change is
visible in review. After a deliberate change: UPDATE_CONTRACT=1 pytest tests/contract
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from shared.http import ROUTES
from tests.function_calls import functions_by_name

SNAPSHOT = Path(__file__).with_name("functions.json")
REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTION_NAME = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")


def _describe(function: Any) -> dict[str, Any]:
    trigger = function.get_trigger().get_dict_repr()
    entry: dict[str, Any] = {"name": function.get_function_name(), "trigger": trigger["type"]}
    if trigger["type"] == "httpTrigger":
        entry["methods"] = sorted(str(getattr(m, "value", m)) for m in trigger["methods"])
        entry["route"] = trigger["route"]
        entry["access"] = str(ROUTES[entry["name"]].access)
        entry["rate_limit"] = ROUTES[entry["name"]].rate_limit
    elif trigger["type"] == "serviceBusTrigger":
        entry["queue"] = trigger["queueName"]
        entry["connection"] = trigger["connection"]
    elif trigger["type"] == "timerTrigger":
        entry["schedule"] = trigger["schedule"]
    return entry


def current_inventory() -> list[dict[str, Any]]:
    return sorted((_describe(f) for f in functions_by_name().values()), key=lambda e: e["name"])


def test_registered_functions_match_the_reviewed_inventory() -> None:
    inventory = current_inventory()
    if os.environ.get("UPDATE_CONTRACT"):
        SNAPSHOT.write_text(json.dumps(inventory, indent=2) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    assert inventory == expected, (
        "the registered functions changed; review the difference, then run "
        "UPDATE_CONTRACT=1 pytest tests/contract to record it"
    )


def test_every_http_function_goes_through_a_router() -> None:
    http_names = {e["name"] for e in current_inventory() if e["trigger"] == "httpTrigger"}
    assert http_names - set(ROUTES) == set()


def test_function_names_read_resource_then_action() -> None:
    for name in functions_by_name():
        assert FUNCTION_NAME.match(name), f"{name} is not <resource>_<action>"


def _functions_registered_with(role: str) -> set[str]:
    script = (
        "import function_app\n"
        "print('\\n'.join(f.get_function_name() for f in function_app.app.get_functions()))"
    )
    env = {**os.environ, "APP_ROLE": role}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_app_role_splits_the_package_into_an_api_app_and_a_jobs_app() -> None:
    every = set(functions_by_name())
    api = _functions_registered_with("api")
    jobs = _functions_registered_with("jobs")
    assert api | jobs == every
    assert not api & jobs
    assert "health_check" in api
    assert _functions_registered_with("all") == every
