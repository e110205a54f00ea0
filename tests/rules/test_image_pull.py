from __future__ import annotations

import pytest

from kubectl_ml.model.findings import Finding, Report
from kubectl_ml.rules.image_pull import _lowercase_repository, classify_pull_error, registry_of
from tests.rules.cases import Case, cases, check_case, run_case
from tests.rules.commands import check_commands

CODES = (
    "image-not-found",
    "image-pull-unauthorized",
    "image-pull-rate-limited",
    "registry-unreachable",
    "invalid-image-name",
    "image-pull-failed",
)


@pytest.mark.parametrize("case", [case for code in CODES for case in cases(code)], ids=lambda case: case.id)
def test_image_pull_cases(case: Case) -> None:
    check_case(case)
    check_commands(case)


def _run(code: str, kind: str, variant: str) -> tuple[Report, Finding]:
    case = next(case for case in cases(code) if case.kind == kind and case.path.name == variant)
    report = run_case(case)
    return report, next(finding for finding in report.findings if finding.code == code)


# Verbatim runtime errors (doctor-anchors.md §4.2 unless noted) and the code each must give.
PULL_ERRORS = [
    # containerd
    (
        'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:2.3.5": failed to '
        'resolve reference "docker.io/library/nginx:2.3.5": docker.io/library/nginx:2.3.5: not found',
        "image-not-found",
    ),
    (
        'failed to pull and unpack image "docker.io/library/fakeimage:latest": failed to resolve reference '
        '"docker.io/library/fakeimage:latest": pull access denied, repository does not exist or may require '
        "authorization: server message: insufficient_scope: authorization failed",
        "image-pull-unauthorized",
    ),
    (
        'failed to pull and unpack image "ghcr.io/acme/img:1.0": failed to resolve reference "ghcr.io/acme/img:1.0": '
        "failed to authorize: failed to fetch anonymous token: unexpected status: 403 Forbidden",
        "image-pull-unauthorized",
    ),
    (
        'failed to pull and unpack image "docker.io/library/nginx:latest": failed to copy: httpReadSeeker: failed '
        "open: unexpected status code https://registry-1.docker.io/v2/library/nginx/manifests/sha256:0c18: 429 Too "
        "Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the "
        "limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit",
        "image-pull-rate-limited",
    ),
    (
        'failed to pull and unpack image "docker.io/library/nginx:1.27-alpine": failed to resolve reference '
        '"docker.io/library/nginx:1.27-alpine": failed to do request: Head '
        '"https://registry-1.docker.io/v2/library/nginx/manifests/1.27-alpine": tls: failed to verify certificate: '
        "x509: certificate signed by unknown authority",
        "registry-unreachable",
    ),
    # kubernetes/kubernetes#131521
    (
        'rpc error: code = Canceled desc = failed to pull and unpack image "private_registery.mydomain/idrac_to_kafka:'
        '20250428T1620": failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://private_'
        "registery.mydomain/v2/csg/idrac_to_kafka/blobs/sha256:d0157ca575c725b6dbdc6c7b843b8614963fda6ca619af9932bfbbb39c"
        '450c5a": context canceled',
        "image-pull-failed",
    ),
    # containerd/containerd#3604: the registry has the image; the node lost a blob. Not "image not found".
    (
        'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/prom/mysqld-exporter:v0.12.1": '
        "failed to unpack image on snapshotter overlayfs: content digest "
        "sha256:0c18b88b8db3c193eefeede31a80d5d0c850306076b7166910ed239685dd20b0: not found",
        "image-pull-failed",
    ),
    # docker (dockershim, cri-dockerd)
    (
        "rpc error: code = Unknown desc = Error response from daemon: pull access denied for pf/kubelet-csr-approver, "
        "repository does not exist or may require 'docker login'",
        "image-pull-unauthorized",
    ),
    (
        "rpc error: code = Unknown desc = Error response from daemon: manifest for oamdev/vela-core:0.3.1 not found: "
        "manifest unknown: manifest unknown",
        "image-not-found",
    ),
    (
        'Error response from daemon: Head "https://us-docker.pkg.dev/v2/p/r/i/manifests/1": denied: Permission '
        '"artifactregistry.repositories.downloadArtifacts" denied on resource "projects/p/locations/us/repositories/r" '
        "(or it may not exist)",
        "image-pull-unauthorized",
    ),
    (
        "rpc error: code = Unknown desc = Error response from daemon: Get https://registry-1.docker.io/v2/: dial tcp: "
        "lookup registry-1.docker.io on 127.0.0.53:53: server misbehaving",
        "registry-unreachable",
    ),
    # Docker 17.x (the numeric-code era): no "manifest unknown", and "no pull access" for a denied repository.
    (
        'rpc error: code = 2 desc = Error response from daemon: {"message":"manifest for jupyter/scipy-notebook:v0.4 '
        'not found"}',
        "image-not-found",
    ),
    ("Error response from daemon: manifest for koutto/jok3r:latest not found", "image-not-found"),
    (
        "Error response from daemon: repository finalduty/docker not found: does not exist or no pull access",
        "image-pull-unauthorized",
    ),
    (
        'rpc error: code = 2 desc = Error response from daemon: {"message":"Get https://192.168.5.103:5000/v1/_ping: '
        'dial tcp 192.168.5.103:5000: getsockopt: connection refused"}',
        "registry-unreachable",
    ),
    # CRI-O
    (
        "rpc error: code = Unknown desc = reading manifest sha256:4f1d in quay.io/mongodb/mongodb-agent-ubi: manifest "
        "unknown: manifest unknown",
        "image-not-found",
    ),
    (
        "reading manifest v1 in quay.io/example-org/example-catalog: unauthorized: access to the requested resource is "
        "not authorized",
        "image-pull-unauthorized",
    ),
    (
        "rpc error: code = Unknown desc = reading manifest latest in docker.io/library/controller: requested access to "
        "the resource is denied",
        "image-pull-unauthorized",
    ),
    (
        "rpc error: code = Unknown desc = reading manifest sha256:4f1d in cp.icr.io/cp/cp4a/icp4a-operator: denied: "
        "insufficient scope",
        "image-pull-unauthorized",
    ),
    (
        "rpc error: code = Unknown desc = reading manifest 8.0.29 in docker.io/library/mysql: toomanyrequests: You "
        "have reached your pull rate limit. You may increase the limit by authenticating and upgrading: "
        "https://www.docker.com/increase-rate-limit",
        "image-pull-rate-limited",
    ),
    # kubelet's own texts
    (
        'Failed to apply default image tag "ghcr.io/Acme/Trainer:1.0": couldn\'t parse image reference '
        '"ghcr.io/Acme/Trainer:1.0": invalid reference format: repository name must be lowercase',
        "invalid-image-name",
    ),
    (
        'Container image "registry.acme.internal/ml/trainer:2024.11" is not present with pull policy of Never',
        "image-not-found",
    ),
]


