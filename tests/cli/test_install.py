"""install.sh, run for real into a temporary home, then the binary and completion shim it installed.

The install itself starts in the background when collection ends (tests/cli/conftest.py).
"""

from __future__ import annotations

import json
import os

import pytest

from tests.cli.conftest import KUBECTL, SYSTEM_PATH, Completed, Installation, clean_env, execute
from tests.support.fixtures import CLUSTER


def installed_env(installation: Installation) -> dict[str, str]:
    return clean_env(installation.root / "home", path_first=installation.bin)


def shim(installation: Installation, *words: str) -> Completed:
    return execute([str(installation.bin / "kubectl_complete-ml"), *words], installed_env(installation))


def values(result: Completed) -> list[str]:
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[-1].startswith(":"), result
    return [line.split("\t", 1)[0] for line in lines[:-1]]


def test_install_sh_puts_the_plugin_and_the_completion_shim_on_the_path(installation: Installation) -> None:
    log = installation.log.read_text()
    assert "Installed: kubectl-ml: " in log, log
    assert "kubectl finds the plugin" in log, log
    assert (installation.bin / "kubectl-ml").resolve() == installation.home / "venv" / "bin" / "kubectl-ml"
    assert os.access(installation.bin / "kubectl_complete-ml", os.X_OK)


@pytest.mark.kubectl
def test_the_installed_plugin_runs_through_kubectl(installation: Installation) -> None:
    assert KUBECTL is not None
    env = installed_env(installation)
    listed = execute([KUBECTL, "plugin", "list"], env)
    assert str(installation.bin / "kubectl-ml") in listed.out, listed
    result = execute(
        [
            KUBECTL,
            "ml",
            "doctor",
            "llm-server-6d5f8b7c9d-x2k4p",
            "-n",
            "ml-serving",
            "--snapshot",
            str(CLUSTER),
            "-o",
            "json",
        ],
        env,
    )
    assert result.code == 1, result
    assert [finding["code"] for finding in json.loads(result.out)["findings"]] == ["image-not-found"]
    assert "Traceback" not in result.err


def test_the_shim_completes_subcommands_and_options(installation: Installation) -> None:
    assert {"doctor", "snapshot", "version"} <= set(values(shim(installation, "")))
    assert values(shim(installation, "sn")) == ["snapshot"]
    assert {"--namespace", "--all-namespaces", "--output", "--fail-on"} <= set(
        values(shim(installation, "doctor", "--"))
    )
    assert set(values(shim(installation, "doctor", "-o", ""))) == {"text", "json", "yaml"}


def test_the_shim_works_without_the_plugin_on_the_path(installation: Installation) -> None:
    # kubectl finds the shim on PATH; the shim names the installed binary by its full path.
    env = clean_env(installation.root / "home", path_first=installation.bin)
    env["PATH"] = SYSTEM_PATH
    result = execute([str(installation.bin / "kubectl_complete-ml"), "doctor", "--sn"], env)
    assert values(result) == ["--snapshot"]


@pytest.mark.kubectl
def test_kubectl_asks_the_shim_to_complete_plugin_words(installation: Installation) -> None:
    assert KUBECTL is not None
    env = installed_env(installation)
    top = execute([KUBECTL, "__complete", "ml", ""], env)
    assert {"doctor", "snapshot"} <= set(values(top)), top
    options = execute([KUBECTL, "__complete", "ml", "doctor", "--fail"], env)
    assert values(options) == ["--fail-on"]
    output = execute([KUBECTL, "__complete", "ml", "doctor", "-o", ""], env)
    assert set(values(output)) == {"text", "json", "yaml"}
