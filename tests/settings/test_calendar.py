"""The class calendar's arithmetic: nodes per zone, the held minimum over a week, the actions.

Source for the actions: Amazon EC2 Auto Scaling, "Scheduled scaling" (a recurring action is a
cron expression `minute hour day-of-month month day-of-week` with day-of-week 0-6 from Sunday,
evaluated in the action's time zone, IANA names, daylight saving kept; 125 scheduled actions a
group); Pulumi's aws.autoscaling.Schedule sets an unset size to 0 and leaves it alone at -1.
"""

from typing import Any

import pytest

from settings.calendar import CalendarSettings, Hold, nodes_per_zone, scheduled_minimums, weekly_holds

MONDAY, TUESDAY, SUNDAY = 0, 24 * 60, 6 * 24 * 60


def calendar(*sessions: dict[str, Any], lead: int = 20) -> CalendarSettings:
    return CalendarSettings.model_validate({"timeZone": "Europe/Amsterdam", "leadMinutes": lead, "sessions": sessions})


def session(name: str, days: list[str], start: str, end: str, students: int) -> dict[str, Any]:
    return {"name": name, "days": days, "start": start, "end": end, "students": students}


@pytest.mark.parametrize(
    ("students", "per_node", "zones", "expected"),
    [
        (200, 52, 3, 2),  # 4 nodes over 3 zones: 2 in each (6 warm, room for 312)
        (52, 52, 3, 1),  # one node's worth still means one node in each zone
        (1, 52, 3, 1),
        (156, 52, 3, 1),  # exactly 3 nodes
        (157, 52, 3, 2),
        (500, 23, 3, 8),  # EBS homes: 22 nodes
    ],
)
def test_nodes_per_zone(students: int, per_node: int, zones: int, expected: int) -> None:
    assert nodes_per_zone(students, per_node, zones) == expected


def test_a_session_is_held_from_its_lead_to_its_end_and_then_released() -> None:
    holds = weekly_holds(calendar(session("med101", ["mon"], "09:00", "11:00", 200)), 52, 3, 0)
    assert holds == [Hold(MONDAY + 8 * 60 + 40, 2), Hold(MONDAY + 11 * 60, 0)]
    assert [(h.day, h.clock) for h in holds] == [("mon", "08:40"), ("mon", "11:00")]


def test_overlapping_sessions_hold_the_larger_and_release_only_after_both() -> None:
    holds = weekly_holds(
        calendar(
            session("small", ["tue"], "09:00", "11:00", 60),  # 2 nodes: 1 a zone
            session("large", ["tue"], "10:00", "12:00", 300),  # 6 nodes: 2 a zone
        ),
        52,
        3,
        0,
    )
    assert [(h.clock, h.per_zone) for h in holds] == [("08:40", 1), ("09:40", 2), ("12:00", 0)]


def test_the_groups_configured_minimum_is_the_floor() -> None:
    holds = weekly_holds(calendar(session("small", ["wed"], "09:00", "10:00", 10)), 52, 3, 1)
    assert holds == []  # one node per zone is held anyway: nothing to schedule


def test_a_lead_before_monday_midnight_is_held_from_sunday() -> None:
    holds = weekly_holds(calendar(session("early", ["mon"], "00:10", "01:00", 100), lead=30), 52, 3, 0)
    assert [(h.day, h.clock, h.per_zone) for h in holds] == [("mon", "01:00", 0), ("sun", "23:40", 1)]
    assert holds[1].minute == SUNDAY + 23 * 60 + 40


def test_the_same_change_on_several_days_is_one_action_in_cron_s_day_numbers() -> None:
    holds = weekly_holds(calendar(session("med101", ["mon", "wed", "sun"], "09:00", "11:00", 200)), 52, 3, 0)
    actions = scheduled_minimums(holds)
    assert [(a.recurrence, a.per_zone) for a in actions] == [("40 8 * * 1,3,0", 2), ("0 11 * * 1,3,0", 0)]
    assert len({a.name for a in actions}) == len(actions)
