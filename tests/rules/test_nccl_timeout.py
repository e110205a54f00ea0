from __future__ import annotations

import pytest

from kubectl_ml.model.context import PodContext
from kubectl_ml.rules import nccl_timeout
from tests.rules.cases import Case, cases, check_case

_POD = {
    "metadata": {"name": "llama-worker-3", "namespace": "ml-training"},
    "spec": {"containers": [{"name": "pytorch"}]},
    "status": {"phase": "Running"},
}


@pytest.mark.parametrize("case", cases("nccl-timeout"), ids=lambda case: case.id)
def test_nccl_timeout_cases(case: Case) -> None:
    check_case(case)


def test_a_timeout_later_in_training_blames_a_peer_that_failed_or_hung() -> None:
    line = (
        "[Rank 3] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=48213, OpType=ALLREDUCE, "
        "NumelIn=1, NumelOut=1, Timeout(ms)=1800000) ran for 1800429 milliseconds before timing out."
    )
    [finding] = nccl_timeout.check(PodContext(pod=_POD, previous_logs={"pytorch": f"step 48212\n{line}\n"}))
    assert finding.summary == (
        "Container pytorch (rank 3) stopped on a NCCL collective timeout (ALLREDUCE, 1800s): a peer rank failed "
        "or hung."
    )
    assert finding.evidence[0].value == line


def test_the_generic_line_alone_still_counts() -> None:
    log = (
        "[E ProcessGroupNCCL.cpp:489] Some NCCL operations have failed or timed out. Due to the asynchronous "
        "nature of CUDA kernels, subsequent GPU operations might run on corrupted/incomplete data.\n"
    )
    [finding] = nccl_timeout.check(PodContext(pod=_POD, current_logs={"pytorch": log}))
    assert finding.summary == "Container pytorch stopped on a NCCL collective timeout: a peer rank failed or hung."
    assert finding.evidence[0].path == "logs/pytorch"
