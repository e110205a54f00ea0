from __future__ import annotations

import pytest

from tests.rules.cases import Case, cases, check_case


@pytest.mark.parametrize("case", cases("scheduling-gated"), ids=lambda case: case.id)
def test_scheduling_gated_cases(case: Case) -> None:
    check_case(case)
