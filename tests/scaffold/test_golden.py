"""Golden files: every generator and runtime, byte for byte (KUBECTL_ML_UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import os

import pytest

from kubectl_ml.render.data import manifests_text
from tests.conftest import FIXTURES
from tests.scaffold.cases import CASES

GOLDEN = FIXTURES / "scaffold"


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_golden_file(case: str) -> None:
    text = manifests_text(CASES[case](), "yaml")
    path = GOLDEN / f"{case}.yaml"
    if os.environ.get("KUBECTL_ML_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{path} differs: KUBECTL_ML_UPDATE_GOLDEN=1 pytest rewrites it"


def test_every_golden_file_has_a_case() -> None:
    assert sorted(path.stem for path in GOLDEN.glob("*.yaml")) == sorted(CASES)
