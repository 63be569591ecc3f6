"""HTTP requests from runbooks: http blocks, curl commands, url maps, and sending them.

send() is tested against a real HTTP server on the loopback interface.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from sphinx_runbook.verify.http import (
    HttpRequest,
    HttpSyntaxError,
    _failure,
    _Progress,
    map_url,
    parse_curl,
    parse_http_block,
    send,
)

# -- the server ----------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    #: Set at teardown: releases requests still waiting in /slow.
    release: threading.Event

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def _reply(self, status: int, body: bytes = b"", content_type: str = "text/plain",
               headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path
        if path == "/json":
            self._reply(200, b'{"status": "ok"}', "application/json")
        elif path == "/missing":
            self._reply(404, b"no such thing\n")
        elif path == "/moved":
            self._reply(301, b"moved\n", headers=(("Location", "/json"),))
        elif path.startswith("/redirect-to?"):
            self._reply(302, headers=(("Location", path.split("?", 1)[1]),))
        elif path == "/see-other":
            self._reply(303, headers=(("Location", "/echo"),))
        elif path == "/cookie-then-echo":
            self._reply(302, headers=(("Location", "/echo"), ("Set-Cookie", "session=secret")))
        elif path.startswith("/echo"):
            echoed = {
                "method": self.command,
                "path": path,
                "headers": [[name, value] for name, value in self.headers.items()],
                "body": body.decode("utf-8"),
            }
            self._reply(200, json.dumps(echoed).encode("utf-8"), "application/json")
        elif path == "/slow":
            self.release.wait(10)
            self._reply(200, b"too late\n")
        elif path == "/drip":
            # Every read returns quickly, but the whole body takes seconds.
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                if self.release.wait(0.05):
                    return
                self.wfile.write(b".")
                self.wfile.flush()
        elif path == "/big":
            self._reply(200, b"x" * 10_000)
        else:
            self._reply(500, b"unknown test path\n")

    # http.server looks the handlers up by these names.
    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _route  # noqa: N815


@pytest.fixture
def server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 (any free port); yields its base URL."""
    release = threading.Event()
    handler = type("Handler", (_Handler,), {"release": release})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _curl(code: str) -> HttpRequest:
    request = parse_curl(code)
    assert request is not None, f"parse_curl refused {code!r}"
    return request


def _echoed(stdout: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(stdout)
    data["header_map"] = {name.lower(): value for name, value in data["headers"]}
    return data


# -- http blocks ---------------------------------------------------------------------


def test_http_block_with_host_header() -> None:
    request = parse_http_block(
        "GET /api/health?verbose=1 HTTP/1.1\nHost: api.example.com:8080\nAccept: application/json"
    )
    assert request.method == "GET"
    assert request.url == "http://api.example.com:8080/api/health?verbose=1"
    assert request.headers == [("Host", "api.example.com:8080"), ("Accept", "application/json")]
    assert request.body is None
    assert not request.fail_on_error and not request.include_headers


def test_http_block_host_on_port_443_is_https_and_version_is_optional() -> None:
    request = parse_http_block("DELETE /items/3\nHost: api.example.com:443\n")
    assert request.method == "DELETE"
    assert request.url == "https://api.example.com/items/3"
    assert request.body is None


def test_http_block_absolute_target_needs_no_host() -> None:
    request = parse_http_block("GET https://status.example.com/v1/ping HTTP/2")
    assert request.url == "https://status.example.com/v1/ping"
    assert request.headers == []


def test_http_block_body_is_kept_as_written() -> None:
    body = '{\n  "name": "café",\n\n  "size": 2\n}\n'
    request = parse_http_block(
        "POST /items HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\r\n" + body
    )
    assert request.method == "POST"
    assert request.url == "http://localhost/items"
    assert request.headers[-1] == ("Content-Type", "application/json")
    assert request.body == body.encode("utf-8")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("", 1, "empty"),
        ("\nGET / HTTP/1.1\nHost: x", 1, "blank line"),
        ("# get the health\nGET /health", 1, "request line"),
        ("FETCH /health HTTP/1.1\nHost: x", 1, "unknown method 'FETCH'"),
        ("get /health HTTP/1.1\nHost: x", 1, "capitals"),
        ("GET /health HTTP/9\nHost: x", 1, "HTTP version"),
        ("GET /health HTTP/1.1\nAccept: */*", 1, "needs a 'Host"),
        ("GET health HTTP/1.1\nHost: x", 1, "must be a path"),
        ("GET ftp://files.example.com/x", 1, "must be a path"),
        ("GET / HTTP/1.1\nHost: x\nAccept */*\n\nbody", 3, "expected a header"),
        ("POST / HTTP/1.1\nHost: x\n{\"a\": 1}", 3, "blank line must separate"),
        ("GET / HTTP/1.1\nHost: x\nX-Long: a\n  b", 4, "cannot start with a space"),
        ("GET / HTTP/1.1\nAccept: */*\nHost: bad host", 3, "Host header"),
    ],
)
def test_http_block_errors_name_the_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(HttpSyntaxError) as caught:
        parse_http_block(text)
    assert caught.value.line == line
    assert fragment in caught.value.message
    assert str(caught.value).startswith(f"line {line}: ")


