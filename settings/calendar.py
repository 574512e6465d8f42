"""The class calendar: when classes start, and how many user nodes to hold for each.

Invariant guarded here: a class finds its nodes already running. Ahead of every session (by the
calendar's lead time) each zone's spot group is held at the nodes that session's students need
(students per node from the capacity function, spread evenly over the zones), the largest of the
sessions that overlap; after the last of them ends the groups fall back to their configured
minimum. `weekly_holds` works this out once, on the calendar's own clock (its time zone), as the
list of moments the minimum changes: the scheduled actions the spot groups get.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, Field, model_validator

from settings.types import KeyedError, SettingsModel, matching

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_A_DAY, MINUTES_A_WEEK = 24 * 60, 7 * 24 * 60
# How a class's late students wait when the held nodes are full: a spot node launched by the
# autoscaler and joined (nodeadm) in about 2.5 minutes, then the notebook image pulled onto it,
# about 1.5 minutes for a few GB (the image puller cannot have pulled onto a node that is new).
NODE_LAUNCH_SECONDS, IMAGE_PULL_SECONDS = 150, 90
ClockTime = Annotated[str, matching(r"([01]\d|2[0-3]):[0-5]\d", "a time of day like 09:00 (24 hours)")]


def _check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("is not a time zone name like Europe/Amsterdam (an IANA name)") from None
    if name not in available_timezones():
        raise ValueError("is not a time zone name like Europe/Amsterdam (an IANA name)")
    return name


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class ClassSession(SettingsModel):
    name: Annotated[str, matching(r"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?", "a short lowercase name like med101")] = Field(
        description="The session's name, as the plan and the scheduled actions show it."
    )
    days: list[Day] = Field(min_length=1, description="Days of the week it meets: `mon` to `sun`.")
    start: ClockTime = Field(description="When it starts, on the calendar's clock (`09:00`).")
    end: ClockTime = Field(description="When it ends, the same day (`11:00`).")
    students: int = Field(ge=1, le=5000, description="How many students start a server in it.")
    groups: list[str] = Field(default_factory=list, description="Which groups attend (for the reader; optional).")

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Self:
        if _minutes(self.end) <= _minutes(self.start):
            raise KeyedError("end", f"must be after start {self.start} on the same day", self.end)
        if len(set(self.days)) != len(self.days):
            raise KeyedError("days", "names a day twice", self.days)
        return self


class CalendarSettings(SettingsModel):
    time_zone: Annotated[str, AfterValidator(_check_time_zone)] = Field(
        default="UTC",
        description="The clock the sessions' times are on, like `Europe/Amsterdam` (daylight saving kept).",
    )
    lead_minutes: int = Field(
        default=20,
        ge=0,
        le=240,
        description=(
            "How long before a session the nodes are held: a spot node takes about 2.5 minutes to join and "
            "its image a minute or two to pull, and students arrive early."
        ),
    )
    sessions: list[ClassSession] = Field(default_factory=list, description="The classes of a week.")

    @model_validator(mode="after")
    def _names_once(self) -> Self:
        names = [s.name for s in self.sessions]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise KeyedError("sessions", f"names {repeated[0]} twice", repeated[0])
        return self


@dataclass(frozen=True)
class Hold:
    """From `minute` of the week (0 = Monday 00:00 on the calendar's clock), hold `per_zone` nodes."""

    minute: int
    per_zone: int

    @property
    def day(self) -> Day:
        return DAYS[self.minute // MINUTES_A_DAY]

    @property
    def clock(self) -> str:
        minute = self.minute % MINUTES_A_DAY
        return f"{minute // 60:02d}:{minute % 60:02d}"


def nodes_per_zone(students: int, students_per_node: int, zones: int) -> int:
    """Nodes each zone holds so that `students` fit, spread evenly (the scheduler packs, zones share)."""
    return math.ceil(math.ceil(students / students_per_node) / zones)


def weekly_holds(calendar: CalendarSettings, students_per_node: int, zones: int, base_per_zone: int) -> list[Hold]:
    """Every change of the held minimum over a week, in order; empty without sessions."""
    need = [base_per_zone] * MINUTES_A_WEEK
    for session in calendar.sessions:
        held = max(nodes_per_zone(session.students, students_per_node, zones), base_per_zone)
        for day in session.days:
            begin = DAYS.index(day) * MINUTES_A_DAY + _minutes(session.start) - calendar.lead_minutes
            end = DAYS.index(day) * MINUTES_A_DAY + _minutes(session.end)
            for minute in range(begin, end):
                # the largest of overlapping sessions; a lead before Monday 00:00 wraps to Sunday
                need[minute % MINUTES_A_WEEK] = max(need[minute % MINUTES_A_WEEK], held)
    if not calendar.sessions:
        return []
    return [Hold(minute, need[minute]) for minute in range(MINUTES_A_WEEK) if need[minute] != need[minute - 1]]


def most_at_once(calendar: CalendarSettings) -> tuple[int, str]:
    """The most students of overlapping sessions online together, and when (`mon 10:00`)."""
    online = [0] * MINUTES_A_WEEK
    for session in calendar.sessions:
        for day in session.days:
            begin = DAYS.index(day) * MINUTES_A_DAY + _minutes(session.start)
            for minute in range(begin, DAYS.index(day) * MINUTES_A_DAY + _minutes(session.end)):
                online[minute] += session.students
    peak = max(range(MINUTES_A_WEEK), key=online.__getitem__)
    day_index, minute = divmod(peak, MINUTES_A_DAY)
    return online[peak], f"{DAYS[day_index]} {minute // 60:02d}:{minute % 60:02d}"


def longest_session_minutes(calendar: CalendarSettings) -> int:
    return max((_minutes(s.end) - _minutes(s.start) for s in calendar.sessions), default=0)


@dataclass(frozen=True)
class ScheduledMinimum:
    """One recurring scheduled action: at `clock` on `days`, set every group's minimum to `per_zone`."""

    clock: str
    days: tuple[Day, ...]
    per_zone: int

    @property
    def recurrence(self) -> str:
        """Cron, as Auto Scaling reads it (minute hour day-of-month month day-of-week; 0 = Sunday)."""
        minute, hour = self.clock.split(":")[1], self.clock.split(":")[0]
        weekdays = ",".join(str((DAYS.index(day) + 1) % 7) for day in self.days)
        return f"{int(minute)} {int(hour)} * * {weekdays}"

    @property
    def name(self) -> str:
        return f"{''.join(d[:2] for d in self.days)}-{self.clock.replace(':', '')}-{self.per_zone}"


def scheduled_minimums(holds: Sequence[Hold]) -> list[ScheduledMinimum]:
    """The holds as few recurring actions as possible: the same change at the same time on several
    days is one action (Auto Scaling allows 125 scheduled actions a group)."""
    by_change: dict[tuple[str, int], list[Day]] = {}
    for hold in holds:
        by_change.setdefault((hold.clock, hold.per_zone), []).append(hold.day)
    return [
        ScheduledMinimum(clock, tuple(sorted(days, key=DAYS.index)), per_zone)
        for (clock, per_zone), days in sorted(by_change.items())
    ]


def session_lines(calendar: CalendarSettings, students_per_node: int, zones: int, base_per_zone: int) -> list[str]:
    """The calendar as the plan prints it: nodes per zone per session, and what a burst costs."""
    lines = []
    for session in calendar.sessions:
        per_zone = max(nodes_per_zone(session.students, students_per_node, zones), base_per_zone)
        warm = per_zone * zones
        days = ",".join(session.days)
        nodes = "node" if per_zone == 1 else "nodes"
        lines.append(
            f"Class {session.name} ({days} {session.start}-{session.end} {calendar.time_zone}, "
            f"{session.students} students): {per_zone} {nodes} per zone from {calendar.lead_minutes} min before, "
            f"{warm} warm nodes hold {warm * students_per_node} students; a student beyond them waits about "
            f"{round((NODE_LAUNCH_SECONDS + IMAGE_PULL_SECONDS) / 60)} min (node launch and image pull)"
        )
    return lines
