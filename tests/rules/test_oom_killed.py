from __future__ import annotations

import pytest

from tests.rules.cases import Case, cases, check_case


@pytest.mark.parametrize("case", cases("oom-killed"), ids=lambda case: case.id)
def test_oom_killed_cases(case: Case) -> None:
    check_case(case)