# -- curl --------------------------------------------------------------------------


def test_curl_plain_get_defaults() -> None:
    request = _curl("curl https://api.example.com/health")
    assert request.method == "GET"
    assert request.url == "https://api.example.com/health"
    assert request.headers == []
    assert request.body is None
    assert not request.follow_redirects and request.verify_tls and not request.silent
    assert not request.decode_content  # curl prints the body as received


@pytest.mark.parametrize("flags", ["-fsSL", "-sSfL", "-L -sSf", "-f -s -S -L",
                                   "--fail --silent --show-error --location"])
def test_curl_combined_short_flags(flags: str) -> None:
    request = _curl(f"curl {flags} http://localhost:8080/x")
    assert request.fail_on_error and request.silent and request.show_error
    assert request.follow_redirects
    assert request.url == "http://localhost:8080/x"


def test_curl_option_values_glued_to_short_flags() -> None:
    request = _curl("curl -sXPUT -HAccept:text/plain -H 'X-Token: a b' -dx=1 http://h/items")
    assert request.method == "PUT"
    assert request.headers[:2] == [("Accept", "text/plain"), ("X-Token", "a b")]
    assert request.body == b"x=1"


def test_curl_data_implies_post_and_form_content_type() -> None:
    request = _curl("curl -d 'a=1' --data-raw '@b' --data-urlencode 'q=x y&z' http://h/form")
    assert request.method == "POST"
    assert request.body == b"a=1&@b&q=x%20y%26z"
    assert ("Content-Type", "application/x-www-form-urlencoded") in request.headers


def test_curl_json_sets_content_type_and_accept() -> None:
    request = _curl("""curl --json '{"$set": {"on": true}}' https://api.example.com/flags""")
    assert request.method == "POST"
    assert request.body == b'{"$set": {"on": true}}'
    assert ("Content-Type", "application/json") in request.headers
    assert ("Accept", "application/json") in request.headers


def test_curl_explicit_content_type_wins_over_data_default() -> None:
    request = _curl("curl -H 'Content-Type: text/csv' --data-binary 'a,b' http://h/")
    assert [h for h in request.headers if h[0].lower() == "content-type"] == [
        ("Content-Type", "text/csv")]


def test_curl_head_write_out_output_and_limits() -> None:
    head = _curl("curl -I http://h/")
    assert head.method == "HEAD" and head.head_only
    request = _curl(
        "curl -s -o /dev/null -w '%{http_code}\\n' -m 2.5 --connect-timeout 1 "
        "-u admin:s3cret -k --url http://h/status"
    )
    assert request.output_to_null
    assert request.write_out == "%{http_code}\\n"
    assert request.timeout == 2.5 and request.connect_timeout == 1.0
    assert request.basic_auth == ("admin", "s3cret")
    assert not request.verify_tls
    assert request.url == "http://h/status"


