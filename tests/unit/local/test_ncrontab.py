"""Azure timer schedules: parsing NCRONTAB (with seconds) and finding the next occurrence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.local.ncrontab import CronSchedule, CronScheduleError


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def next_after(expression: str, moment: str) -> str:
    found = CronSchedule.parse(expression).next_after(at(moment))
    return found.strftime("%Y-%m-%d %H:%M:%S")


def occurrences(expression: str, moment: str, count: int) -> list[str]:
    schedule, current, found = CronSchedule.parse(expression), at(moment), []
    for _ in range(count):
        current = schedule.next_after(current)
        found.append(current.strftime("%Y-%m-%d %H:%M:%S"))
    return found


@pytest.mark.parametrize(
    ("expression", "moment", "expected"),
    [
        ("* * * * * *", "2026-01-01 00:00:00", "2026-01-01 00:00:01"),
        ("* * * * * *", "2026-12-31 23:59:59", "2027-01-01 00:00:00"),
        ("0 */5 * * * *", "2026-03-10 10:02:30", "2026-03-10 10:05:00"),
        ("0 */5 * * * *", "2026-03-10 10:05:00", "2026-03-10 10:10:00"),
        ("30 0 9 * * *", "2026-03-10 09:00:30", "2026-03-11 09:00:30"),
        ("30 0 9 * * *", "2026-03-10 09:00:29", "2026-03-10 09:00:30"),
        ("0 0 0 1 * *", "2026-01-31 12:00:00", "2026-02-01 00:00:00"),
        ("0 0 12 29 2 *", "2026-03-01 00:00:00", "2028-02-29 12:00:00"),
        ("0 0 0 31 * *", "2026-04-01 00:00:00", "2026-05-31 00:00:00"),
        ("0 0 9 * * 1-5", "2026-11-20 10:00:00", "2026-11-23 09:00:00"),  # Fri -> Mon
        ("0 0 9 * * Sat,Sun", "2026-11-20 10:00:00", "2026-11-21 09:00:00"),
        ("0 0 0 * Feb *", "2026-03-01 00:00:00", "2027-02-01 00:00:00"),
        ("0 0 0 1 sept-October *", "2026-09-02 00:00:00", "2026-10-01 00:00:00"),
        ("15 * 3 * * *", "2026-01-01 02:59:59", "2026-01-01 03:00:15"),
        ("0 59 23 31 12 *", "2026-12-31 23:59:00", "2027-12-31 23:59:00"),
    ],
)
def test_the_next_occurrence_is_the_first_matching_second_strictly_after(
    expression: str, moment: str, expected: str
) -> None:
    assert next_after(expression, moment) == expected


def test_day_of_month_and_day_of_week_must_both_match_as_in_ncrontab() -> None:
    # NCrontab (the Functions host's parser) ANDs the two fields, unlike Vixie cron's OR:
    # the 1st of a month that is a Monday. After 2026-01-01 that is 2026-06-01.
    assert occurrences("0 0 8 1 * Mon", "2026-01-01 00:00:00", 2) == [
        "2026-06-01 08:00:00",
        "2027-02-01 08:00:00",
    ]


def test_a_friday_the_13th_schedule_finds_only_fridays_the_13th() -> None:
    found = occurrences("0 0 0 13 * Fri", "2026-01-01 00:00:00", 3)
    assert found == ["2026-02-13 00:00:00", "2026-03-13 00:00:00", "2026-11-13 00:00:00"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1-3,10 * * * * *", [1, 2, 3, 10]),
        ("*/20 * * * * *", [0, 20, 40]),
        ("5/20 * * * * *", [5, 25, 45]),  # "a/n": from a to the end of the field
        ("10-30/10 * * * * *", [10, 20, 30]),
        ("59 * * * * *", [59]),
    ],
)
def test_seconds_fields_expand_lists_ranges_and_steps(expression: str, expected: list[int]) -> None:
    assert list(CronSchedule.parse(expression).seconds) == expected


def test_names_are_case_insensitive_prefixes_of_at_least_three_letters() -> None:
    schedule = CronSchedule.parse("0 0 0 * jan,MAR,August sun-TUE")
    assert schedule.months == (1, 3, 8)
    assert schedule.weekdays == (0, 1, 2)


def test_the_next_occurrence_is_in_utc_whatever_zone_it_is_asked_from() -> None:
    eastern = timezone(timedelta(hours=-5))
    moment = datetime(2026, 3, 10, 20, 30, tzinfo=eastern)  # 01:30 UTC on the 11th
    found = CronSchedule.parse("0 0 2 * * *").next_after(moment)
    assert found == datetime(2026, 3, 11, 2, 0, tzinfo=UTC)


def test_fractions_of_a_second_do_not_skip_or_repeat_an_occurrence() -> None:
    schedule = CronSchedule.parse("* * * * * *")
    moment = datetime(2026, 1, 1, 0, 0, 0, 500_000, tzinfo=UTC)
    assert schedule.next_after(moment) == datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        CronSchedule.parse("* * * * * *").next_after(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("expression", "complaint"),
    [
        ("*/5 * * * *", "has 5 fields.*write '0 \\*/5 \\* \\* \\* \\*'"),
        ("* * * *", "has 4 fields"),
        ("00:05:00", "TimeSpan"),
        ("60 * * * * *", "60 is outside second 0-59"),
        ("0 0 24 * * *", "outside hour"),
        ("0 0 0 0 * *", "outside day 1-31"),
        ("0 0 0 * 13 *", "outside month"),
        ("0 0 0 * * 7", "Sunday is 0"),
        ("0 0 0 * Ju *", "'Ju' is not a month"),
        ("0 0 0 * * Funday", "not a day-of-week"),
        ("0 0 0 5 * *x", "cannot read"),
        ("*/0 * * * * *", "step of 0"),
        ("30-10 * * * * *", "runs backwards"),
        ("0 0 0 30 Feb *", "never runs"),
        ("0 0 0 L * *", "not a day"),
        ("0 0 0 ? * *", "cannot read"),
    ],
)
def test_an_expression_azure_would_refuse_is_refused_saying_what_to_write(
    expression: str, complaint: str
) -> None:
    with pytest.raises(CronScheduleError, match=complaint):
        CronSchedule.parse(expression)
