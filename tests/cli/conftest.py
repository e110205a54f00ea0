"""End-to-end helpers: run the installed console script (and kubectl) as subprocesses, as users do.

install.sh builds a fresh virtual environment and pip-installs the project (about half a minute), so
when tests/cli/test_install.py is selected it starts in the background as soon as collection ends and
the other tests run meanwhile; the ``installation`` fixture waits for it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.fixtures import ROOT, apiserver, kubeconfig

__all__ = ["apiserver", "kubeconfig"]

BIN = Path(sys.executable).parent
KUBECTL_ML = BIN / "kubectl-ml"
KUBECTL = shutil.which("kubectl", path="/usr/local/bin:/usr/bin:/bin")
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class Completed:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def clean_env(home: Path, extra: Mapping[str, str] | None = None, path_first: Path = BIN) -> dict[str, str]:
    """The environment of a user shell: our bin dir on PATH, an empty HOME, no KUBECONFIG, no colour."""
    env = {
        "PATH": f"{path_first}:{SYSTEM_PATH}",
        "HOME": str(home),
        "NO_COLOR": "1",
        "LANG": "C.UTF-8",
        "TERM": "dumb",
    }
    env.update(extra or {})
    return env


def execute(argv: list[str], env: Mapping[str, str], timeout: float = 60, stdin: str | None = None) -> Completed:
    completed = subprocess.run(
        argv, env=dict(env), capture_output=True, text=True, timeout=timeout, input=stdin, check=False, cwd=ROOT
    )
    return Completed(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def cli(tmp_path: Path) -> Runner:
    return Runner(tmp_path / "home")


class Runner:
    """Runs ``kubectl-ml`` (or ``kubectl``) with a clean environment."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.env: dict[str, str] = {}

    def environment(self) -> dict[str, str]:
        return clean_env(self.home, self.env)

    def ml(self, *args: str, timeout: float = 60) -> Completed:
        return execute([str(KUBECTL_ML), *args], self.environment(), timeout)

    def kubectl(self, *args: str, timeout: float = 60) -> Completed:
        assert KUBECTL, "kubectl is not installed"
        return execute([KUBECTL, *args], self.environment(), timeout)


# -- install.sh in the background ---------------------------------------------------------------------


@dataclass
class Installation:
    root: Path
    home: Path
    bin: Path
    process: subprocess.Popen[str]
    log: Path

    def wait(self) -> Completed:
        try:
            self.process.wait(timeout=240)
        finally:
            text = self.log.read_text(errors="replace")
        return Completed(self.process.returncode, "", text)


_INSTALLATIONS: list[Installation] = []


def start_installation(pip_cache: Path | None = None) -> Installation:
    root = Path(tempfile.mkdtemp(prefix="kubectl-ml-install-"))
    home, bin_dir, user_home, tools = root / "share", root / "bin", root / "home", root / "tools"
    user_home.mkdir()
    tools.mkdir()
    # A user's PATH: a python3 (the interpreter this virtualenv was made from) and kubectl, but not
    # this checkout's kubectl-ml, which would shadow the one being installed.
    (tools / "python3").symlink_to(Path(sys.base_prefix) / "bin" / "python3")
    log = root / "install.log"
    env = clean_env(user_home, {"KUBECTL_ML_HOME": str(home), "KUBECTL_ML_BIN": str(bin_dir)}, path_first=tools)
    # The user put the install folder on PATH first (as the installer advises): an older kubectl-ml in
    # /usr/local/bin (from a previous ./install.sh on this machine) must not shadow the one being tested.
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    # pip settings of this machine (a wheel mirror, certificates) are the user's, keep them; a pip cache
    # kept between test runs (in .pytest_cache) saves building the same wheels again.
    env.update({key: value for key, value in os.environ.items() if key.startswith("PIP_")})
    if pip_cache is not None:
        env["PIP_CACHE_DIR"] = str(pip_cache)
    with log.open("w") as stream:
        process = subprocess.Popen(
            [str(ROOT / "install.sh"), "--no-demo"],
            env=env,
            stdout=stream,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=root,
            start_new_session=True,
        )
    installation = Installation(root, home, bin_dir, process, log)
    _INSTALLATIONS.append(installation)
    return installation


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(item.nodeid.startswith("tests/cli/test_install.py") for item in session.items) and not _INSTALLATIONS:
        cache = getattr(session.config, "cache", None)
        start_installation(cache.mkdir("install-pip-cache") if cache is not None else None)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for installation in _INSTALLATIONS:
        if installation.process.poll() is None:
            os.killpg(installation.process.pid, signal.SIGTERM)
            installation.process.wait(timeout=10)
        shutil.rmtree(installation.root, ignore_errors=True)


@pytest.fixture(scope="session")
def installation() -> Installation:
    if not _INSTALLATIONS:  # selected by a -k expression the hook did not see
        start_installation()
    installation = _INSTALLATIONS[0]
    result = installation.wait()
    assert result.code == 0, f"install.sh failed:\n{result.err}"
    return installation
