"""Late policies: per day or hour with a cap, grace, cutoff, zero, the LATE flag."""

from datetime import datetime, timedelta, timezone

import pytest

from autograder.intake.late import LatePolicy, LatePolicyError, assess, parse_duration, parse_time

DUE = "2026-12-01T23:59+00:00"
AT_DUE = datetime(2026, 12, 1, 23, 59, tzinfo=timezone.utc)


def at(**delta) -> datetime:
    return AT_DUE + timedelta(**delta)


def test_ten_percent_a_started_day_capped_at_half():
    policy = LatePolicy.parse(DUE, "10%/day, max 50%")
    assert assess(policy, at(minutes=-1)).fraction == 0.0
    assert assess(policy, at(minutes=-1)).reason == ""
    assert assess(policy, at(seconds=1)).fraction == 0.1
    one_day = assess(policy, at(days=1))
    assert one_day.fraction == 0.1 and "1 day x 10% = 10% deducted" in one_day.reason
    assert assess(policy, at(days=1, seconds=1)).fraction == 0.2
    capped = assess(policy, at(days=9))
    assert capped.fraction == 0.5 and "at most 50%" in capped.reason and "9 d" in capped.reason


def test_per_hour_grace_and_cutoff():
    policy = LatePolicy.parse(DUE, "5%/hour", grace="15m", cutoff="2026-12-03T23:59Z")
    within = assess(policy, at(minutes=14))
    assert within.fraction == 0.0 and "grace" in within.reason
    assert assess(policy, at(minutes=16)).fraction == 0.05  # counted from the due date, not from the grace's end
    assert assess(policy, at(hours=3, minutes=1)).fraction == 0.2
    assert assess(policy, at(hours=30)).fraction == 1.0  # 5% x 30 h, capped at everything
    after = assess(policy, at(days=2, minutes=1))
    assert after.fraction == 1.0 and "after the cutoff" in after.reason


def test_zero_when_late_and_no_policy():
    assert assess(LatePolicy.parse(DUE, "zero"), at(seconds=1)).fraction == 1.0
    assert assess(LatePolicy.parse(DUE, "zero", grace="1h"), at(minutes=59)).fraction == 0.0
    none = assess(LatePolicy.parse(DUE, "none"), at(days=3))
    assert none.fraction == 0.0 and "no deduction" in none.reason
    assert assess(LatePolicy(), at(days=3)) .fraction == 0.0


def test_the_lms_late_flag_without_a_time_costs_one_unit():
    flagged = assess(LatePolicy.parse(DUE, "10%/day, max 50%"), None, late_flag=True)
    assert flagged.fraction == 0.1 and "marked late" in flagged.reason
    assert assess(LatePolicy.parse(DUE, "10%/day"), None, late_flag=False).fraction == 0.0
    assert assess(LatePolicy.parse(DUE, "zero"), None, late_flag=True).fraction == 1.0
    assert "no deduction" in assess(LatePolicy(), None, late_flag=True).reason


def test_times_and_durations_in_the_forms_people_and_lms_write():
    assert parse_time("2026-12-01T23:59Z") == AT_DUE
    assert parse_time("2026-12-01 15:59:00.123456789 -0800") == AT_DUE + timedelta(microseconds=123456)
    assert parse_time("2026-12-01T23:59").tzinfo is not None  # local time
    assert parse_duration("1h30m") == timedelta(minutes=90) and parse_duration("2d") == timedelta(days=2)
    assert parse_duration("0") == timedelta(0)


@pytest.mark.parametrize("arguments, words", [
    ((DUE, "10% a day"), "not a late policy"),
    ((None, "10%/day"), "needs a due date"),
    (("tomorrow", "none"), "not a date"),
    ((DUE, "none", "soon"), "not a duration"),
    ((DUE, "none", None, "2026-11-01T00:00Z"), "before the due date"),
])
def test_a_policy_that_cannot_be_understood_says_why(arguments, words):
    with pytest.raises(LatePolicyError, match=words):
        LatePolicy.parse(*arguments)
