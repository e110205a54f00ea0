"""The gather step reads what the registered rules declare in their NEEDS, and nothing else.

Over a real socket (tests/support/apiserver.py) so the requests themselves are counted: a rule that
needs new data declares it, instead of an edit to sources/gather.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_ml.model.checks import Need, needs_of
from kubectl_ml.rules import RULES, exec_format
from kubectl_ml.sources.gather import gather_pod
from kubectl_ml.sources.live import LiveSource
from tests.rules.cases import RULE_FIXTURES
from tests.support.apiserver import ApiServer

ARM64_CASE = RULE_FIXTURES / "exec-format-error" / "fires" / "log-only-arm64-node"


def _gather(tmp_path: Path, needs: tuple[Need, ...]) -> tuple[list[str], bool]:
    with ApiServer.from_snapshot(ARM64_CASE, tls=True) as server:
        source = LiveSource(
            kubeconfig=str(server.write_kubeconfig(tmp_path)), context=None, request_timeout=5.0, environ={}
        )
        view, _pod = gather_pod(source, "ml-training", "trainer-arm-0", needs)
        paths = [request.path for request in server.requests]
    return paths, bool(view.nodes)


def test_every_registered_need_is_read_and_a_log_triggered_node_only_when_the_log_says_so(tmp_path: Path) -> None:
    paths, has_node = _gather(tmp_path, needs_of(RULES))
    assert any("/events" in path for path in paths), paths
    assert any(path.endswith("/log") for path in paths), paths
    assert any("/nodes/" in path for path in paths), paths  # one node, by name: not the list
    assert has_node, "exec-format-error's NEEDS fetched the node of a pod whose log shows the error"


def test_without_a_rule_that_needs_it_nothing_is_fetched(tmp_path: Path) -> None:
    paths, has_node = _gather(tmp_path, ())
    assert not any("/events" in path or path.endswith("/log") or "/nodes" in path for path in paths), paths
    assert not has_node


def test_a_log_triggered_need_costs_nothing_without_the_log(tmp_path: Path) -> None:
    # The node is wanted only when a log holds the text; without the logs need, no log, no node.
    node_only = tuple(need for need in exec_format.NEEDS if need.data == "node")
    paths, has_node = _gather(tmp_path, node_only)
    assert not any("/nodes" in path for path in paths), paths
    assert not has_node


def test_a_need_names_data_the_gather_step_knows() -> None:
    for rule in RULES:
        for need in rule.needs:
            assert isinstance(need, Need), rule.id
    with pytest.raises(ValueError, match="unknown data"):
        Need("gpu-metrics")
