"""Property-based fuzzing of the input edges: whatever one field of the input becomes, no traceback.

Each example takes one JSON/YAML value somewhere in the demo snapshot (or a lint fixture) and replaces it
with a value of another type: null, a number where a string was, a huge number, a list where a mapping
was, odd Unicode. The plugin must answer as it does for real data: exit 0 or 1 with output that parses,
or exit 3 with a one- or two-line error; never exit 4 (an internal error is a bug to fix, not a pass).

Deterministic (derandomized) and bounded for CI; ``KUBECTL_ML_FUZZ_EXAMPLES`` raises the number of
examples (the benchmark script runs a longer campaign).
"""

from __future__ import annotations

import copy
import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from tests.live.inprocess import Run
from tests.live.inprocess import run as run_cli

EXAMPLES = int(os.environ.get("KUBECTL_ML_FUZZ_EXAMPLES", "120"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WRONG_VALUES = [
    None,
    0,
    -1,
    10**30,
    1.5,
    True,
    "",
    "x",
    "\u202e\U0001f600\x00",
    [],
    [None],
    {},
    {"": None},
]

Path_ = tuple[str | int, ...]


def _paths(value: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replaced(document: Any, path: Path_, new: Any) -> Any:
    if not path:
        return copy.deepcopy(new)
    result = copy.deepcopy(document)
    parent = result
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = copy.deepcopy(new)
    return result


def _json_files(root: Path) -> dict[str, Any]:
    return {str(path.relative_to(root)): json.loads(path.read_text()) for path in sorted(root.rglob("*.json"))}


DEMO = FIXTURES / "demo"
DEMO_FILES = _json_files(DEMO)
DEMO_PATHS = [(name, path) for name, document in DEMO_FILES.items() for path in _paths(document) if path]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    """The CLI in-process with every warning an error: a library's warning on stderr is not our answer.

    (pytest records warnings instead of letting them reach stderr, so only an error shows one.)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return run_cli(capsys, *args)


def _assert_answered(result: Run, output: str) -> None:
    assert result.code in (0, 1, 3), f"exit {result.code}: {result.err}"
    assert "Traceback" not in result.err, result.err
    if result.code == 3 and not result.err.strip():
        # lint: an answer on stdout that says what it could not read (issue 12)
        skipped = json.loads(result.out)["skipped"] if output == "json" else "Skipped:" in result.out
        assert skipped, result.out
    elif result.code == 3:
        lines = result.err.strip().splitlines()
        assert 1 <= len(lines) <= 2, result.err
    elif output == "json":
        json.loads(result.out)


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("demo")
    for path in DEMO.rglob("*"):
        destination = target / path.relative_to(DEMO)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(path.read_bytes())
    return target


@FUZZ
@given(
    where=st.sampled_from(DEMO_PATHS),
    new=st.sampled_from(WRONG_VALUES),
    command=st.sampled_from(["doctor", "gpu", "rightsize"]),
    output=st.sampled_from(["json", "text"]),
)
def test_a_mutated_snapshot_is_answered_not_crashed(
    where: tuple[str, Path_], new: Any, command: str, output: str, demo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, path = where
    target = demo_copy / name
    target.write_text(json.dumps(_replaced(DEMO_FILES[name], path, new)))
    try:
        result = run(capsys, command, "-A", "--snapshot", str(demo_copy), "-o", output)
    finally:
        target.write_text(json.dumps(DEMO_FILES[name]))
    _assert_answered(result, output)


LINT_FILES = {
    path.name: list(yaml.safe_load_all(path.read_text()))
    for path in sorted((FIXTURES / "lint").glob("*"))
    if path.suffix in (".yaml", ".json")
}
LINT_PATHS = [
    (name, index, path)
    for name, documents in LINT_FILES.items()
    for index, document in enumerate(documents)
    for path in _paths(document)
    if path
]


@FUZZ
@given(where=st.sampled_from(LINT_PATHS), new=st.sampled_from(WRONG_VALUES), output=st.sampled_from(["json", "text"]))
def test_a_mutated_manifest_is_linted_not_crashed(
    where: tuple[str, int, Path_], new: Any, output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, index, path = where
    documents = list(LINT_FILES[name])
    documents[index] = _replaced(documents[index], path, new)
    target = tmp_path / (Path(name).stem + ".yaml")
    target.write_text(yaml.safe_dump_all(documents, allow_unicode=True))
    for command in (["lint", str(target)], ["gpu", "-f", str(target), "--snapshot", str(DEMO)]):
        result = run(capsys, *command, "-o", output)
        _assert_answered(result, output)
