"""The fault matrix of the bulk-enrollment issue, as a test (2,000 faces, three kills).

It runs `benchmarks/fault_matrix.py`'s scenario: adds answered 503, 500 after committing,
429, reset before and after committing, 5 % held by a proxy past the client's timeout so
that they land late, creates and lookups failing too, the `facekit enroll` process
SIGKILLed at 25 %, 50 % and 75 % and resumed from its journal. The service must end with
every image once, and the last report must say what the service holds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from fault_matrix import run_fault_matrix


@pytest.mark.timeout(300)
async def test_two_thousand_faces_through_the_fault_matrix_land_exactly_once(
    tmp_path: Path,
) -> None:
    result = await run_fault_matrix(tmp_path, persons=200, per_person=10, seed=1)
    assert result.killed == 3
    assert result.slow_commits >= 50
    assert (result.present, result.duplicated, result.missing) == (2000, 0, 0)
    assert (result.duplicate_persons, result.foreign) == (0, 0)
    assert result.report["ok"] is True
    assert result.report["facesEnrolled"] == 2000
    assert result.ok, result.line()