def test_curl_guesses_http_and_joins_continued_lines() -> None:
    request = _curl("curl -s \\\n  -H 'Accept: */*' \\\n  localhost:9090  # the metrics\n")
    assert request.url == "http://localhost:9090/"
    assert request.headers == [("Accept", "*/*")]


@pytest.mark.parametrize(
    "code",
    [
        "curl -v http://h/",  # verbose output is not reproduced
        "curl -A bot http://h/",
        "curl --max-time=5 http://h/",  # curl has no --name=value form
        "curl -d @payload.json http://h/",
        "curl --data-urlencode name@file http://h/",
        "curl -H @headers.txt http://h/",
        "curl -H 'Accept:' http://h/",  # removes a default header
        "curl http://h/a http://h/b",
        "curl -s",
        "curl -o out.json http://h/",
        "curl -u admin http://h/",  # would prompt for a password
        "curl -w '%{json}' http://h/",
        "curl -w '%header{server}' http://h/",
        "curl -w @format.txt http://h/",
        "curl -I -d x=1 http://h/",
        "curl -X HEAD http://h/",
        "curl -m soon http://h/",
        "curl 'http://h/page[1-3]'",  # URL globbing
        "curl ftp://files.example.com/x",
        "curl ftp.example.com/x",
        "curl -s http://h/ | jq .",
        "curl -s http://h/ && echo ok",
        "curl -s http://h/; echo done",
        "curl -s http://h/ > out.json",
        "curl -s http://h/ 2>/dev/null",
        "curl -s http://h/ &",
        "curl -s $(cat url.txt)",
        "curl -s `cat url.txt`",
        "curl -s $BASE_URL/health",
        'curl -s "${BASE_URL}/health"',
        "curl -H $'X: \\t' http://h/",
        "curl -s http://h/{a,b}",
        "curl -s ~/x",
        "curl -s 'http://h/",  # unclosed quote
        "curl -s http://h/\ncurl -s http://h/2",
        "sudo curl http://h/",
        "TOKEN=x curl http://h/",
        "wget http://h/",
        "",
    ],
)
def test_curl_unsupported_gives_none(code: str) -> None:
    assert parse_curl(code) is None


@pytest.mark.parametrize("code", [
    "# Expected: 201 Created\ncurl -s -X POST http://h/records -d '{\"a\": 1}'",
    "\n# Create a record\n\ncurl -s -X POST http://h/records -d '{\"a\": 1}'\n# Expected: 201\n",
])
def test_curl_with_comment_lines_around_it_is_still_plain(code: str) -> None:
    request = parse_curl(code)
    assert request is not None
    assert (request.method, request.url, request.body) == ("POST", "http://h/records",
                                                            b'{"a": 1}')


# -- url maps ------------------------------------------------------------------------

URL_MAP = {
    "https://api.example.com": "http://127.0.0.1:8080",
    "https://api.example.com/v2": "http://127.0.0.1:9090/api",
}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.example.com/users?id=1#top", "http://127.0.0.1:8080/users?id=1#top"),
        ("https://api.example.com", "http://127.0.0.1:8080"),
        ("https://API.Example.com:443/x", "http://127.0.0.1:8080/x"),
        ("https://api.example.com/v2", "http://127.0.0.1:9090/api"),
        ("https://api.example.com/v2/users", "http://127.0.0.1:9090/api/users"),
        ("https://api.example.com/v20/users", "http://127.0.0.1:8080/v20/users"),
        ("https://user:pw@api.example.com/x", "http://user:pw@127.0.0.1:8080/x"),
        # Not the same base: unchanged.
        ("https://api.example.com.evil/x", "https://api.example.com.evil/x"),
        ("https://api.example.com@evil.com/x", "https://api.example.com@evil.com/x"),
        ("http://api.example.com/x", "http://api.example.com/x"),
        ("https://api.example.com:8443/x", "https://api.example.com:8443/x"),
        ("https://other.example.com/x", "https://other.example.com/x"),
    ],
)
def test_map_url(url: str, expected: str) -> None:
    assert map_url(url, URL_MAP) == expected


