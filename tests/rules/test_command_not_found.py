from __future__ import annotations

import pytest

from kubectl_ml.rules.command_not_found import _EXECUTABLE
from tests.rules.cases import Case, cases, check_case
from tests.rules.commands import check_commands


@pytest.mark.parametrize("case", cases("command-not-found"), ids=lambda case: case.id)
def test_command_not_found_cases(case: Case) -> None:
    check_case(case)
    check_commands(case)


# Start errors as runc words them (doctor-anchors.md §4.3 unless noted) and the program each names.
START_ERRORS = [
    (
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: "
        'unable to start container process: exec: "torchrun": executable file not found in $PATH: unknown',
        "torchrun",
    ),
    (
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: "
        'unable to start container process: error during container init: exec: "python": executable file not found '
        "in $PATH: unknown",
        "python",
    ),
    (
        "failed to create containerd task: OCI runtime create failed: container_linux.go:349: starting container "
        'process caused "exec: \\"python3\\": executable file not found in $PATH": unknown',
        "python3",
    ),
    (
        'OCI runtime create failed: container_linux.go:344: starting container process caused "exec: '
        '\\"/do/not/exist\\": stat /do/not/exist: no such file or directory": unknown',
        "/do/not/exist",
    ),
    # cri-o/cri-o#9136
    (
        'runc create failed: unable to start container process: error during container init: exec: "./health-inspection'
        '-agent": stat ./health-inspection-agent: no such file or directory',
        "./health-inspection-agent",
    ),
    # kubernetes/kubernetes#72612
    (
        'container_linux.go:265: starting container process caused "exec: \\"/opt/mqtt-kube-operator\\": permission '
        'denied"',
        "/opt/mqtt-kube-operator",
    ),
    # rancher-archives/rke#3738
    (
        "Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime "
        'create failed: runc create failed: unable to start container process: exec: "/opt/rke-tools/entrypoint.sh": '
        "permission denied: unknown",
        "/opt/rke-tools/entrypoint.sh",
    ),
]


@pytest.mark.parametrize(("message", "program"), START_ERRORS)
def test_command_not_found_reads_the_program_from_runc_errors(message: str, program: str) -> None:
    match = _EXECUTABLE.search(message)
    assert match is not None
    assert match.group(1) == program


def test_command_not_found_passes_when_a_mount_fails_with_no_such_file() -> None:
    # kubernetes/kubernetes#98719: runc's subPath mount error is not about the command.
    message = (
        "OCI runtime create failed: container_linux.go:370: starting container process caused: process_linux.go:459: "
        'container init caused: rootfs_linux.go:59: mounting "/var/lib/kubelet/pods/705062a4-16a6-419b-8fd1-'
        '523bdb7feee8/volume-subpaths/p-003-config-volume/actions/1" to rootfs at "/var/lib/docker/overlay2/'
        '698615ea75288dd5622f0bd3a5c45fa31eb8f0bced47dcd5c5d61c0f5b7831b9/merged/etc/m/Actions.json" caused: no such '
        "file or directory: unknown"
    )
    assert _EXECUTABLE.search(message) is None
