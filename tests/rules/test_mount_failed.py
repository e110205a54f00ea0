from __future__ import annotations

import pytest

from tests.rules.cases import Case, cases, check_case


@pytest.mark.parametrize("case", cases("volume-mount-failed"), ids=lambda case: case.id)
def test_mount_failed_cases(case: Case) -> None:
    check_case(case)