def test_map_url_path_prefix_with_trailing_slash() -> None:
    url_map = {"https://example.com/app/": "http://127.0.0.1:3000/"}
    assert map_url("https://example.com/app/login", url_map) == "http://127.0.0.1:3000/login"
    assert map_url("https://example.com/application", url_map) == "https://example.com/application"


def test_map_url_rejects_a_map_that_is_not_base_urls() -> None:
    with pytest.raises(ValueError, match="base URL"):
        map_url("https://api.example.com/x", {"api.example.com": "http://127.0.0.1:8080"})
    with pytest.raises(ValueError, match="base URL"):
        map_url("https://api.example.com/x", {"https://api.example.com": "127.0.0.1:8080"})


# -- sending -------------------------------------------------------------------------


def test_send_200_prints_the_body(server: str) -> None:
    outcome = send(_curl(f"curl -s {server}/json"), timeout=5)
    assert outcome.exit_status == 0
    assert outcome.http_status == 200
    assert json.loads(outcome.stdout) == {"status": "ok"}
    assert outcome.stderr == "" and outcome.error is None and not outcome.timed_out
    assert 0 < outcome.duration < 5


def test_send_http_block_request(server: str) -> None:
    host = server.removeprefix("http://")
    request = parse_http_block(
        f"PUT /echo/items/7 HTTP/1.1\nHost: {host}\nContent-Type: text/plain\n"
        "Content-Length: 999\n\nline one\nline two"
    )
    outcome = send(request, timeout=5)
    assert outcome.exit_status == 0 and outcome.http_status == 200
    echoed = _echoed(outcome.stdout)
    assert echoed["method"] == "PUT"
    assert echoed["path"] == "/echo/items/7"
    assert echoed["body"] == "line one\nline two"
    # The written Content-Length was wrong: the real one is sent instead.
    assert echoed["header_map"]["content-length"] == str(len("line one\nline two"))


def test_send_http_block_exits_0_on_an_error_status(server: str) -> None:
    host = server.removeprefix("http://")
    outcome = send(parse_http_block(f"GET /missing\nHost: {host}"), timeout=5)
    assert outcome.exit_status == 0
    assert outcome.http_status == 404
    assert outcome.stdout == "no such thing\n"


def test_send_404_without_fail(server: str) -> None:
    outcome = send(_curl(f"curl -s {server}/missing"), timeout=5)
    assert outcome.exit_status == 0
    assert outcome.http_status == 404
    assert outcome.stdout == "no such thing\n"


@pytest.mark.parametrize(("flags", "stderr"), [
    ("-f", "curl: (22) The requested URL returned error: 404\n"),
    ("-sSf", "curl: (22) The requested URL returned error: 404\n"),
    ("-sf", ""),
])
def test_send_404_with_fail_exits_22(server: str, flags: str, stderr: str) -> None:
    outcome = send(_curl(f"curl {flags} {server}/missing"), timeout=5)
    assert outcome.exit_status == 22
    assert outcome.http_status == 404
    assert outcome.stdout == ""  # curl -f prints no body
    assert outcome.stderr == stderr
    assert outcome.error is None


def test_send_write_out_status_code_with_output_to_null(server: str) -> None:
    outcome = send(_curl(f"curl -s -o /dev/null -w '%{{http_code}}\\n' {server}/missing"),
                   timeout=5)
    assert outcome.stdout == "404\n"
    assert outcome.exit_status == 0


def test_send_write_out_variables(server: str) -> None:
    outcome = send(_curl(
        f"curl -sL -o /dev/null -w '%{{response_code}} %{{content_type}} %{{url_effective}} "
        f"%{{num_redirects}} %{{size_download}} %{{time_total}} 100%%' {server}/moved"
    ), timeout=5)
    code, content_type, url, redirects, size, total, percent = outcome.stdout.split(" ")
    assert (code, content_type, url) == ("200", "application/json", f"{server}/json")
    assert (redirects, size, percent) == ("1", str(len('{"status": "ok"}')), "100%")
    assert 0 < float(total) < 5 and len(total.split(".")[1]) == 6


