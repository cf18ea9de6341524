"""Azure timer schedules (NCRONTAB with seconds) and their next occurrence, in UTC.

    second minute hour day month day-of-week        "0 */5 * * * *" = every five minutes

Each field takes `*`, a number, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (a to the end,
every n), and comma-separated lists of those. Months and days of the week may be names or
their prefixes of three letters or more (`Jan`, `sept`, `Mon`); Sunday is 0.

Day of month and day of week are ANDed, unlike Vixie cron, because that is what NCrontab
(which the Functions host uses) does: "0 45 16 1 * Mon" runs on the 1st only when it is a
Monday; NCrontab's own tests expect it to fire next on 2003-09-01 after 2003-01-01.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

MONTH_NAMES = tuple(calendar.month_name)[1:]  # January..December -> 1..12
DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
FIELD_NAMES = ("second", "minute", "hour", "day", "month", "day-of-week")
# Gregorian dates (and their weekdays) repeat every 400 years.
SEARCH_YEARS = 401

_ITEM = re.compile(r"^(\*|[A-Za-z0-9]+)(?:-([A-Za-z0-9]+))?(?:/([0-9]+))?$")


class CronScheduleError(ValueError):
    """A schedule expression the Functions host would not accept either."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()

    def value(self, text: str, expression: str) -> int:
        if text.isdigit():
            number = int(text)
            if not self.low <= number <= self.high:
                hint = " (Sunday is 0; 7 is not accepted)" if self.name == "day-of-week" else ""
                raise CronScheduleError(
                    f"{expression!r}: {number} is outside {self.name} {self.low}-{self.high}{hint}"
                )
            return number
        matches = [i for i, name in enumerate(self.names) if name.lower().startswith(text.lower())]
        if len(text) < 3 or len(matches) != 1:
            known = ", ".join(n[:3] for n in self.names) if self.names else "numbers only"
            raise CronScheduleError(f"{expression!r}: {text!r} is not a {self.name} ({known})")
        return matches[0] + self.low

    def parse(self, text: str, expression: str) -> tuple[int, ...]:
        values: set[int] = set()
        for item in text.split(","):
            match = _ITEM.match(item)
            if match is None:
                raise CronScheduleError(
                    f"{expression!r}: cannot read {item!r} in the {self.name} field; "
                    "use *, n, a-b, */n, a-b/n or a list of them"
                )
            start_text, end_text, step_text = match.groups()
            if start_text == "*":
                if end_text is not None:
                    raise CronScheduleError(f"{expression!r}: '*' cannot start a range")
                start, end = self.low, self.high
            else:
                start = self.value(start_text, expression)
                end = self.value(end_text, expression) if end_text is not None else start
                if end_text is None and step_text is not None:
                    end = self.high  # "a/n": from a to the end of the field
            step = int(step_text) if step_text is not None else 1
            if step == 0:
                raise CronScheduleError(f"{expression!r}: a step of 0 in {item!r} never advances")
            if start > end:
                raise CronScheduleError(
                    f"{expression!r}: the range {item!r} runs backwards; write it low-high"
                )
            values.update(range(start, end + 1, step))
        return tuple(sorted(values))


FIELDS = (
    _Field("second", 0, 59),
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day", 1, 31),
    _Field("month", 1, 12, MONTH_NAMES),
    _Field("day-of-week", 0, 6, DAY_NAMES),
)


@dataclass(frozen=True)
class CronSchedule:
    expression: str
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: tuple[int, ...]  # 0 = Sunday

    def __str__(self) -> str:
        return self.expression

    @classmethod
    def parse(cls, expression: str) -> CronSchedule:
        parts = expression.split()
        if re.fullmatch(r"\d+(\.\d+)?:\d\d:\d\d", expression.strip()):
            raise CronScheduleError(
                f"{expression!r} is a TimeSpan, which only App Service plans accept; "
                "write an NCRONTAB expression such as '0 */5 * * * *'"
            )
        if len(parts) == 5:
            raise CronScheduleError(
                f"{expression!r} has 5 fields; Azure timer schedules have 6 (second minute "
                f"hour day month day-of-week): write '0 {expression.strip()}'"
            )
        if len(parts) != 6:
            raise CronScheduleError(
                f"{expression!r} has {len(parts)} fields; Azure timer schedules have 6: "
                "second minute hour day month day-of-week"
            )
        values = [f.parse(part, expression) for f, part in zip(FIELDS, parts, strict=True)]
        schedule = cls(expression, *values)
        longest = max(calendar.monthrange(2000, m)[1] for m in schedule.months)  # leap year
        if min(schedule.days) > longest:
            raise CronScheduleError(
                f"{expression!r} never runs: no month of {parts[4]!r} has day {parts[3]}"
            )
        return schedule

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after `moment` (an aware datetime), in UTC."""
        if moment.tzinfo is None:
            raise ValueError("pass an aware datetime, e.g. datetime.now(UTC)")
        base = moment.astimezone(UTC).replace(microsecond=0)
        base_date, base_time = base.date(), base.time().replace(tzinfo=None)
        for year in range(base.year, base.year + SEARCH_YEARS):
            for month in self.months:
                if (year, month) < (base.year, base.month):
                    continue
                last_day = calendar.monthrange(year, month)[1]
                for day in self.days:
                    if day > last_day:
                        break
                    candidate = date(year, month, day)
                    if candidate < base_date or candidate.isoweekday() % 7 not in self.weekdays:
                        continue
                    at = self._first_time(after=base_time if candidate == base_date else None)
                    if at is not None:
                        return datetime.combine(candidate, at, UTC)
        raise CronScheduleError(f"{self.expression!r} has no occurrence after {moment}")

    def _first_time(self, after: time | None) -> time | None:
        """The earliest time of day on the schedule, strictly after `after` when given."""
        for hour in self.hours:
            if after is not None and hour < after.hour:
                continue
            for minute in self.minutes:
                if after is not None and (hour, minute) < (after.hour, after.minute):
                    continue
                for second in self.seconds:
                    if after is None or (hour, minute, second) > (
                        after.hour,
                        after.minute,
                        after.second,
                    ):
                        return time(hour, minute, second)
        return None
