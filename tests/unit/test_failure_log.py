"""monitor.failure_log: a failure retried every second is logged when it starts, at most once
a minute while it lasts (saying how many attempts went unlogged), and once when it is over."""

import logging

from monitor.failure_log import FailureLog


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_failure_repeated_every_second_for_three_minutes_logs_four_lines(caplog):
    clock = Clock()
    failures = FailureLog(logging.getLogger("t"), "Could not lease", "Leasing works again",
                          clock=clock)
    caplog.set_level(logging.DEBUG, logger="t")
    for _ in range(180):
        failures.failed("database away")
        clock.now += 1
    failures.succeeded()
    failures.succeeded()  # nothing more to say
    lines = [(r.levelname, r.getMessage(), r.fields) for r in caplog.records
             if r.levelno > logging.DEBUG]
    assert lines == [
        ("ERROR", "Could not lease", {"error": "database away"}),
        ("ERROR", "Could not lease", {"repeated": 59, "error": "database away"}),
        ("ERROR", "Could not lease", {"repeated": 59, "error": "database away"}),
        ("INFO", "Leasing works again", {"failures": 180, "seconds": 180.0}),
    ]
    assert sum(r.levelno == logging.DEBUG for r in caplog.records) == 177  # every attempt


def test_a_new_run_of_failures_after_a_success_is_logged_at_once(caplog):
    clock = Clock()
    failures = FailureLog(logging.getLogger("t"), "Heartbeat failed", "Heartbeat works again",
                          level=logging.WARNING, clock=clock)
    caplog.set_level(logging.INFO, logger="t")
    failures.failed("one")
    clock.now += 2
    failures.succeeded()
    clock.now += 1
    failures.failed("two")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "Heartbeat failed"), ("INFO", "Heartbeat works again"),
        ("WARNING", "Heartbeat failed")]