def test_send_redirect_without_location_flag(server: str) -> None:
    outcome = send(_curl(f"curl -s -w '%{{http_code}}' {server}/moved"), timeout=5)
    assert outcome.exit_status == 0
    assert outcome.http_status == 301
    assert outcome.stdout == "moved\n301"


def test_send_redirect_followed_with_location_flag(server: str) -> None:
    outcome = send(_curl(f"curl -sL {server}/moved"), timeout=5)
    assert outcome.exit_status == 0
    assert outcome.http_status == 200
    assert json.loads(outcome.stdout) == {"status": "ok"}


def test_send_include_headers_prints_every_hop(server: str) -> None:
    outcome = send(_curl(f"curl -siL {server}/moved"), timeout=5)
    first, second, body = outcome.stdout.split("\r\n\r\n")
    assert first.startswith("HTTP/1.1 301 Moved Permanently\r\n")
    assert "\r\nLocation: /json" in first
    assert second.startswith("HTTP/1.1 200 OK\r\n")
    assert "\r\nContent-Type: application/json" in second
    assert body == '{"status": "ok"}'


def test_send_head_only_prints_headers(server: str) -> None:
    outcome = send(_curl(f"curl -sI {server}/json"), timeout=5)
    assert outcome.exit_status == 0
    assert outcome.stdout.startswith("HTTP/1.1 200 OK\r\n")
    assert outcome.stdout.endswith("\r\n\r\n")
    assert "Content-Length: 16\r\n" in outcome.stdout
    assert '"status"' not in outcome.stdout


def test_send_post_body_and_headers_are_sent(server: str) -> None:
    outcome = send(_curl(
        f"curl -s -H 'X-Request-Id: abc-123' -u admin:s3cret -d 'name=web&size=2' {server}/echo"
    ), timeout=5)
    echoed = _echoed(outcome.stdout)
    assert echoed["method"] == "POST"
    assert echoed["body"] == "name=web&size=2"
    headers = echoed["header_map"]
    assert headers["x-request-id"] == "abc-123"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["authorization"] == "Basic YWRtaW46czNjcmV0"
    assert headers["accept"] == "*/*"
    assert "curl" in headers["user-agent"]
    assert "accept-encoding" not in headers  # curl asks for compression only with --compressed


def test_send_redirect_303_turns_post_into_get(server: str) -> None:
    outcome = send(_curl(f"curl -sL -d x=1 {server}/see-other"), timeout=5)
    echoed = _echoed(outcome.stdout)
    assert echoed["method"] == "GET"
    assert echoed["body"] == ""
    assert "content-type" not in echoed["header_map"]


def test_send_keeps_no_cookies_between_hops(server: str) -> None:
    outcome = send(_curl(f"curl -sL {server}/cookie-then-echo"), timeout=5)
    assert "cookie" not in _echoed(outcome.stdout)["header_map"]


def test_send_drops_credentials_when_redirected_to_another_host(server: str) -> None:
    other = server.replace("127.0.0.1", "localhost") + "/echo"
    outcome = send(_curl(
        f"curl -sL -u admin:pw -H 'Authorization: Bearer t' -H 'X-Keep: 1' "
        f"'{server}/redirect-to?{other}'"
    ), timeout=5)
    assert outcome.exit_status == 0, outcome.stderr
    headers = _echoed(outcome.stdout)["header_map"]
    assert "authorization" not in headers
    assert headers["x-keep"] == "1"
    assert headers["host"].startswith("localhost:")


def test_send_maps_urls_and_their_redirects(server: str) -> None:
    url_map = {"https://api.example.com": server}
    request = _curl(
        "curl -sL -w '\\n%{url_effective}' "
        "'https://api.example.com/redirect-to?https://api.example.com/echo/final'"
    )
    outcome = send(request, timeout=5, url_map=url_map)
    assert outcome.exit_status == 0, outcome.stderr
    body, effective = outcome.stdout.rsplit("\n", 1)
    assert _echoed(body)["path"] == "/echo/final"
    # The URL the reader would see: the public one.
    assert effective == "https://api.example.com/echo/final"


