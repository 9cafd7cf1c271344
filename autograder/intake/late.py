"""Late policy: a due date, a deduction per day or hour late with a cap, a
grace period and a cutoff after which a submission earns nothing.

The deduction is a fraction of the points the submission earned (so a late
zero stays zero and no score goes negative). Lateness is counted from the due
date; a submission within the grace period is on time. Every assessment says
why, in words an instructor can paste into an e-mail.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*(?:/|per)\s*(day|hour)\s*(?:,\s*max(?:imum)?\s*(\d+(?:\.\d+)?)\s*%)?\s*$",
                   re.IGNORECASE)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s|days?|hours?|min(?:utes?)?|sec(?:onds?)?)", re.IGNORECASE)
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1), "s": timedelta(seconds=1)}
# Gradescope writes times as Ruby does: "2026-12-01 23:59:07.123456789 -0800" (or -08:00).
_RUBY_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(?::\d\d)?)(?:\.(\d+))?\s*(Z|UTC|[+-]\d\d:?\d\d)?$")


class LatePolicyError(ValueError):
    """A due date, policy, grace period or cutoff that cannot be understood; the message says which."""


def parse_time(text: str | datetime) -> datetime:
    """An aware datetime from ISO 8601 (``2026-12-01T23:59``, ``...Z``, ``...+01:00``)
    or Gradescope's form (``2026-12-01 23:59:07.123456 -0800``). A time without
    an offset is in this machine's local time zone. Raises LatePolicyError."""
    if isinstance(text, datetime):
        moment = text
    else:
        match = _RUBY_TIME.match(str(text).strip())
        if not match:
            raise LatePolicyError(f"not a date and time: {text!r} (write e.g. 2026-12-01T23:59 or 2026-12-01T23:59+01:00)")
        day, clock, fraction, zone = match.groups()
        iso = f"{day}T{clock}" + (f".{fraction[:6]}" if fraction else "")
        if zone in ("Z", "UTC"):
            iso += "+00:00"
        elif zone:
            iso += zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
        try:
            moment = datetime.fromisoformat(iso)
        except ValueError as error:
            raise LatePolicyError(f"not a date and time: {text!r} ({error})") from None
    return moment if moment.tzinfo is not None else moment.astimezone()


def parse_duration(text: str) -> timedelta:
    """``15m``, ``2h``, ``1d``, ``1h30m``, ``90s`` (or ``0``). Raises LatePolicyError."""
    text = str(text).strip()
    if text in ("", "0"):
        return timedelta(0)
    parts = _DURATION.findall(text)
    if not parts or _DURATION.sub("", text).strip(" ,"):
        raise LatePolicyError(f"not a duration: {text!r} (write e.g. 15m, 2h, 1d or 1h30m)")
    return sum((float(amount) * _UNITS[unit[0].lower()] for amount, unit in parts), timedelta(0))


@dataclass(frozen=True)
class LatePolicy:
    """``rate`` is the fraction deducted per started ``unit`` late (a day or an
    hour), at most ``cap``; ``zero_when_late`` makes any lateness past the grace
    period cost everything; after ``cutoff`` a submission earns nothing."""

    due: datetime | None = None
    rate: float = 0.0
    unit: timedelta = timedelta(days=1)
    cap: float = 1.0
    grace: timedelta = timedelta(0)
    cutoff: datetime | None = None
    zero_when_late: bool = False

    @classmethod
    def parse(cls, due: str | None = None, policy: str | None = None, grace: str | None = None,
              cutoff: str | None = None) -> LatePolicy:
        """From the words of the CLI or the course file: ``policy`` is ``none``,
        ``zero``, or ``<p>%/day`` / ``<p>%/hour`` optionally followed by
        ``, max <q>%``. Raises LatePolicyError."""
        fields: dict = {"due": parse_time(due) if due else None, "cutoff": parse_time(cutoff) if cutoff else None,
                        "grace": parse_duration(grace) if grace else timedelta(0)}
        text = (policy or "none").strip()
        if text.lower() == "zero":
            fields["zero_when_late"] = True
        elif text.lower() != "none":
            match = _RATE.match(text)
            if not match:
                raise LatePolicyError(f"not a late policy: {text!r} (write none, zero, 10%/day or "
                                      "5%/hour, max 50%)")
            rate, unit, cap = match.groups()
            fields |= {"rate": float(rate) / 100, "unit": _UNITS[unit[0].lower()],
                       "cap": min(1.0, float(cap) / 100) if cap else 1.0}
        late = cls(**fields)
        if (late.rate or late.zero_when_late) and late.due is None:
            raise LatePolicyError(f"the late policy {text!r} needs a due date (--due)")
        if late.due and late.cutoff and late.cutoff < late.due:
            raise LatePolicyError("the cutoff is before the due date")
        return late


@dataclass(frozen=True)
class Penalty:
    fraction: float  # of the points earned, 0 to 1
    reason: str  # "" when there is nothing to say


def assess(policy: LatePolicy, submitted_at: datetime | None, late_flag: bool = False) -> Penalty:
    """The deduction for a submission made at ``submitted_at`` (None if the LMS
    gave no time) and marked late by the LMS or not (Canvas's LATE flag).
    Without a time, a submission marked late loses one unit's deduction (the
    least a late submission can lose), and one not marked is on time."""
    if submitted_at is None:
        if not late_flag:
            return Penalty(0.0, "")
        if policy.zero_when_late:
            return Penalty(1.0, "marked late by the LMS (submission time unknown): zero")
        if policy.rate:
            fraction = min(policy.cap, policy.rate)
            return Penalty(fraction, f"marked late by the LMS (submission time unknown): one {_unit(policy)}'s "
                                     f"deduction, {_percent(fraction)}")
        return Penalty(0.0, "marked late by the LMS; no late policy: no deduction")
    when = f"submitted {_moment(submitted_at)}"
    if policy.cutoff is not None and submitted_at > policy.cutoff:
        return Penalty(1.0, f"{when}, after the cutoff {_moment(policy.cutoff)}: zero")
    if policy.due is None or submitted_at <= policy.due:
        return Penalty(0.0, "marked late by the LMS but submitted before the due date: no deduction"
                       if late_flag and policy.due is not None else "")
    lateness = submitted_at - policy.due
    if lateness <= policy.grace:
        return Penalty(0.0, f"{when}, {_span(lateness)} late, within the {_span(policy.grace)} grace period")
    if policy.zero_when_late:
        return Penalty(1.0, f"{when}, {_span(lateness)} late: zero")
    if not policy.rate:
        return Penalty(0.0, f"{when}, {_span(lateness)} late; no late policy: no deduction")
    units = math.ceil(lateness / policy.unit)
    fraction = min(policy.cap, round(policy.rate * units, 6))
    capped = f" (at most {_percent(policy.cap)})" if policy.rate * units > policy.cap else ""
    plural = "s" if units != 1 else ""
    return Penalty(fraction, f"{when}, {_span(lateness)} late: {units} {_unit(policy)}{plural} x "
                             f"{_percent(policy.rate)} = {_percent(fraction)} deducted{capped}")


def _unit(policy: LatePolicy) -> str:
    return "day" if policy.unit == timedelta(days=1) else "hour"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g}%"


def _moment(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _span(span: timedelta) -> str:
    """``2 d 3 h``, ``5 h 10 min``, ``40 s``: the two largest units."""
    seconds = int(span.total_seconds())
    parts = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h"), (seconds % 3600 // 60, "min"), (seconds % 60, "s")]
    shown = [f"{amount} {unit}" for amount, unit in parts if amount]
    return " ".join(shown[:2]) or "0 s"