@pytest.mark.parametrize(("text", "code"), PULL_ERRORS)
def test_classify_pull_error_maps_verbatim_runtime_errors(text: str, code: str) -> None:
    cause = classify_pull_error(text)
    assert cause is not None
    assert cause.code == code


def test_classify_pull_error_passes_when_the_text_names_no_cause() -> None:
    # kubernetes/kubernetes#58526: a cancelled request says nothing about why.
    assert classify_pull_error("rpc error: code = 2 desc = net/http: request canceled") is None
    assert classify_pull_error('Back-off pulling image "nginx:2.3.5"') is None


@pytest.mark.parametrize(
    ("image", "registry"),
    [
        ("nginx", "docker.io"),
        ("library/nginx:1.27-alpine", "docker.io"),
        ("acmeml/private-trainer:3.1.0", "docker.io"),
        ("ghcr.io/acme-ml/embedder:0.4.2", "ghcr.io"),
        ("registry.acme.internal:5000/ml/trainer:2.0.1", "registry.acme.internal:5000"),
        ("192.168.5.103:5000/qibei/zookeeper", "192.168.5.103:5000"),
        ("localhost/trainer:dev", "localhost"),
        ("us-docker.pkg.dev/acme-ml/models/trainer:1.4.2", "us-docker.pkg.dev"),
        ("nvcr.io/nvidia/pytorch:24.10-py3", "nvcr.io"),
    ],
)
def test_registry_of(image: str, registry: str) -> None:
    assert registry_of(image) == registry


@pytest.mark.parametrize(
    ("image", "fixed"),
    [
        ("ghcr.io/Acme-ML/Trainer:1.4.2", "ghcr.io/acme-ml/trainer:1.4.2"),
        ("registry.acme.internal:5000/ML/Trainer:V2", "registry.acme.internal:5000/ml/trainer:V2"),
        ("Acme/App@sha256:4f1d", "acme/app@sha256:4f1d"),
        ("registry.acme.internal:5000/App", "registry.acme.internal:5000/app"),
    ],
)
def test_lowercase_repository_keeps_tag_and_digest(image: str, fixed: str) -> None:
    assert _lowercase_repository(image) == fixed


def test_image_pull_unauthorized_fires_when_pod_has_no_pull_secret_and_proposes_one() -> None:
    _report, finding = _run("image-pull-unauthorized", "fires", "containerd-dockerhub-no-pull-secret")
    assert "no imagePullSecrets" in (finding.remedy or "")
    assert finding.patch == {"spec": {"imagePullSecrets": [{"name": "regcred"}]}}
    assert list(finding.commands) == [
        "kubectl create secret docker-registry regcred -n ml-training --docker-server=docker.io "
        "--docker-username=<user> --docker-password=<token>"
    ]


