"""facekit against a hostile server: every reply in the matrix gives the expected FaceError
in bounded time (and memory), with no key or bearer token anywhere in the error."""

from __future__ import annotations

import pytest

from .hostile_server import CASES, Case, run_case


@pytest.mark.parametrize("bearer", [False, True], ids=["key", "bearer"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_a_hostile_reply_is_handled_cleanly(case: Case, bearer: bool) -> None:
    outcome = await run_case(case, bearer=bearer)
    assert outcome.problems == []