def test_send_maps_a_redirect_to_the_local_address_back(server: str) -> None:
    url_map = {"https://api.example.com": server}
    request = _curl(
        f"curl -sL -o /dev/null -w '%{{url_effective}}' "
        f"'https://api.example.com/redirect-to?{server}/json'"
    )
    outcome = send(request, timeout=5, url_map=url_map)
    assert outcome.stdout == "https://api.example.com/json"


def test_send_timeout_exits_28(server: str) -> None:
    started = time.monotonic()
    outcome = send(_curl(f"curl -s {server}/slow"), timeout=0.3)
    assert time.monotonic() - started < 3
    assert outcome.exit_status == 28
    assert outcome.timed_out
    assert outcome.http_status is None
    assert outcome.error is not None and "timed out" in outcome.error
    assert outcome.stderr == ""  # -s


def test_send_max_time_exits_28(server: str) -> None:
    outcome = send(_curl(f"curl -sS -m 0.3 -w '%{{http_code}}' {server}/slow"), timeout=30)
    assert outcome.exit_status == 28 and outcome.timed_out
    assert outcome.duration < 3
    assert outcome.stdout == "000"
    assert outcome.stderr.startswith("curl: (28) Operation timed out after ")


def test_send_time_limit_covers_a_slow_body(server: str) -> None:
    # No single read waits long: only the limit on the whole transfer stops it.
    outcome = send(_curl(f"curl -s {server}/drip"), timeout=0.5)
    assert outcome.exit_status == 28 and outcome.timed_out
    assert outcome.http_status == 200
    assert 0 < len(outcome.stdout) < 100
    assert outcome.duration < 3


def test_send_connection_refused_exits_7(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/health"
    outcome = send(_curl(f"curl -S -w '%{{http_code}}' {url}"), timeout=5)
    assert outcome.exit_status == 7
    assert outcome.error == f"connection refused to {url}"
    assert outcome.http_status is None
    assert outcome.stdout == "000"
    assert outcome.stderr.startswith(f"curl: (7) Failed to connect to 127.0.0.1 port {closed_port}")
    assert not outcome.timed_out


def test_send_tls_to_a_plain_http_port_exits_35(server: str) -> None:
    outcome = send(_curl("curl -s " + server.replace("http://", "https://") + "/json"),
                   timeout=5)
    assert outcome.exit_status == 35
    assert outcome.error is not None and "TLS" in outcome.error


def test_send_caps_stdout(server: str) -> None:
    outcome = send(_curl(f"curl -s {server}/big"), timeout=5, max_output=1000)
    assert outcome.stdout == "x" * 1000
    assert outcome.stdout_dropped == 9000
    assert outcome.exit_status == 0


def test_send_rejects_a_bad_url_map_before_sending() -> None:
    with pytest.raises(ValueError, match="base URL"):
        send(HttpRequest("GET", "http://h/"), timeout=1, url_map={"h": "http://x"})


def _connect_error(cause: BaseException) -> httpx.ConnectError:
    error = httpx.ConnectError(str(cause))
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(("cause", "status", "message"), [
    (socket.gaierror(-2, "Name or service not known"), 6, "Could not resolve host: db.internal"),
    (ssl.SSLCertVerificationError(1, "certificate verify failed"), 60, "SSL certificate problem"),
    (ssl.SSLError(1, "handshake failure"), 35, "TLS connect error"),
    (ConnectionRefusedError(111, "Connection refused"), 7, "Connection refused"),
])
def test_connect_errors_map_to_curl_exit_statuses(
        cause: BaseException, status: int, message: str) -> None:
    progress = _Progress(url="https://db.internal:8443/")
    exit_status, curl_message, _ = _failure(_connect_error(cause), progress, 0.01, 5)
    assert exit_status == status
    assert message in curl_message
