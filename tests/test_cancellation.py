"""Random cancellations of uploads, pollers and bulk enrollments: none escapes its scope,
none is swallowed, and nothing is left open."""

from __future__ import annotations

from .cancel_stress import SOURCES, STYLES, stress, summary


async def test_random_cancellations_escape_nothing_and_leave_nothing() -> None:
    report = await stress(trials=2400, seed=9)

    assert report.clean, summary(report)
    assert report.escaped == 0
    assert report.swallowed == 0
    assert not report.foreign_errors
    assert (report.tasks_left, report.image_files_open) == (0, 0)
    assert report.fds_left <= 0
    assert report.works_afterwards
    # Enough of them hit a call in flight, for every kind of call.
    assert report.landed >= 1000, summary(report)
    kinds = {f"upload:{source}" for source in SOURCES} | {"poller", "bulk"}
    assert set(report.by_kind) == kinds
    assert all(report.by_kind[kind] >= 100 for kind in kinds)
    assert len(STYLES) == 4
