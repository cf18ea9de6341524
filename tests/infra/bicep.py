"""Just enough of a Bicep reader for the infra tests: resources, params, vars and app settings.

The bicep CLI cannot be installed here (it downloads from GitHub), so the tests read the text.
Each declaration is found by its keyword at the start of a line and its body by matching
brackets, skipping strings and comments, so a test can ask "which properties does this
resource set" without a full parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

INFRA = Path(__file__).resolve().parents[2] / "infra"
_OPENERS = {"{": "}", "[": "]", "(": ")"}


@dataclass(frozen=True)
class Resource:
    file: str
    symbol: str
    type: str
    api_version: str
    body: str

    def __repr__(self) -> str:
        return f"<Resource {self.file}:{self.symbol} {self.type}>"


def read(name: str) -> str:
    return (INFRA / name).read_text()


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


def _block(text: str, start: int) -> str:
    """The bracketed block opening at text[start], brackets included."""
    stack: list[str] = []
    i = start
    while i < len(text):
        char = text[i]
        if char == "'":
            i = text.index("'", i + 1)
            while text[i - 1] == "\\":
                i = text.index("'", i + 1)
        elif text.startswith("//", i):
            i = text.index("\n", i)
        elif char in _OPENERS:
            stack.append(_OPENERS[char])
        elif stack and char == stack[-1]:
            stack.pop()
            if not stack:
                return text[start : i + 1]
        i += 1
    raise ValueError(f"unbalanced block at {start}")


_RESOURCE = re.compile(r"^resource (\w+) '([^'@]+)@([^']+)'(?: existing)? = ", re.MULTILINE)


def resources(name: str | None = None) -> list[Resource]:
    """Every resource declared in infra/<name>, or in every Bicep file."""
    paths = [INFRA / name] if name else bicep_files()
    found = []
    for path in paths:
        text = path.read_text()
        for match in _RESOURCE.finditer(text):
            opening = min(
                i for i in (text.find("{", match.end()), text.find("[", match.end())) if i >= 0
            )
            found.append(
                Resource(
                    str(path.relative_to(INFRA)),
                    match.group(1),
                    match.group(2),
                    match.group(3),
                    _block(text, opening),
                )
            )
    return found


def of_type(type_: str, name: str | None = None) -> list[Resource]:
    return [r for r in resources(name) if r.type == type_]


def param_default(name: str, param: str) -> str:
    match = re.search(rf"^param {param} \w+ = (.+)$", read(name), flags=re.MULTILINE)
    assert match, f"{name} has no param {param} with a default"
    return match.group(1).strip()


def params(name: str) -> dict[str, str | None]:
    """Each param of infra/<name> and its default (None: the caller must give it)."""
    found: dict[str, str | None] = {}
    for match in re.finditer(r"^param (\w+) \w+(?: = (.+))?$", read(name), flags=re.MULTILINE):
        found[match.group(1)] = match.group(2)
    return found


def array_var(name: str, var: str) -> list[str]:
    text = read(name)
    match = re.search(rf"^var {var} = \[", text, flags=re.MULTILINE)
    assert match, f"{name} has no array var {var}"
    return re.findall(r"'([^']*)'", _block(text, match.end() - 1))


def string_vars(name: str) -> dict[str, str]:
    """The `var name = 'text'` declarations of infra/<name>."""
    return dict(re.findall(r"^var (\w+) = '([^']*)'$", read(name), flags=re.MULTILINE))


def property_value(body: str, key: str) -> str:
    """The value of the first `key: value` line in a body (quotes removed)."""
    match = re.search(rf"^\s*'?{re.escape(key)}'?: (.+)$", body, flags=re.MULTILINE)
    assert match, f"no {key} in {body[:80]}..."
    return match.group(1).strip().strip("'")


def app_settings() -> dict[str, str]:
    """The Function App's appSettings: name → value as written (quotes removed)."""
    (site,) = of_type("Microsoft.Web/sites", "modules/functionapp.bicep")
    start = site.body.index("appSettings: [") + len("appSettings: ")
    block = _block(site.body, start)
    pairs = re.findall(r"name: '([^']+)'\s+value: (.+)", block)
    return {name: value.strip().strip("'") for name, value in pairs}
