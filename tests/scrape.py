"""Reading the Prometheus text of GET /metrics in tests, with prometheus_client's own parser."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.function_calls import call_http

METRICS_TOKEN = "metrics-token-for-tests-0123456789abcdef"


class Scrape:
    def __init__(self, text: str) -> None:
        self.text = text
        self.samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
        self.names: set[str] = set()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                self.names.add(sample.name)
                self.samples[(sample.name, frozenset(sample.labels.items()))] = sample.value

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 when the series is not there."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def total(self, name: str, **labels: str) -> float:
        """The sum over every series of `name` whose labels include `labels`."""
        wanted = set(labels.items())
        return sum(v for (n, ls), v in self.samples.items() if n == name and wanted <= ls)


def scrape(token: str = METRICS_TOKEN) -> Scrape:
    response = call_http(
        "metrics_scrape", "GET", "/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.get_body()
    return Scrape(response.get_body().decode())
