"""A response under construction, before the pipeline hands it to the host."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Reply:
    """A response under construction: the wrapper adds headers and may compress the body."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def set_default(self, name: str, value: str) -> None:
        if self.get(name) is None:
            self.headers[name] = value

    def get(self, name: str) -> str | None:
        """The header's value, whatever the case of its name."""
        value = self.headers.get(name)  # the name as written here, nearly always
        if value is not None:
            return value
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None

    def append_vary(self, value: str) -> None:
        current = self.get("Vary")
        if current is None:
            self.headers["Vary"] = value
        elif value.lower() not in {v.strip().lower() for v in current.split(",")}:
            for key in list(self.headers):
                if key.lower() == "vary":
                    self.headers[key] = f"{current}, {value}"
