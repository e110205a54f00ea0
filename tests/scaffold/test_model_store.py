"""Repository runtimes without --model serve a model repository volume (issue 13).

``new serving bert --runtime triton --gpus 1`` refused without --model, where Triton's own way (and the
example users copy) is ``--model-repository=/models`` on a mounted volume; likewise TorchServe's model
store and TF Serving's base path.
"""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_ml.scaffold.serving import ServingParams, build_serving, serving_notes
from tests.live.inprocess import run
from tests.scaffold.schema import VERSIONS, schema_errors


def _deployment(params: ServingParams) -> dict[str, Any]:
    return next(obj for obj in build_serving(params) if obj["kind"] == "Deployment")


@pytest.mark.parametrize(
    ("runtime", "image", "args", "mount"),
    [
        ("triton", "nvcr.io/nvidia/tritonserver:24.05-py3", ["--model-repository=/models"], "/models"),
        ("torchserve", "pytorch/torchserve:0.11.0-gpu", ["--models", "all"], "/home/model-server/model-store"),
        (
            "tfserving",
            "tensorflow/serving:2.16.1-gpu",
            ["--model_name=bert", "--model_base_path=/models/bert"],
            "/models",
        ),
    ],
)
def test_without_model_the_repository_is_a_volume(runtime: str, image: str, args: list[str], mount: str) -> None:
    deployment = _deployment(ServingParams("bert", image, runtime, gpus=1))
    spec = deployment["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert all(arg in container["args"] for arg in args)
    assert {"name": "models", "mountPath": mount} in container["volumeMounts"]
    assert {"name": "models", "emptyDir": {}} in spec["volumes"]
    for version in (VERSIONS[0], VERSIONS[-1]):
        assert schema_errors(deployment, version) == []
    (note,) = serving_notes(ServingParams("bert", image, runtime, gpus=1))
    assert f"serves the model repository at {mount}, from an emptyDir" in note


def test_model_pvc_mounts_the_claim_read_only() -> None:
    deployment = _deployment(
        ServingParams("bert", "nvcr.io/nvidia/tritonserver:24.05-py3", "triton", gpus=1, model_pvc="triton-models")
    )
    spec = deployment["spec"]["template"]["spec"]
    assert {"name": "models", "mountPath": "/models", "readOnly": True} in spec["containers"][0]["volumeMounts"]
    assert {"name": "models", "persistentVolumeClaim": {"claimName": "triton-models", "readOnly": True}} in spec[
        "volumes"
    ]


def test_an_llm_runtime_still_needs_a_model_and_a_given_model_gets_no_volume() -> None:
    given = _deployment(ServingParams("bert", "nvcr.io/nvidia/tritonserver:24.05-py3", "triton", "s3://b/m"))
    assert all(volume["name"] != "models" for volume in given["spec"]["template"]["spec"]["volumes"])
    assert serving_notes(ServingParams("bert", "nvcr.io/nvidia/tritonserver:24.05-py3", "triton", "s3://b/m")) == []


def test_the_command_says_where_the_models_come_from(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys, "new", "serving", "bert", "--image", "nvcr.io/nvidia/tritonserver:24.05-py3", "--runtime", "triton"
    )
    assert result.code == 0, result
    assert "--model-repository=/models" in result.out
    assert "note: no --model: triton serves the model repository at /models" in result.err
    bad = run(
        capsys,
        "new",
        "serving",
        "bert",
        "--image",
        "nvcr.io/nvidia/tritonserver:24.05-py3",
        "--runtime",
        "triton",
        "--model-pvc",
        "Bad_Name",
    )
    assert bad.code == 2
