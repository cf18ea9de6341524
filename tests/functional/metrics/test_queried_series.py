"""Every series an alert rule or a dashboard panel queries is one the app emits.

The reference's rules and dashboards queried series nothing emitted (10 of 14 alerts, 5 of 7
dashboards). Here a workload runs through the app's functions (requests, a queue, a timer),
/metrics is scraped, and any queried name missing from the scrape fails the test.
"""

from __future__ import annotations

import pytest
from azure.functions.timer import TimerRequest

from shared import bootstrap
from shared.domain.users import Role
from tests.accounts import PASSWORD, make_user
from tests.function_calls import call_http, functions_by_name, json_of
from tests.functional.enrollments.calls import complete, enroll, run_queue
from tests.learning import lessons_of, make_course
from tests.observability_files import load_script
from tests.scrape import scrape

pytestmark = pytest.mark.postgres

queried_series = load_script("queried_series")
# Read from pg_stat_activity and max_connections: PostgreSQL only.
POSTGRESQL_ONLY = {"lms_database_connections", "lms_database_max_connections"}


def _workload() -> None:
    call_http(
        "auth_register",
        "POST",
        "/api/v1/auth/register",
        json_body={"email": "new@example.org", "password": PASSWORD, "full_name": "New One"},
    )
    call_http(
        "auth_login",
        "POST",
        "/api/v1/auth/login",
        json_body={"email": "new@example.org", "password": "not the password"},
    )
    course = make_course(make_user(role=Role.INSTRUCTOR)[0], lessons=1, title="Everything")
    _, token = make_user()
    enrollment = json_of(enroll(token, course.id))
    complete(token, enrollment["id"], lessons_of(course)[0].id)
    run_queue("progress")
    functions_by_name()["outbox_sweep"].get_user_function()(timer=TimerRequest(past_due=False))


def test_every_series_the_rules_and_dashboards_query_is_emitted_after_a_workload(
    database_url: str,
) -> None:
    bootstrap.reset()
    _workload()
    text = scrape().text
    absent = queried_series.missing(text)
    if database_url.startswith("sqlite"):
        assert set(absent) == POSTGRESQL_ONLY, absent
    else:
        assert absent == {}


def test_the_rules_and_dashboards_query_the_series_this_test_expects() -> None:
    names = set(queried_series.queried())
    assert {"http_requests_total", "lms_queue_dead_letters", "auth_account_lockouts_total"} <= names
    assert len(list(queried_series.rule_expressions())) == 16
    assert len({where.split(" / ")[0] for where, _ in queried_series.panel_expressions()}) == 7


@pytest.mark.parametrize(
    "expr, names",
    [
        ('sum by (job) (rate(http_requests_total{status=~"5.."}[5m]))', {"http_requests_total"}),
        (
            "histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 0.75",
            {"x_bucket"},
        ),
        ('time() - max(a_ts{timer="t"}) > 300 or b unless on (q) c', {"a_ts", "b", "c"}),
        ('up{job=~"$job"} == 0', {"up"}),
    ],
)
def test_metric_names_are_read_from_promql(expr: str, names: set[str]) -> None:
    assert queried_series.metric_names(expr) == names
