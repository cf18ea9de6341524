"""Run checkov on one framework and directory, and fail on what checkov itself lets pass.

checkov exits 0 on a file it cannot parse (it counts it under `parsing_errors` and checks
nothing in it), so a Bicep construct its parser does not know would silently switch the scan
off. This gate fails on any parsing error, any failed check, and on a scan that saw nothing.

Usage: python .ci/checkov_gate.py CHECKOV FRAMEWORK DIRECTORY
"""

from __future__ import annotations

import json
import subprocess
import sys


def main(checkov: str, framework: str, directory: str) -> int:
    completed = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [
            checkov,
            "--framework",
            framework,
            "--skip-download",
            "--quiet",
            "--compact",
            "--output",
            "json",
            "--directory",
            directory,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        reports = json.loads(completed.stdout)
    except json.JSONDecodeError:
        print(completed.stdout + completed.stderr, file=sys.stderr)
        print(f"checkov gave no JSON report for {directory} (exit {completed.returncode})")
        return 1
    problems = []
    checked = 0
    for report in reports if isinstance(reports, list) else [reports]:
        summary = report["summary"]
        checked += summary["passed"] + summary["failed"] + summary["skipped"]
        if summary["parsing_errors"]:
            problems.append(
                f"{summary['parsing_errors']} file(s) in {directory} could not be parsed, so "
                "checkov checked nothing in them: keep to the syntax its parser knows"
            )
        for failed in report["results"].get("failed_checks", []):
            problems.append(
                f"{failed['check_id']} {failed['check_name']}: {failed['resource']} "
                f"({failed['file_path']}:{failed['file_line_range'][0]}); fix it, or skip it "
                "in the resource with a reason (//checkov:skip=ID: why)"
            )
    if not checked:
        problems.append(f"checkov ran no check on {directory}: is the framework right?")
    for problem in problems:
        print(f"checkov-gate: {problem}")
    if not problems:
        print(f"checkov-gate: {framework} on {directory}: {checked} checks, no failure")
    return 1 if problems or completed.returncode else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
