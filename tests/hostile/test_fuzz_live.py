"""Property-based fuzzing of the live edges: a broken kubeconfig, an API server (or a proxy) that answers wrongly.

The same promise as tests/hostile/test_fuzz.py, over real sockets: whatever one field of the kubeconfig
becomes, and whatever one kind of API answer becomes (a field of the wrong type, a body cut short, HTML
from a proxy, JSON of the wrong shape), the plugin answers with exit 0/1 and output that parses, or with
exit 3 and a one- or two-line error; never exit 4 or a traceback.

Deterministic (derandomized) and bounded for CI; ``KUBECTL_ML_FUZZ_EXAMPLES`` raises the number of
examples (``scripts/bench.py --fuzz N`` runs a longer campaign).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile.test_fuzz import EXAMPLES, FUZZ, WRONG_VALUES, _assert_answered, _paths, _replaced, run
from tests.support.apiserver import ApiServer, Rewriter, kubeconfig_document
from tests.support.fixtures import CLUSTER

LIVE_FUZZ = settings(FUZZ, max_examples=max(20, EXAMPLES // 2))

# The reads the commands below make, by resource or path (as ApiServer.rewrite matches them).
READS = [
    "pods",
    "pods/log",
    "events",
    "nodes",
    "namespaces",
    "replicasets.apps",
    "deployments.apps",
    "statefulsets.apps",
    "daemonsets.apps",
    "jobs.batch",
    "persistentvolumeclaims",
    "resourcequotas",
    "services",
    "/version",
    "/api",
    "/apis",
]
COMMANDS = [
    ("doctor", "-A"),
    ("doctor", "-n", "ml-training"),
    ("doctor", "trainer-0", "-n", "ml-training"),
    ("doctor", "deploy/tokenizer", "-n", "ml-training"),
    ("gpu",),
]


# Bodies a proxy, a load balancer or a half-dead server sends instead of the answer.
class _Body(tuple[int, bytes, str]):
    """An answer that prints short in Hypothesis' report of a failing example."""

    def __repr__(self) -> str:
        status, body, content_type = self
        return f"({status}, {body[:40]!r}{'...' if len(body) > 40 else ''} [{len(body)} bytes], {content_type!r})"


RAW_BODIES: list[tuple[int, bytes, str]] = [
    (200, b"", "application/json"),
    (200, b"not json", "application/json"),
    (200, b"[]", "application/json"),
    (200, b"null", "application/json"),
    (200, b'"x"', "application/json"),
    (200, b"1e999", "application/json"),
    (200, b"[" * 100_000, "application/json"),
    (200, b"\xff\xfe\x00bad", "application/json"),
    (200, b"<html><body>302 Found</body></html>", "text/html"),
    (502, b"<html><head><title>502 Bad Gateway</title></head></html>", "text/html"),
    (200, json.dumps({"kind": "Status", "status": "Failure", "code": 500}).encode(), "application/json"),
    (404, b"404 page not found\n", "text/plain; charset=utf-8"),
]


def _field_change(index: int, value: Any) -> Rewriter:
    """Replace the index-th value (in walk order, modulo their number) of a JSON answer with ``value``."""

    def change(status: int, body: bytes, content_type: str) -> tuple[int, bytes, str]:
        try:
            document = json.loads(body)
        except ValueError:
            return status, body, content_type  # a log: left alone
        paths = [path for path in _paths(document) if path]
        if not paths:
            return status, body, content_type
        changed = _replaced(document, paths[index % len(paths)], value)
        return status, json.dumps(changed).encode(), content_type

    return change


def _raw_change(answer: tuple[int, bytes, str]) -> Rewriter:
    return lambda _status, _body, _type: answer


def _named(answer: tuple[int, bytes, str]) -> tuple[int, bytes, str]:
    return _Body(answer)


def _cut_change(status: int, body: bytes, content_type: str) -> tuple[int, bytes, str]:
    return status, body[: len(body) // 2], content_type


CHANGES = st.one_of(
    st.builds(_field_change, st.integers(min_value=0, max_value=10_000), st.sampled_from(WRONG_VALUES)),
    st.builds(_raw_change, st.sampled_from([_named(body) for body in RAW_BODIES])),
    st.just(_cut_change),
)


@pytest.fixture(scope="module")
def server() -> Iterator[ApiServer]:
    with ApiServer.from_snapshot(CLUSTER, tls=True) as served:
        yield served


@pytest.fixture(scope="module")
def good_kubeconfig(server: ApiServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return server.write_kubeconfig(tmp_path_factory.mktemp("kube"))


@LIVE_FUZZ
@given(
    read=st.sampled_from(READS),
    change=CHANGES,
    command=st.sampled_from(COMMANDS),
    output=st.sampled_from(["json", "text"]),
)
def test_a_wrong_api_answer_is_answered_not_crashed(
    read: str,
    change: Rewriter,
    command: tuple[str, ...],
    output: str,
    server: ApiServer,
    good_kubeconfig: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.reset()
    server.rewrite(read, change)
    try:
        result = run(capsys, *command, "--kubeconfig", str(good_kubeconfig), "--request-timeout", "5s", "-o", output)
    finally:
        server.reset()
    _assert_answered(result, output)


def _kubeconfig_paths(document: Any) -> list[tuple[str | int, ...]]:
    return [path for path in _paths(document) if path]


# Whole files a user may really have: an editor's leftovers, another tool's format, a binary.
RAW_KUBECONFIGS = [
    b"",
    b"\xff\xfe\x00\x01",
    b"apiVersion: v1\nkind: Config\nclusters:\n\t- name: x\n",
    b"current-context: [a]\n",
    b"clusters: 5\ncontexts: 5\nusers: 5\n",
    b"[1, 2, 3]\n",
    b"a: &a [*a]\n",
    b"{" * 10_000,
    b"--- \n--- \n",
]


@LIVE_FUZZ
@given(
    where=st.integers(min_value=0, max_value=10_000),
    new=st.sampled_from([*WRONG_VALUES, "http://", "https://127.0.0.1:1", "../../etc/passwd", "-A"]),
    raw=st.one_of(st.none(), st.sampled_from(RAW_KUBECONFIGS)),
    command=st.sampled_from(
        [("doctor", "-n", "ml-training", "--request-timeout", "5s"), ("gpu", "--request-timeout", "5s"), ("version",)]
    ),
)
def test_a_broken_kubeconfig_is_answered_not_crashed(
    where: int,
    new: Any,
    raw: bytes | None,
    command: tuple[str, ...],
    server: ApiServer,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    authority = server.certificate_authority
    assert authority is not None
    document = kubeconfig_document(server.url, certificate_authority_data=base64.b64encode(authority).decode())
    if raw is None:
        paths = _kubeconfig_paths(document)
        text = yaml.safe_dump(_replaced(document, paths[where % len(paths)], new), allow_unicode=True).encode()
    else:
        text = raw
    target = tmp_path_factory.mktemp("kube") / "config"
    target.write_bytes(text)
    target.chmod(0o600)
    result = run(capsys, *command, "--kubeconfig", str(target))
    _assert_answered(result, "text")
