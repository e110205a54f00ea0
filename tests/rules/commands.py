"""An extra check for fixture cases: the exact `commands` of the finding with the case's code.

`expect.json` may carry ``"commands": [...]``; ``check_case`` in ``cases.py`` does not read it, so the
rule tests that use it call :func:`check_commands` after ``check_case``.
"""

from __future__ import annotations

from tests.rules.cases import Case, run_case


def check_commands(case: Case) -> None:
    if "commands" not in case.expect:
        return
    report = run_case(case)
    mine = [finding for finding in report.findings if finding.code == case.code]
    assert mine, f"{case.id}: no {case.code} finding"
    assert list(mine[0].commands) == case.expect["commands"], f"{case.id}: commands {list(mine[0].commands)}"
