from __future__ import annotations

import pytest

from kubectl_ml.model.context import PodContext
from kubectl_ml.rules import cuda_oom
from tests.rules.cases import Case, cases, check_case

_POD = {
    "metadata": {"name": "trainer-0", "namespace": "ml-training"},
    "spec": {"containers": [{"name": "trainer"}]},
    "status": {"phase": "Running"},
}


@pytest.mark.parametrize("case", cases("cuda-oom"), ids=lambda case: case.id)
def test_cuda_oom_cases(case: Case) -> None:
    check_case(case)


def test_the_previous_log_wins_over_the_current_one() -> None:
    context = PodContext(
        pod=_POD,
        previous_logs={"trainer": "RuntimeError: CUDA error: out of memory\n"},
        current_logs={"trainer": "step 10 loss 2.31\n"},
    )
    [finding] = cuda_oom.check(context)
    assert finding.evidence[0].path == "logs/trainer?previous=true"
    assert finding.commands == ("kubectl logs -n ml-training trainer-0 -c trainer --previous --tail=100",)


def test_an_out_of_memory_error_that_is_not_about_the_gpu_is_not_a_cuda_oom() -> None:
    context = PodContext(pod=_POD, previous_logs={"trainer": "java.lang.OutOfMemoryError: Java heap space\n"})
    assert list(cuda_oom.check(context)) == []
