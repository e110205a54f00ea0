"""The installed ``kubectl-ml`` console script, run as users run it: directly and through the real kubectl."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.cli.conftest import BIN, KUBECTL_ML, Completed, Runner, clean_env, execute
from tests.support.apiserver import ApiServer
from tests.support.fixtures import CLUSTER, ROOT

TRAINER = ("trainer-0", "-n", "ml-training")
SNAPSHOT = ("--snapshot", str(CLUSTER))


def assert_clean_stderr(result: Completed) -> None:
    assert "Traceback" not in result.err, result


def assert_short_error(result: Completed, code: int, *needles: str) -> None:
    assert result.code == code, result
    assert_clean_stderr(result)
    lines = result.err.strip().splitlines()
    assert 1 <= len(lines) <= 2, result
    assert lines[0].startswith("error: "), result
    for needle in needles:
        assert needle in result.err, result


def test_console_script_sits_next_to_the_interpreter() -> None:
    assert KUBECTL_ML.is_file(), f"install the project in {BIN} (pip install -e .)"


# -- through kubectl ---------------------------------------------------------------------------------


@pytest.mark.kubectl
def test_kubectl_plugin_list_finds_the_plugin(cli: Runner) -> None:
    result = cli.kubectl("plugin", "list")
    assert str(KUBECTL_ML) in result.out, result
    assert result.code == 0 or "overshadowed" in result.err, result


@pytest.mark.kubectl
def test_kubectl_ml_doctor_from_a_snapshot(cli: Runner) -> None:
    result = cli.kubectl("ml", "doctor", *TRAINER, *SNAPSHOT, "-o", "json")
    assert result.code == 1, result  # an error finding, with the default --fail-on error
    assert_clean_stderr(result)
    report = json.loads(result.out)
    assert (report["apiVersion"], report["kind"]) == ("kubectl-ml/v1", "DoctorReport")
    assert report["source"] == {"type": "snapshot", "path": str(CLUSTER)}
    assert [finding["code"] for finding in report["findings"]] == ["crash-loop"]
    assert report["findings"][0]["object"] == {"kind": "Pod", "namespace": "ml-training", "name": "trainer-0"}


@pytest.mark.kubectl
def test_kubectl_ml_doctor_on_a_live_cluster(cli: Runner, apiserver: ApiServer, kubeconfig: Path) -> None:
    cli.env["KUBECONFIG"] = str(kubeconfig)
    result = cli.kubectl("ml", "doctor", "llm-server-6d5f8b7c9d-x2k4p", "-n", "ml-serving", "-o", "json")
    assert result.code == 1, result
    report = json.loads(result.out)
    assert report["source"] == {"type": "live", "context": "fake"}
    assert [finding["code"] for finding in report["findings"]] == ["image-not-found"]
    assert len(apiserver.requests) == 2


@pytest.mark.kubectl
def test_kubectl_ml_version_asks_the_server(cli: Runner, apiserver: ApiServer, kubeconfig: Path) -> None:
    cli.env["KUBECONFIG"] = str(kubeconfig)
    result = cli.kubectl("ml", "version")
    assert result.code == 0, result
    assert result.out.splitlines()[-1] == "server: v1.32.4"
    assert [request.path for request in apiserver.requests] == ["/version"]


@pytest.mark.kubectl
def test_kubectl_rejects_flags_before_the_plugin_name(cli: Runner) -> None:
    # kubectl's own rule (flags cannot be placed before plugin name); documented so users know why.
    result = cli.kubectl("-n", "ml-training", "ml", "doctor", *SNAPSHOT)
    assert result.code != 0
    assert "flags cannot be placed before plugin name" in result.err


# -- exit codes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param((*TRAINER, *SNAPSHOT), 1, id="error-finding"),
        pytest.param((*TRAINER, *SNAPSHOT, "--fail-on", "never"), 0, id="fail-on-never"),
        pytest.param(("notebook-0", "-n", "ml-training", *SNAPSHOT), 0, id="healthy-pod"),
        pytest.param(("notebook-0", "-n", "ml-training", *SNAPSHOT, "--fail-on", "info"), 0, id="healthy-fail-on-info"),
        pytest.param(("-n", "ml-serving", *SNAPSHOT, "--fail-on", "warning"), 1, id="scan-fail-on-warning"),
    ],
)
def test_doctor_exit_codes(cli: Runner, args: tuple[str, ...], code: int) -> None:
    result = cli.ml("doctor", *args, "-o", "json")
    assert result.code == code, result
    assert_clean_stderr(result)
    json.loads(result.out)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(("doctor", "--no-such-flag", *SNAPSHOT), "--no-such-flag", id="unknown-flag"),
        pytest.param(("doctor", *SNAPSHOT, "--fail-on", "sometimes"), "sometimes", id="bad-fail-on"),
        pytest.param(("doctor", *SNAPSHOT, "-o", "xml"), "xml", id="bad-output"),
        pytest.param(("doctor", "deployment/x", "deploy/y", *SNAPSHOT), "", id="extra-argument"),
        pytest.param(("doctor", "widget/x", *SNAPSHOT), "widget", id="unknown-kind"),
        pytest.param(("doctor", "-A", "-n", "ml-training", *SNAPSHOT), "-A", id="all-and-namespace"),
        pytest.param(("doctor", "trainer-0", "-A", *SNAPSHOT), "-A", id="pod-with-all-namespaces"),
        pytest.param(("no-such-command",), "no-such-command", id="unknown-command"),
    ],
)
def test_bad_usage_is_exit_2(cli: Runner, args: tuple[str, ...], needle: str) -> None:
    result = cli.ml(*args)
    assert result.code == 2, result
    assert_clean_stderr(result)
    assert needle in result.err, result


def test_missing_snapshot_folder_is_exit_3(cli: Runner, tmp_path: Path) -> None:
    result = cli.ml("doctor", *TRAINER, "--snapshot", str(tmp_path / "nothing-here"))
    assert_short_error(result, 3, str(tmp_path / "nothing-here"))


def test_malformed_snapshot_file_is_exit_3_naming_file_and_line(cli: Runner, tmp_path: Path) -> None:
    folder = tmp_path / "snap" / "ml-training"
    folder.mkdir(parents=True)
    broken = folder / "pods.json"
    broken.write_text('{\n  "kind": "PodList",\n  "items": [\n    {"metadata": {"name": "a"}},,\n  ]\n}\n')
    result = cli.ml("doctor", "a", "-n", "ml-training", "--snapshot", str(tmp_path / "snap"))
    assert_short_error(result, 3, str(broken), "line 4")


def test_unknown_pod_is_exit_3_with_suggestions(cli: Runner) -> None:
    result = cli.ml("doctor", "trainer-1", "-n", "ml-training", *SNAPSHOT)
    assert_short_error(result, 3, "trainer-1", "Did you mean: trainer-0")


def test_debug_shows_the_traceback(cli: Runner, tmp_path: Path) -> None:
    result = cli.ml("doctor", *TRAINER, "--snapshot", str(tmp_path / "nothing-here"), "--debug")
    assert result.code != 0
    assert "Traceback" in result.err


def test_interrupt_is_exit_130_without_a_traceback(cli: Runner, apiserver: ApiServer, kubeconfig: Path) -> None:
    apiserver.delay("/api/v1/namespaces/ml-training/pods/trainer-0", 30)
    env = clean_env(cli.home, {"KUBECONFIG": str(kubeconfig)})
    process = subprocess.Popen(
        [str(KUBECTL_ML), "doctor", "trainer-0"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 30
    while not apiserver.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    assert apiserver.requests, "the plugin never reached the server"
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        # A signal that lands between Python's signal check and the blocking read is only seen when the
        # read returns (a CPython race, rare); the user presses Ctrl-C again, which interrupts the read.
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
        assert process.returncode in (130, -signal.SIGINT), (out, err)
        assert "Traceback" not in err
        return
    assert process.returncode == 130, (out, err)
    assert "Traceback" not in err
    assert err.strip().splitlines() == ["error: Interrupted."]


# -- output ------------------------------------------------------------------------------------------


def test_yaml_output_is_the_json_report(cli: Runner) -> None:
    as_yaml = cli.ml("doctor", "-A", *SNAPSHOT, "-o", "yaml")
    as_json = cli.ml("doctor", "-A", *SNAPSHOT, "-o", "json")
    assert as_yaml.code == as_json.code == 1
    assert yaml.safe_load(as_yaml.out) == json.loads(as_json.out)


def test_text_output_has_no_colour_off_a_terminal(cli: Runner) -> None:
    result = cli.ml("doctor", *TRAINER, *SNAPSHOT)
    assert result.code == 1, result
    assert "crash-loop" in result.out
    assert "\x1b[" not in result.out


def test_snapshot_flag_rejects_kubeconfig(cli: Runner, tmp_path: Path) -> None:
    result = cli.ml("doctor", *TRAINER, *SNAPSHOT, "--kubeconfig", str(tmp_path / "k"))
    assert result.code == 2, result
    assert_clean_stderr(result)


# -- startup -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("--help",), ("doctor", "--help"), ("version", "--client")])
def test_help_and_version_do_not_import_the_kubernetes_client(cli: Runner, args: tuple[str, ...]) -> None:
    probe = (
        "import sys\n"
        "from kubectl_ml.cli import main\n"
        f"code = main({list(args)!r})\n"
        "loaded = sorted(name for name in sys.modules if name == 'kubernetes' or name.startswith('kubernetes.'))\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
        "raise SystemExit(code)\n"
    )
    result = execute_python(cli, "-c", probe)
    assert result.code == 0, result
    assert "LOADED []" in result.err, result


def test_help_import_time_has_no_kubernetes(cli: Runner) -> None:
    result = execute_python(cli, "-X", "importtime", "-m", "kubectl_ml", "--help")
    assert result.code == 0, result
    modules = [line.rsplit("|", 1)[-1].strip() for line in result.err.splitlines() if line.startswith("import time:")]
    assert "kubectl_ml.cli" in modules
    assert not [name for name in modules if name.split(".")[0] in ("kubernetes", "urllib3")], modules
    assert "Usage: kubectl ml" in result.out


def execute_python(cli: Runner, *args: str) -> Completed:
    completed = subprocess.run(
        [sys.executable, *args],
        env=cli.environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    return Completed(completed.returncode, completed.stdout, completed.stderr)


# -- completion ----------------------------------------------------------------------------------------


def candidates(result: Completed) -> list[str]:
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines, result
    assert lines[-1].startswith(":"), result
    return [line.split("\t", 1)[0] for line in lines[:-1]]


def test_complete_subcommands_and_options(cli: Runner) -> None:
    assert {"doctor", "snapshot", "version"} <= set(candidates(cli.ml("__complete", "")))
    assert candidates(cli.ml("__complete", "do")) == ["doctor"]
    options = candidates(cli.ml("__complete", "doctor", "--"))
    assert {"--namespace", "--context", "--kubeconfig", "--snapshot", "--output", "--fail-on"} <= set(options)
    assert set(candidates(cli.ml("__complete", "doctor", "-o", ""))) == {"text", "json", "yaml"}
    assert candidates(cli.ml("__complete", "doctor", "--fail-on", "w")) == ["warning"]


def test_complete_directives_for_paths(cli: Runner) -> None:
    assert cli.ml("__complete", "doctor", "--snapshot", "").out.splitlines()[-1] == ":16"
    assert cli.ml("__complete", "snapshot", "").out.splitlines()[-1] == ":16"
    assert cli.ml("__complete", "doctor", "").out.splitlines()[-1] == ":4"


@pytest.mark.kubectl
def test_kubectl_ml_alone_prints_help(cli: Runner) -> None:
    result = cli.kubectl("ml")
    assert "Usage: kubectl ml" in result.out + result.err
    assert_clean_stderr(result)


def test_completion_prints_a_working_kubectl_complete_shim(cli: Runner, tmp_path: Path) -> None:
    printed = cli.ml("completion")
    assert printed.code == 0, printed
    shim = tmp_path / "kubectl_complete-ml"
    shim.write_text(printed.out)
    shim.chmod(0o755)
    answered = execute([str(shim), "doc"], cli.environment())
    assert "doctor" in answered.out.splitlines()[0]
