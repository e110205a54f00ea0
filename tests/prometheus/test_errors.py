"""What the Prometheus source says when it cannot get usage: one line, one hint, exit code 3.

``responses`` stands in for Prometheus only to produce error answers (5xx, auth, timeouts, bodies that are not
Prometheus' JSON); connection refused is real (a closed port). Answers that succeed come from the real
Prometheus in test_prometheus_source.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers

from kubectl_ml.errors import ApiError, ExitCode, KubectlMlError, SourceError, UnreachableError, UsageError
from kubectl_ml.model.usage import UsageQuery
from kubectl_ml.sources.prometheus import PrometheusSource, RequestsHttp, parse_headers, token_from
from tests.support.fixtures import closed_port
from tests.support.prometheus import binaries

URL = "http://prometheus.test:9090"
QUERY_URL = f"{URL}/api/v1/query"
QUERY = UsageQuery(window_seconds=86400, end=1_790_006_430)
TOKEN = "s3cr3t-t0ken-value"


def read(url: str = URL, **options: object) -> KubectlMlError:
    """Ask for usage and return the error raised (the test fails if none is)."""
    http = RequestsHttp(url, **options)  # type: ignore[arg-type]
    with pytest.raises(KubectlMlError) as caught:
        PrometheusSource(http, description={"type": "prometheus", "url": url}).usage(["ml-serving"], QUERY)
    error = caught.value
    assert error.exit_code == ExitCode.SOURCE
    assert "\n" not in error.message
    assert error.hint
    return error


def answer(status: int, body: str | bytes, content_type: str = "text/plain") -> None:
    responses.add(responses.GET, QUERY_URL, status=status, body=body, content_type=content_type)


def prometheus_error(error_type: str, error: str) -> str:
    return json.dumps({"status": "error", "errorType": error_type, "error": error})


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (503, "upstream connect error or disconnect/reset before headers", "failed (503 Service Unavailable)"),
        (500, "<html><body><h1>500 Internal Server Error</h1></body></html>", "failed (500 Internal Server Error)."),
        (502, "Bad Gateway", "failed (502 Bad Gateway)."),  # no echo of the phrase
    ],
)
def test_server_errors(status: int, body: str, expected: str) -> None:
    answer(status, body)
    error = read()
    assert isinstance(error, ApiError)
    assert error.status == status
    assert error.message.startswith(f"Prometheus at {URL} ")
    assert expected in error.message
    assert "<html>" not in error.message
    assert error.hint is not None
    assert "Retry" in error.hint


@responses.activate
@pytest.mark.parametrize(
    ("status", "error_type", "text"),
    [
        (503, "timeout", "query timed out in expression evaluation"),
        (422, "execution", "query processing would load too many samples into memory in query execution"),
        (400, "bad_data", 'invalid parameter "query": 1:1: parse error: unexpected end of input'),
    ],
)
def test_a_query_prometheus_rejects_shows_its_error(status: int, error_type: str, text: str) -> None:
    answer(status, prometheus_error(error_type, text), "application/json")
    error = read()
    assert error.message == f"Prometheus at {URL} rejected the memory query ({error_type}): {text}."
    assert error.hint is not None
    assert "-n" in error.hint
    assert "--window" in error.hint


@responses.activate
@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_hint_at_token_and_headers(status: int) -> None:
    answer(status, "Unauthorized\n" if status == 401 else "Forbidden (user=system:anonymous, verb=get)")
    error = read(bearer_token=TOKEN)
    assert isinstance(error, ApiError)
    assert error.status == status
    assert f"refused the request ({status} " in error.message
    assert error.hint is not None
    assert "--prometheus-header" in error.hint
    assert "token" in error.hint
    assert TOKEN not in error.message + error.hint


@responses.activate
def test_token_and_headers_are_sent() -> None:
    responses.add(
        responses.GET,
        QUERY_URL,
        status=401,
        body="no org id",
        match=[
            matchers.header_matcher({"Authorization": f"Bearer {TOKEN}", "X-Scope-OrgID": "tenant-a"}),
            matchers.query_param_matcher({"time": "1790006430.000"}, strict_match=False),
        ],
    )
    # Without a match, responses refuses the connection: an UnreachableError, not this 401.
    error = read(headers=parse_headers(["X-Scope-OrgID: tenant-a"]), bearer_token=TOKEN)
    assert isinstance(error, ApiError)
    assert error.status == 401
    assert "no org id" in error.message


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, "{not json", "answered /api/v1/query with a body that is not JSON."),
        (200, "<!DOCTYPE html><html><title>Grafana</title></html>", "answered an HTML page at /api/v1/query"),
        (404, "404 page not found", "answered 404 Not Found at /api/v1/query: this is not Prometheus' API."),
        (200, '{"kind": "Status"}', "answered /api/v1/query with JSON that is not Prometheus' API."),
        (200, '{"status": "success", "data": {"resultType": "matrix", "result": []}}', "with no instant vector"),
    ],
)
def test_something_that_is_not_prometheus(status: int, body: str, expected: str) -> None:
    answer(status, body, "text/html" if body.startswith("<") else "application/json")
    error = read()
    assert isinstance(error, SourceError)
    assert expected in error.message
    assert error.hint is not None
    assert "base URL" in error.hint


@responses.activate
def test_a_timeout_is_unreachable() -> None:
    responses.add(responses.GET, QUERY_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    error = read(timeout=2.0)
    assert isinstance(error, UnreachableError)
    assert error.message == f"Prometheus at {URL} did not answer within 2 s."


@responses.activate
def test_an_unknown_host_is_unreachable() -> None:
    cause = (
        "HTTPConnectionPool(host='prometheus.test', port=9090): Max retries exceeded with url: /api/v1/query "
        '(Caused by NameResolutionError("<urllib3.connection.HTTPConnection object at 0x7f>: Failed to resolve '
        "'prometheus.test' ([Errno -2] Name or service not known)\"))"
    )
    responses.add(responses.GET, QUERY_URL, body=requests.exceptions.ConnectionError(cause))
    error = read()
    assert isinstance(error, UnreachableError)
    assert error.message == f"Cannot reach Prometheus at {URL}: name or service not known."
    assert error.hint is not None
    assert "port-forward" in error.hint


def test_connection_refused_on_a_real_closed_port() -> None:
    port = closed_port()
    error = read(f"http://admin:hunter2@127.0.0.1:{port}")
    assert isinstance(error, UnreachableError)
    assert error.message == f"Cannot reach Prometheus at http://admin:***@127.0.0.1:{port}: connection refused."
    assert "hunter2" not in error.message


@pytest.mark.parametrize("url", ["localhost:9090", "ftp://prometheus:9090", "prometheus", "http://"])
def test_a_url_that_is_not_http(url: str) -> None:
    with pytest.raises(SourceError) as caught:
        RequestsHttp(url)
    assert caught.value.exit_code == ExitCode.SOURCE
    assert "is not an http:// or https:// URL" in caught.value.message


def test_no_namespace_means_no_query() -> None:
    source = PrometheusSource(RequestsHttp(f"http://127.0.0.1:{closed_port()}"), description={"type": "prometheus"})
    data = source.usage([], QUERY)
    assert (data.containers, data.queries) == ({}, 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"Bearer {TOKEN}", "has no ':'"),
        (f"Bad Name: {TOKEN}", "is not a valid header name"),
        (f"X-Token: {TOKEN}\r\nX-Injected: 1", "holds a line break"),
    ],
)
def test_bad_headers_are_usage_errors_that_do_not_repeat_the_value(value: str, expected: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_headers([value])
    assert expected in caught.value.message
    assert caught.value.exit_code == ExitCode.USAGE
    assert TOKEN not in caught.value.message + (caught.value.hint or "")


@pytest.mark.parametrize(
    ("file", "env", "expected"),
    [
        ("missing", None, "Cannot read the Prometheus token file"),
        ("empty", None, "is empty"),
        (None, "UNSET_TOKEN", "UNSET_TOKEN is not set or empty"),
        ("token", "PROMETHEUS_TOKEN", "not both"),
    ],
)
def test_token_errors_name_the_source_never_the_token(
    tmp_path: Path, file: str | None, env: str | None, expected: str
) -> None:
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    (tmp_path / "token").write_text(TOKEN, encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        token_from(str(tmp_path / file) if file else None, env, {"PROMETHEUS_TOKEN": TOKEN})
    assert expected in caught.value.message
    assert TOKEN not in caught.value.message + (caught.value.hint or "")


def test_the_harness_fails_without_prometheus(monkeypatch: pytest.MonkeyPatch) -> None:
    # CI must not pass by skipping: without the binaries the fixture fails and says how to get them.
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pytest.fail.Exception, match=r"\./scripts/test\.sh installs them"):
        binaries()
