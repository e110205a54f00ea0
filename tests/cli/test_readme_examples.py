"""Every example in the README runs as written on the bundled demo (issue 13).

The README's first example once named a pod the demo does not have. Each line of its examples block is
run: commands that read a cluster get ``--snapshot fixtures/demo`` (as the README tells newcomers),
``snapshot`` reads the demo served as a cluster by the local API server, ``new`` and ``lint`` run as
they are. Each must answer (exit 0 or 1), never fail to run.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.live.inprocess import run
from tests.support.apiserver import ApiServer

ROOT = Path(__file__).resolve().parents[2]
DEMO = FIXTURES / "demo"
_BLOCK = re.compile(r"```bash\n(.*?)```", re.DOTALL)


def _examples() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = []
    for block in _BLOCK.findall(readme):
        for line in block.splitlines():
            command = line.split("  #", 1)[0].strip()
            if command.startswith("kubectl ml "):
                lines.append(command)
    return lines


EXAMPLES = _examples()


def test_the_readme_has_examples_and_the_demo_pod_exists() -> None:
    assert len(EXAMPLES) >= 8
    assert any("bert-finetune-0-5lpgp" in example for example in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES)
def test_a_readme_example_runs_on_the_demo(
    example: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = shlex.split(example)[2:]  # after "kubectl ml"
    monkeypatch.chdir(ROOT)
    if args[0] == "snapshot":
        with ApiServer.from_snapshot(DEMO, tls=True) as server:
            monkeypatch.setenv("KUBECONFIG", str(server.write_kubeconfig(tmp_path / "kube")))
            args[1] = str(tmp_path / Path(args[1]).name)
            result = run(capsys, *args)
        assert result.code == 0, result
        assert (tmp_path / Path(args[1]).name / "ml-training" / "pods.json").is_file()
        return
    if args[0] in ("doctor", "rightsize", "gpu") and "--snapshot" not in args:
        args += ["--snapshot", str(DEMO)]
    result = run(capsys, *args)
    assert result.code in (0, 1), result
    assert "error:" not in result.err, result.err
    assert result.out.strip(), example


@pytest.mark.parametrize("command", ["doctor", "gpu", "rightsize", "lint", "new job", "new serving"])
def test_help_examples_that_name_the_demo_run_as_written(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An example that points at the demo must work on it exactly as printed (from the checkout).
    monkeypatch.chdir(ROOT)
    help_text = run(capsys, *command.split(), "--help").out
    examples = [line.strip() for line in help_text.splitlines() if line.strip().startswith("kubectl ml ")]
    assert examples, command
    for example in (line for line in examples if "fixtures/demo" in line):
        result = run(capsys, *shlex.split(example)[2:])
        assert result.code in (0, 1), (example, result)
