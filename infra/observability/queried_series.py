"""Which series the alert rules and the dashboards query, and which of them a scrape lacks.

    python infra/observability/queried_series.py < scrape.txt   # prints what nothing emits

Standard library only: `lms ops-stack` and the tests both use it. The metric names are read
from the PromQL text (label matchers, ranges, strings and grouping clauses taken out first);
`up` and the ALERTS series are Prometheus's own.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = HERE / "prometheus" / "alerts.yml"
DASHBOARDS = HERE / "grafana" / "dashboards"
PROMETHEUS_OWN = frozenset({"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds"})

_KEYWORDS = frozenset(
    [
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "and",
        "or",
        "unless",
        "bool",
        "offset",
        "inf",
        "nan",
    ]
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACES = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NAME = re.compile(r"(?<![\w:.$])([A-Za-z_:][A-Za-z0-9_:]*)\b(?!\s*\()")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads."""
    text = _STRING.sub('""', expr)
    text = _BRACES.sub("", text)
    text = _RANGE.sub("", text)
    text = _GROUPING.sub("", text)
    text = re.sub(r"\$\w+", "", text)
    return {name for name in _NAME.findall(text) if name.lower() not in _KEYWORDS}


def rule_expressions(path: Path = RULES) -> Iterator[tuple[str, str]]:
    """(alert name, expression) of each rule; the file's own simple layout, no YAML library:
    `- alert: NAME` then `expr:` on one line or as a `|` block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    name = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped.startswith("- alert:"):
            name = stripped.split(":", 1)[1].strip()
        elif stripped.startswith("expr:"):
            value = stripped.split(":", 1)[1].strip()
            if value in ("|", ">"):
                indent = len(line) - len(line.lstrip())
                block: list[str] = []
                index += 1
                while index < len(lines) and (
                    not lines[index].strip()
                    or len(lines[index]) - len(lines[index].lstrip()) > indent
                ):
                    block.append(lines[index].strip())
                    index += 1
                yield name, " ".join(block)
                continue
            yield name, value
        index += 1


def panel_expressions(folder: Path = DASHBOARDS) -> Iterator[tuple[str, str]]:
    """(dashboard / panel title, expression) of every panel target of every dashboard."""
    for path in sorted(folder.glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                yield f"{path.stem} / {panel['title']}", target["expr"]


def queried() -> dict[str, set[str]]:
    """Metric name -> the rules and panels that query it."""
    users: dict[str, set[str]] = {}
    for where, expr in [*rule_expressions(), *panel_expressions()]:
        for name in metric_names(expr):
            users.setdefault(name, set()).add(where)
    return users


def emitted_names(exposition: str) -> set[str]:
    """The sample names of a Prometheus text exposition (histograms: _bucket, _count, _sum)."""
    names = set()
    for line in exposition.splitlines():
        if line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names


def missing(exposition: str, ignore: Iterable[str] = ()) -> dict[str, set[str]]:
    """The queried metrics a scrape does not have, with who queries them."""
    have = emitted_names(exposition) | PROMETHEUS_OWN | set(ignore)
    return {name: users for name, users in sorted(queried().items()) if name not in have}


if __name__ == "__main__":
    absent = missing(sys.stdin.read())
    for name, users in absent.items():
        print(f"{name}: queried by {', '.join(sorted(users))}")
    sys.exit(1 if absent else 0)
