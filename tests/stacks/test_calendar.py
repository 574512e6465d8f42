"""The class calendar as a stack plans it: every spot group's minimum rises ahead of each class.

Source: Pulumi's aws.autoscaling.Schedule (an unset min_size, max_size or desired_capacity is set
to 0; -1 leaves it alone) and EC2 Auto Scaling's scheduled actions (recurrence in cron, evaluated
in `time_zone`); a group whose min_size `pulumi up` manages would be set back at every update, so
the groups ignore it once a calendar owns it.
"""

from typing import Any

from tests.support import RunConfig
from tools.plan.program import ProgramRun
from tools.plan.render import render_summary

GROUP, SCHEDULE = "aws:autoscaling/group:Group", "aws:autoscaling/schedule:Schedule"


def test_every_zone_s_group_is_held_for_each_class(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["prod"]
    groups = run.by_type(GROUP)
    schedules = run.by_type(SCHEDULE)
    assert len(groups) == 3
    for group in groups:
        mine = [s for s in schedules if s.inputs["autoscalingGroupName"] == group.inputs["name"]]
        assert sorted((s.inputs["recurrence"], s.inputs["minSize"]) for s in mine) == [
            ("0 11 * * 1,3", 0),  # med101 ends
            ("10 13 * * 2,4", 1),  # dent101, 20 minutes ahead: 120 students, 3 nodes
            ("30 15 * * 2,4", 0),
            ("40 8 * * 1,3", 2),  # med101, 20 minutes ahead: 200 students, 4 nodes, 2 a zone
        ]
        for schedule in mine:
            assert (schedule.inputs["maxSize"], schedule.inputs["desiredCapacity"]) == (-1, -1)
            assert schedule.inputs["timeZone"] == "Europe/Amsterdam"
        assert "minSize" in group.ignore_changes and "desiredCapacity" in group.ignore_changes
    names = [s.inputs["scheduledActionName"] for s in schedules]
    assert len(set(names)) == len(names) and all(len(n) <= 255 for n in names)


def test_without_a_calendar_the_program_keeps_the_minimum(stack_runs: dict[str, ProgramRun]) -> None:
    run = stack_runs["dev"]
    assert not run.by_type(SCHEDULE)
    assert all("minSize" not in g.ignore_changes for g in run.by_type(GROUP))


def test_the_plan_prints_the_calendar(stack_runs: dict[str, ProgramRun]) -> None:
    summary = render_summary(stack_runs["prod"])
    assert (
        "Class med101 (mon,wed 09:00-11:00 Europe/Amsterdam, 200 students): 2 nodes per zone from 20 min before, "
        "6 warm nodes hold 312 students" in summary
    ), summary
    assert "every user group's minimum: 2 per zone at 08:40 Europe/Amsterdam on mon,wed" in summary


def test_the_spawn_limit_and_placeholders_follow_the_largest_class(run_config: RunConfig) -> None:
    session = {"name": "big", "days": ["fri"], "start": "10:00", "end": "12:00", "students": 400}
    run = run_config({"calendar": {"sessions": [session]}})
    [release] = [r for r in run.by_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == "jupyterhub"]
    values: dict[str, Any] = release.inputs["values"]
    assert values["hub"]["concurrentSpawnLimit"] == 400  # the class starts together
    assert values["scheduling"]["userPlaceholder"]["replicas"] == 40