def test_image_pull_unauthorized_fires_when_pod_has_a_pull_secret_and_names_it() -> None:
    _report, finding = _run("image-pull-unauthorized", "fires", "containerd-dockerhub-with-pull-secret-backoff-1.32")
    assert "dockerhub-readonly" in (finding.remedy or "")
    assert finding.patch is None
    assert list(finding.commands) == ["kubectl get secret dockerhub-readonly -n ml-training -o jsonpath='{.type}'"]


def test_image_pull_unauthorized_fires_when_artifact_registry_denies_and_names_node_identity() -> None:
    _report, finding = _run("image-pull-unauthorized", "fires", "cri-dockerd-artifact-registry-permission")
    assert "roles/artifactregistry.reader" in (finding.remedy or "")


def test_image_pull_rate_limited_fires_when_pod_already_has_pull_secret_without_proposing_another() -> None:
    _report, finding = _run("image-pull-rate-limited", "fires", "with-pull-secret-backoff-pre-1.32")
    assert finding.patch is None
    assert not finding.commands
    assert "already pulls with imagePullSecrets dockerhub-readonly" in (finding.remedy or "")


def test_image_pull_rate_limited_fires_when_pod_has_no_pull_secret_and_proposes_one() -> None:
    _report, finding = _run("image-pull-rate-limited", "fires", "crio-toomanyrequests")
    assert finding.patch == {"spec": {"imagePullSecrets": [{"name": "regcred"}]}}
    # The StatefulSet's patch, ready to run (issue 14: in -o json too), then the Secret it names.
    assert finding.commands[0] == (
        "kubectl patch statefulset mlflow-db -n mlops --type=strategic "
        """-p '{"spec":{"template":{"spec":{"imagePullSecrets":[{"name":"regcred"}]}}}}'"""
    )
    assert finding.commands[1].startswith(
        "kubectl create secret docker-registry regcred -n mlops --docker-server=docker.io"
    )


def test_image_not_found_fires_when_pull_policy_is_never_and_names_the_node() -> None:
    _report, finding = _run("image-not-found", "fires", "errimageneverpull")
    assert "dgx-a100-07" in (finding.remedy or "")
    assert finding.patch == {"spec": {"containers": [{"name": "trainer", "imagePullPolicy": "IfNotPresent"}]}}


def test_image_pull_failed_fires_when_events_expired_and_says_they_are_gone() -> None:
    report, finding = _run("image-pull-failed", "fires", "events-expired-backoff-pre-1.32")
    assert any(item.startswith("events: none left for ranker-7d6c5b9f84-vm2qx") for item in report.skipped)
    assert list(finding.commands) == [
        "kubectl get events -n ml-serving --field-selector involvedObject.name=ranker-7d6c5b9f84-vm2qx"
    ]


def test_image_pull_failed_fires_when_node_content_store_lost_a_blob_and_says_the_registry_is_fine() -> None:
    _report, finding = _run("image-pull-failed", "fires", "containerd-content-digest-not-found")
    assert "the registry has the image" in finding.summary
    assert "crictl rmi" in (finding.remedy or "")


def test_image_not_found_fires_when_init_container_cannot_pull() -> None:
    _report, finding = _run("image-not-found", "fires", "init-container")
    assert finding.container == "fetch-weights"


def test_image_pull_unauthorized_fires_when_ghcr_denies_without_a_cloud_identity_hint() -> None:
    # ghcr.io is not Google's gcr.io: no node identity can help there.
    _report, finding = _run("image-pull-unauthorized", "fires", "containerd-ghcr-anonymous-token-new-form")
    assert "Container Registry" not in (finding.remedy or "")
    assert finding.patch == {"spec": {"imagePullSecrets": [{"name": "regcred"}]}}


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("containerd-dns-no-such-host", "cannot resolve"),
        ("dockershim-dns-timeout", "cannot resolve"),
        ("containerd-tls-unknown-authority", "do not trust"),
        ("containerd-connection-refused", "refuses connections"),
        ("containerd-dial-timeout-backoff-1.32", "in time"),
    ],
)
def test_each_way_a_registry_is_unreachable_gets_its_own_fix(case: str, words: str) -> None:
    """issue 10: DNS failure, refused connection, an untrusted certificate and a timeout all got one text."""
    (found,) = [item for item in cases("registry-unreachable") if item.path.name == case]
    report = run_case(found)
    (finding,) = [item for item in report.findings if item.code == "registry-unreachable"]
    assert words in finding.remedy, finding.remedy
