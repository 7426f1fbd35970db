"""Where the time of a punch comes from.

A punch records the PC's clock and, once the kiosk has synced, the server's clock carried forward on the monotonic
clock (DESIGN.md section 5). The use cases ask a `TimeSource` for both; the sync package provides the anchored one,
and `SystemTimeSource` is the PC's clock alone, for a kiosk that has never reached its server.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from kiosk.domain.punches import ClockFacts


class TimeSource(Protocol):
    def clock_facts(self) -> ClockFacts:
        """What the kiosk knows about the time now."""
        ...


class SystemTimeSource:
    """The PC's clock, unanchored."""

    def clock_facts(self) -> ClockFacts:
        return ClockFacts(pc_time=datetime.now(UTC))


def trusted_now(facts: ClockFacts) -> datetime:
    """The time a punch is recorded at: the server-anchored time when there is one, else the PC's clock."""
    return facts.anchored_time if facts.anchored_time is not None else facts.pc_time
