"""The load test's accounting: every student that arrived either got a server or did not, also one
still waiting when the run ended; failed cells and throttled starts are counted apart. (Locust's
statistics feed it; Locust itself is not imported here: its gevent patches the whole process.)"""

from tools.loadtest.classroom import StepStats, summary


def step(count: int, failures: int = 0) -> StepStats:
    return StepStats(count, failures, {50: 1.0, 95: 2.0, 99: 3.0}, 4.0)


def test_a_student_still_waiting_at_the_end_never_got_a_server() -> None:
    result = summary(
        {
            ("student", "arrived"): step(3),
            ("student", "server start"): step(2, failures=1),  # one got in, one failed, one still waiting
            ("kernel", "cell"): step(2, failures=1),
            ("hub", "throttled"): step(5),
        },
        {},
    )
    assert result["students"] == {"arrived": 3, "got a server": 1, "never got a server": 2}
    assert result["cell failures"] == 1 and result["throttled"] == 5
    assert result["cell seconds"] == {"count": 2, "p50": 1.0, "p95": 2.0, "p99": 3.0, "max": 4.0}


def test_a_run_nobody_reached_still_summarises() -> None:
    result = summary({}, {"GET x": 1})
    assert result["students"] == {"arrived": 0, "got a server": 0, "never got a server": 0}
    assert result["time to notebook seconds"]["count"] == 0
