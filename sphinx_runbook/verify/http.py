"""HTTP requests from runbooks, sent without a shell: ``http`` blocks and simple ``curl``.

A runbook shows a request in one of two ways: an ``http`` block (the request as
it travels on the wire, ``GET /health HTTP/1.1`` and its headers), or a
``curl`` command.  Both become an :class:`HttpRequest`, which :func:`send`
performs with httpx.  Sending the request from Python rather than running curl
lets the verifier point public base URLs at a local service (:func:`map_url`)
and works where no curl is installed, while the :class:`Outcome` looks like what
curl would have printed, so a runbook's expected output and exit status still
apply.

:func:`parse_curl` only accepts the plain curl commands it can reproduce
faithfully; for anything else it returns ``None`` and the caller runs the real
curl in the sandbox.  Nothing here imports Sphinx (the sandboxed worker imports
this module), and httpx is imported only when a request is sent.
"""

from __future__ import annotations

import base64
import re
import shlex
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from .results import Outcome

if TYPE_CHECKING:
    import ssl

    import httpx

__all__ = [
    "HttpRequest",
    "HttpSyntaxError",
    "map_url",
    "parse_curl",
    "parse_http_block",
    "send",
]


@dataclass
class HttpRequest:
    """One request, and how to print its response the way curl would."""

    method: str
    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    #: ``-L``: follow 3xx responses (curl's rules: at most 50, POST becomes GET...).
    follow_redirects: bool = False
    #: ``-k`` turns this off.
    verify_tls: bool = True
    #: ``-m``: seconds for the whole transfer, redirects included.
    timeout: float | None = None
    #: ``--connect-timeout``: seconds for each connection.
    connect_timeout: float | None = None
    #: ``-i``: the status line and headers before the body.
    include_headers: bool = False
    #: ``-I``: a HEAD request; print the status line and headers only.
    head_only: bool = False
    #: ``-f``: exit 22 and print nothing on a status of 400 or more.
    fail_on_error: bool = False
    #: ``-w``: printed after the transfer (``%{http_code}``, ``\\n``...).
    write_out: str | None = None
    #: ``-o /dev/null``: print neither headers nor body (``-w`` still prints).
    output_to_null: bool = False
    #: ``-u user:password``.
    basic_auth: tuple[str, str] | None = None
    #: ``-s``: no error message on stderr (unless ``show_error``, ``-S``).
    silent: bool = False
    show_error: bool = False
    #: Print the body decoded (gzip...) rather than as received.  curl decodes
    #: only with ``--compressed``; an ``http`` block shows the body as text.
    decode_content: bool = True


class HttpSyntaxError(ValueError):
    """An ``http`` block that is not a request; ``line`` counts from 1 in the block."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


# -- http blocks -----------------------------------------------------------------

_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE")
#: RFC 9110 token characters: header names, methods.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_REQUEST_LINE = re.compile(r"(?P<method>\S+)[ \t]+(?P<target>\S+)(?:[ \t]+(?P<version>\S+))?")
_VERSION = re.compile(r"HTTP/(?:1\.[01]|2(?:\.0)?|3(?:\.0)?)")
_HEADER_LINE = re.compile(r"(?P<name>[!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(?P<value>.*?)[ \t]*")
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#@:\[\]]+)(?::(?P<port>\d{1,5}))?")


def parse_http_block(text: str) -> HttpRequest:
    """Read a request as written in an ``http`` block.

    The first line is the request line (``GET /path HTTP/1.1``, version
    optional, or ``GET https://host/path``), then ``Name: value`` headers, then a
    blank line and the body, kept exactly as written.  A path target needs a
    ``Host`` header; the scheme is https when that host's port is 443.
    """
    lines = text.split("\n")
    if not text.strip():
        raise HttpSyntaxError(
            "the http block is empty: it needs a request line such as 'GET /health HTTP/1.1'", 1)
    first = lines[0].rstrip("\r \t")
    if not first:
        raise HttpSyntaxError(
            "expected the request line ('GET /path HTTP/1.1') on the first line, "
            "found a blank line", 1)
    match = _REQUEST_LINE.fullmatch(first)
    if match is None:
        raise HttpSyntaxError(
            f"expected a request line 'METHOD TARGET [HTTP/VERSION]' "
            f"(such as 'GET /health HTTP/1.1'), got {first!r}", 1)
    method, target, version = match["method"], match["target"], match["version"]
    if method not in _METHODS:
        known = ", ".join(_METHODS)
        if method.upper() in _METHODS:
            raise HttpSyntaxError(f"write the method in capitals: {method.upper()!r}", 1)
        raise HttpSyntaxError(f"unknown method {method!r} (expected one of {known})", 1)
    if version is not None and not _VERSION.fullmatch(version):
        raise HttpSyntaxError(
            f"unknown HTTP version {version!r} (expected HTTP/1.1, HTTP/2 or nothing)", 1)

    headers: list[tuple[str, str]] = []
    host: tuple[str, int] | None = None  # (value, line number)
    body: bytes | None = None
    for index in range(1, len(lines)):
        line = lines[index].rstrip("\r")
        number = index + 1
        if not line.strip():
            rest = "\n".join(lines[index + 1:])
            body = rest.encode("utf-8") if rest else None
            break
        if line[0] in " \t":
            raise HttpSyntaxError(
                "a header line cannot start with a space (continued headers are obsolete): "
                "put the whole value on one line", number)
        header = _HEADER_LINE.fullmatch(line)
        if header is None:
            raise HttpSyntaxError(
                f"expected a header 'Name: value', got {line!r} "
                "(a blank line must separate the headers from the body)", number)
        headers.append((header["name"], header["value"]))
        if header["name"].lower() == "host" and host is None:
            host = (header["value"], number)

    if target.lower().startswith(("http://", "https://")):
        try:
            parts = urlsplit(target)
            _ = parts.port  # raises ValueError on a bad port
        except ValueError as error:
            raise HttpSyntaxError(f"the target {target!r} is not a valid URL: {error}", 1) from None
        if not parts.hostname:
            raise HttpSyntaxError(f"the target {target!r} has no host", 1)
        url = target
    elif target.startswith("/"):
        if host is None:
            raise HttpSyntaxError(
                f"the target {target!r} is a path, so the request needs a 'Host: example.com' "
                "header (or write the full URL: 'GET https://example.com/path')", 1)
        value, number = host
        host_match = _HOST.fullmatch(value)
        if host_match is None:
            raise HttpSyntaxError(f"the Host header {value!r} is not a host[:port]", number)
        if host_match["port"] == "443":
            url = f"https://{value[:-len(':443')]}{target}"
        else:
            url = f"http://{value}{target}"
    else:
        raise HttpSyntaxError(
            f"the target {target!r} must be a path starting with '/' or a full "
            "http:// or https:// URL", 1)
    return HttpRequest(method=method, url=url, headers=headers, body=body)


# -- curl --------------------------------------------------------------------------

_SHORT_OPTIONS = {
    "L": "--location", "k": "--insecure", "s": "--silent", "S": "--show-error",
    "f": "--fail", "i": "--include", "I": "--head", "g": "--globoff", "X": "--request",
    "H": "--header", "d": "--data", "u": "--user", "o": "--output", "w": "--write-out",
    "m": "--max-time",
}
_FLAG_OPTIONS = {
    "--location", "--insecure", "--silent", "--show-error", "--fail", "--include", "--head",
    "--globoff", "--compressed", "--no-progress-meter",
}
_VALUE_OPTIONS = {
    "--url", "--request", "--header", "--data", "--data-ascii", "--data-raw", "--data-binary",
    "--data-urlencode", "--json", "--user", "--output", "--write-out", "--max-time",
    "--connect-timeout",
}
#: ``-w`` variables send() fills in.
_WRITE_OUT_VARIABLES = (
    "http_code", "response_code", "url_effective", "content_type", "time_total",
    "num_redirects", "size_download",
)
#: Host prefixes curl guesses another protocol than http from.
_OTHER_PROTOCOL_HOSTS = ("ftp.", "dict.", "ldap.", "imap.", "smtp.", "pop3.")


def _without_comment_lines(code: str) -> str:
    """``code`` without the blank and comment-only lines around the command.

    Runbooks put a note above or below a request (``# Expected: 201 Created``);
    the shell skips such lines, and so does reading the request.
    """
    lines = code.strip().splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("#")):
        lines.pop(0)
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return "\n".join(lines)


def _shell_words(code: str) -> list[str] | None:
    """The words of ``code`` when it is one command the shell would pass on literally.

    Pipes, lists, redirections, substitutions, variables, globs, brace and tilde
    expansions all give ``None``: what curl would receive then depends on the
    shell.  Line continuations are joined and a trailing comment is dropped.
    """
    kept: list[str] = []
    quote_char = ""
    index = 0
    text = _without_comment_lines(code)
    while index < len(text):
        char = text[index]
        following = text[index + 1] if index + 1 < len(text) else ""
        at_word_start = not kept or kept[-1] in " \t"
        if quote_char == "'":
            if char == "'":
                quote_char = ""
        elif char == "\\" and following == "\n":
            index += 2  # a line continuation (also inside double quotes)
            continue
        elif quote_char == '"':
            if char in "$`":
                return None
            if char == "\\" and following:
                kept.append(char + following)
                index += 2
                continue
            if char == '"':
                quote_char = ""
        elif char == "\\" and following:
            kept.append(char + following)
            index += 2
            continue
        elif char in "'\"":
            quote_char = char
        elif char == "#" and at_word_start:
            newline = text.find("\n", index)
            if newline != -1 and text[newline:].strip():
                return None  # another command after the comment
            break
        elif char in "|&;<>()`$\n{}[]*" or (char == "~" and at_word_start):
            return None
        kept.append(char)
        index += 1
    try:
        return shlex.split("".join(kept), posix=True)
    except ValueError:  # an unclosed quote
        return None


def _render_write_out(template: str, values: dict[str, str]) -> str | None:
    """``-w`` output, or ``None`` when it uses something this module does not know."""
    out: list[str] = []
    index = 0
    escapes = {"n": "\n", "r": "\r", "t": "\t"}
    while index < len(template):
        char = template[index]
        following = template[index + 1] if index + 1 < len(template) else ""
        if char == "%" and following == "{":
            end = template.find("}", index)
            name = template[index + 2:end]
            if end == -1 or name not in values:
                return None
            out.append(values[name])
            index = end + 1
        elif char == "%" and following == "%":
            out.append("%")
            index += 2
        elif char == "%" and following.isalpha():
            return None  # %header{...}, %output{...}: newer forms, not reproduced
        elif char == "\\" and following in escapes:
            out.append(escapes[following])
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _curl_url(raw: str, globoff: bool) -> str | None:
    """The URL curl would request, or ``None`` when it is not a plain http(s) URL."""
    if any(char.isspace() for char in raw) or not raw or raw.startswith("-"):
        return None
    # Without -g, curl expands [1-3] and {a,b} into several URLs.
    if not globoff and any(char in raw for char in "[]{}"):
        return None
    if "://" not in raw:
        if raw.lower().startswith(_OTHER_PROTOCOL_HOSTS):
            return None
        raw = "http://" + raw  # curl's guess for a URL without a scheme
    try:
        parts = urlsplit(raw)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if not parts.path:
        raw = urlunsplit(parts._replace(path="/"))
    return raw


def _curl_options(args: list[str]) -> tuple[list[tuple[str, str | None]], list[str]] | None:
    """curl's options (long names) with their values, and its URLs."""
    options: list[tuple[str, str | None]] = []
    urls: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg.startswith("-") or arg == "-":
            urls.append(arg)
            continue
        if arg.startswith("--"):
            # curl has no --name=value form, and "--" is not an end of options for it.
            if arg in _FLAG_OPTIONS:
                options.append((arg, None))
            elif arg in _VALUE_OPTIONS and index < len(args):
                options.append((arg, args[index]))
                index += 1
            else:
                return None
            continue
        # Short options combine (-fsSL); one that takes a value ends the group and
        # takes the rest of the word (-XPOST) or the next word (-so /dev/null).
        position = 1
        while position < len(arg):
            name = _SHORT_OPTIONS.get(arg[position])
            if name is None:
                return None
            if name in _VALUE_OPTIONS:
                value = arg[position + 1:]
                if not value:
                    if index >= len(args):
                        return None
                    value = args[index]
                    index += 1
                options.append((name, value))
                break
            options.append((name, None))
            position += 1
    return options, urls


def _urlencode_piece(value: str) -> str | None:
    """``--data-urlencode``'s ``content``, ``=content`` and ``name=content`` forms."""
    equals, at = value.find("="), value.find("@")
    if at != -1 and (equals == -1 or at < equals):
        return None  # @file and name@file read a file
    if equals == -1:
        return quote(value, safe="")
    name, content = value[:equals], value[equals + 1:]
    return f"{name}={quote(content, safe='')}" if name else quote(content, safe="")


def _seconds(value: str) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 and seconds == seconds else None


#: curl's switches that set one field of the request.
_SWITCHES: dict[str, tuple[str, bool]] = {
    "--location": ("follow_redirects", True),
    "--insecure": ("verify_tls", False),
    "--silent": ("silent", True),
    "--show-error": ("show_error", True),
    "--fail": ("fail_on_error", True),
    "--include": ("include_headers", True),
    "--head": ("head_only", True),
    "--compressed": ("decode_content", True),
}


def parse_curl(code: str) -> HttpRequest | None:
    """The request of one plain ``curl`` command, or ``None`` to run the real curl.

    ``None`` whenever the command uses something this module does not reproduce
    exactly: shell syntax (pipes, ``&&``, ``;``, redirections, ``$VAR``,
    ``$(...)``), an option it does not know (``-v``, ``-A``, ``--retry``...), data
    read from a file (``-d @file``), several URLs or URL globs.
    """
    words = _shell_words(code)
    if not words or words[0] != "curl":
        return None
    parsed = _curl_options(words[1:])
    if parsed is None:
        return None
    options, urls = parsed
    method: str | None = None
    headers: list[tuple[str, str]] = []
    pieces: list[tuple[bytes, bytes]] = []  # (separator, data)
    is_json = False
    request = HttpRequest(method="GET", url="", decode_content=False)
    globoff = False
    for name, value in options:
        if value is None:
            if name in _SWITCHES:
                field_name, setting = _SWITCHES[name]
                setattr(request, field_name, setting)
            elif name == "--globoff":
                globoff = True
            # --no-progress-meter: the progress meter is never reproduced anyway.
            continue
        if name == "--url":
            urls.append(value)
        elif name == "--request":
            if not _TOKEN.fullmatch(value):
                return None
            method = value
        elif name == "--header":
            header = _curl_header(value)
            if header is None:
                return None
            headers.append(header)
        elif name in ("--data", "--data-ascii", "--data-binary", "--json"):
            if value.startswith("@"):
                return None  # read from a file (or stdin): only the real curl can
            # Pieces join with "&", except --json pieces, which are concatenated.
            pieces.append((b"" if name == "--json" else b"&", value.encode("utf-8")))
            is_json = is_json or name == "--json"
        elif name == "--data-raw":
            pieces.append((b"&", value.encode("utf-8")))
        elif name == "--data-urlencode":
            encoded = _urlencode_piece(value)
            if encoded is None:
                return None
            pieces.append((b"&", encoded.encode("ascii")))
        elif name == "--user":
            user, colon, password = value.partition(":")
            if not colon:
                return None  # curl would prompt for the password
            request.basic_auth = (user, password)
        elif name == "--output":
            if value != "/dev/null":
                return None
            request.output_to_null = True
        elif name == "--write-out":
            if value.startswith("@"):
                return None
            if _render_write_out(value, dict.fromkeys(_WRITE_OUT_VARIABLES, "")) is None:
                return None
            request.write_out = value
        elif name in ("--max-time", "--connect-timeout"):
            seconds = _seconds(value)
            if seconds is None:
                return None
            if name == "--max-time":
                request.timeout = seconds
            else:
                request.connect_timeout = seconds
    if len(urls) != 1:
        return None
    url = _curl_url(urls[0], globoff)
    if url is None:
        return None
    request.url = url
    if request.head_only and (pieces or method is not None):
        return None  # curl refuses -I with data, and -I -X is a trap
    if method is not None and method.upper() == "HEAD" and not request.head_only:
        return None  # curl -X HEAD waits for a body that never comes
    if pieces:
        body = pieces[0][1] + b"".join(separator + data for separator, data in pieces[1:])
        request.body = body
    request.method = method or ("HEAD" if request.head_only else "POST" if pieces else "GET")
    names = {header_name.lower() for header_name, _ in headers}
    if pieces and "content-type" not in names:
        content_type = "application/json" if is_json else "application/x-www-form-urlencoded"
        headers.append(("Content-Type", content_type))
    if is_json and "accept" not in names:
        headers.append(("Accept", "application/json"))
    if request.decode_content and "accept-encoding" not in names:
        headers.append(("Accept-Encoding", "deflate, gzip"))
    request.headers = headers
    return request


def _curl_header(value: str) -> tuple[str, str] | None:
    """``-H 'Name: value'`` (and ``-H 'Name;'`` for an empty value)."""
    if "\r" in value or "\n" in value or value.startswith("@"):
        return None
    name, colon, header_value = value.partition(":")
    if not colon:
        if value.endswith(";") and _TOKEN.fullmatch(value[:-1]):
            return value[:-1], ""
        return None
    header_value = header_value.strip(" \t")
    # "Name:" with nothing after removes one of curl's own headers: not reproduced.
    if not _TOKEN.fullmatch(name) or not header_value:
        return None
    return name, header_value


# -- url maps ------------------------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(scheme: str, host: str | None, port: int | None) -> tuple[str, str, int | None]:
    scheme = scheme.lower()
    return scheme, (host or "").lower(), port if port is not None else _DEFAULT_PORTS.get(scheme)


def _base_url(text: str, role: str) -> tuple[tuple[str, str, int | None], str, str]:
    """A url_map key or value: its origin, its path (no trailing /), and its netloc."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as error:
        raise ValueError(f"url map {role} {text!r} is not a URL: {error}") from None
    if not parts.scheme or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"url map {role} {text!r} must be a base URL such as 'https://api.example.com' "
            "(scheme, host, optional port and path)")
    return _origin(parts.scheme, parts.hostname, port), parts.path.rstrip("/"), parts.netloc


def map_url(url: str, url_map: dict[str, str]) -> str:
    """``url`` with the longest matching base URL of ``url_map`` replaced by its value.

    A base matches on scheme, host and port (``https://api.example.com`` is also
    ``https://api.example.com:443``) and on whole path segments:
    ``https://api.example.com/v1`` matches ``/v1`` and ``/v1/users``, not ``/v10``,
    and ``https://api.example.com.evil`` never matches.  Query and fragment are
    kept.  A key or value that is not a base URL raises :class:`ValueError`.
    """
    if not url_map:
        return url
    try:
        parts = urlsplit(url)
        origin = _origin(parts.scheme, parts.hostname, parts.port)
    except ValueError:
        return url
    best: tuple[str, str] | None = None
    for source, target in url_map.items():
        source_origin, prefix, _ = _base_url(source, "key")
        if source_origin != origin:
            continue
        if prefix and parts.path != prefix and not parts.path.startswith(prefix + "/"):
            continue
        if best is None or len(prefix) > len(best[0]):
            best = (prefix, target)
    if best is None:
        return url
    prefix, target = best
    (target_scheme, _, _), target_path, target_netloc = _base_url(target, "value")
    userinfo, at, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}@{target_netloc}" if at else target_netloc
    path = target_path + parts.path[len(prefix):]
    return urlunsplit((target_scheme, netloc, path, parts.query, parts.fragment))


# -- sending ---------------------------------------------------------------------------

#: Like curl, which servers may answer differently (plain text instead of HTML).
_USER_AGENT = "sphinx-runbook (curl-compatible)"
#: curl's default limit for -L.
_MAX_REDIRECTS = 50


class _Output:
    """stdout as bytes, with an optional cap (bytes past it are counted, not kept)."""

    def __init__(self, cap: int | None) -> None:
        self.data = bytearray()
        self.cap = cap
        self.dropped = 0

    def write(self, chunk: bytes) -> None:
        if self.cap is not None:
            room = max(0, self.cap - len(self.data))
            self.dropped += max(0, len(chunk) - room)
            chunk = chunk[:room]
        self.data += chunk


class _DeadlineError(Exception):
    """The whole transfer passed its time limit between two reads."""


@dataclass
class _Progress:
    """What a transfer got so far: for ``-w`` and for error messages."""

    url: str
    status: int | None = None
    content_type: str = ""
    redirects: int = 0
    received: int = 0


def _head(response: httpx.Response) -> bytes:
    """The status line and headers, as curl -i prints them."""
    line = f"{response.http_version} {response.status_code}"
    if response.reason_phrase:
        line += f" {response.reason_phrase}"
    lines = [line.encode("utf-8", "replace")]
    lines.extend(name + b": " + value for name, value in response.headers.raw)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _request_headers(request: HttpRequest, headers: list[tuple[str, str]],
                     with_auth: bool) -> list[tuple[bytes, bytes]]:
    names = {name.lower() for name, _ in headers}
    sent: list[tuple[bytes, bytes]] = []
    if "user-agent" not in names:
        sent.append((b"User-Agent", _USER_AGENT.encode("ascii")))
    if "accept" not in names:
        sent.append((b"Accept", b"*/*"))
    if with_auth and request.basic_auth is not None and "authorization" not in names:
        user, password = request.basic_auth
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        sent.append((b"Authorization", f"Basic {token}".encode("ascii")))
    for name, value in headers:
        # httpx computes the body's length; a hand-written Content-Length in a runbook
        # is often approximate, and a wrong one makes the server wait or cut the body.
        if name.lower() in ("content-length", "transfer-encoding"):
            continue
        sent.append((name.encode("ascii"), value.encode("utf-8")))
    return sent


def _url_origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        return _origin(parts.scheme, parts.hostname, parts.port)
    except ValueError:
        return None


def _tls_verify(verify: bool) -> ssl.SSLContext | bool:
    if not verify:
        return False
    import ssl

    # curl trusts the system's certificates (where a sandbox image adds an internal
    # CA); httpx alone would trust certifi's bundle.  Use certifi only when the
    # system store is empty.
    context = ssl.create_default_context()
    return context if context.cert_store_stats()["x509_ca"] else True


def _error_chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _failure(error: Exception, progress: _Progress, elapsed: float,
             limit: float) -> tuple[int, str, str]:
    """curl's exit status and message for a failed transfer, and the Outcome error."""
    import socket
    import ssl

    import httpx

    url = progress.url
    parts = urlsplit(url)
    host = parts.hostname or url
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        port = 0
    milliseconds = round(elapsed * 1000)
    if isinstance(error, httpx.ConnectTimeout):
        return (28, f"Failed to connect to {host} port {port} after {milliseconds} ms: "
                "Timeout was reached", f"timed out connecting to {url}")
    if isinstance(error, (httpx.TimeoutException, _DeadlineError)):
        return (28, f"Operation timed out after {milliseconds} milliseconds with "
                f"{progress.received} bytes received", f"timed out after {limit:g}s: {url}")
    if isinstance(error, httpx.ConnectError):
        chain = _error_chain(error)
        for cause in chain:
            if isinstance(cause, ssl.SSLCertVerificationError):
                reason = getattr(cause, "verify_message", None) or str(cause)
                return (60, f"SSL certificate problem: {reason}",
                        f"TLS certificate of {host} not trusted: {reason}")
            if isinstance(cause, ssl.SSLError):
                reason = getattr(cause, "reason", None) or str(cause)
                return (35, f"TLS connect error: {reason}",
                        f"TLS handshake with {url} failed: {reason}")
            if isinstance(cause, socket.gaierror):
                return 6, f"Could not resolve host: {host}", f"could not resolve host {host}"
            if isinstance(cause, ConnectionRefusedError):
                return (7, f"Failed to connect to {host} port {port} after {milliseconds} ms: "
                        "Connection refused", f"connection refused to {url}")
        return (7, f"Failed to connect to {host} port {port} after {milliseconds} ms: {error}",
                f"could not connect to {url}: {error}")
    if isinstance(error, httpx.RemoteProtocolError):
        if progress.status is None:
            return 52, "Empty reply from server", f"{url} closed the connection without replying"
        return 8, f"Weird server reply: {error}", f"bad response from {url}: {error}"
    if isinstance(error, httpx.ReadError):
        return 56, f"Recv failure: {error}", f"reading from {url} failed: {error}"
    if isinstance(error, httpx.WriteError):
        return 55, f"Send failure: {error}", f"sending to {url} failed: {error}"
    if isinstance(error, httpx.DecodingError):
        return 61, f"Unrecognized content encoding: {error}", f"cannot decode {url}: {error}"
    if isinstance(error, httpx.UnsupportedProtocol):
        return 1, f'Protocol "{parts.scheme}" not supported', f"unsupported URL {url}"
    if isinstance(error, (httpx.InvalidURL, httpx.LocalProtocolError)):
        return 3, f"URL rejected: {error}", f"bad request to {url}: {error}"
    return 56, str(error), f"request to {url} failed: {error}"


def send(request: HttpRequest, *, timeout: float, url_map: dict[str, str] | None = None,
         max_output: int | None = None) -> Outcome:
    """Perform ``request`` and describe the result as curl would have.

    ``timeout`` bounds the whole transfer (with ``request.timeout``, the lower
    wins); ``url_map`` sends base URLs elsewhere (:func:`map_url`, applied to
    redirects too, so ``-L`` cannot escape to the mapped host); ``max_output``
    caps stdout.  ``exit_status`` is curl's: 0, 22 for ``-f`` and a status of
    400 or more, 7 connection refused, 6 unknown host, 28 time out, 35/60 TLS.
    """
    # Imported here, not at the top: the sandbox worker imports this module for
    # every run, and httpx (with httpcore, h11, ssl, certifi) costs tens of
    # milliseconds that only requests should pay.
    try:
        import httpx
    except ImportError as error:  # pragma: no cover - httpx is not a hard dependency
        raise ModuleNotFoundError("sending HTTP requests needs httpx: pip install httpx") from error

    mapping = url_map or {}
    reverse = {target: source for source, target in mapping.items()}
    map_url(request.url, mapping)  # a bad map raises here, before anything is sent
    limit = timeout if request.timeout is None else min(timeout, request.timeout)
    started = time.monotonic()
    deadline = started + limit
    output = _Output(max_output)
    progress = _Progress(url=request.url)
    exit_status = 0
    stderr = ""
    error_text: str | None = None
    method, body, headers = request.method, request.body, list(request.headers)
    origin = _url_origin(request.url)
    shows_error = not request.silent or request.show_error
    try:
        # trust_env=False: no proxy or certificate settings from the verifier's
        # environment.  Redirects are followed here, not by httpx, to apply the url
        # map and curl's rules to each hop; requests are built without the client's
        # cookie jar, so no cookie set by one response is sent with the next.
        with httpx.Client(trust_env=False, verify=_tls_verify(request.verify_tls),
                          follow_redirects=False) as client:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _DeadlineError
                connect = remaining if request.connect_timeout is None else min(
                    remaining, request.connect_timeout)
                same_origin = _url_origin(progress.url) == origin
                wire = httpx.Request(
                    method, map_url(progress.url, mapping),
                    headers=_request_headers(request, headers, same_origin),
                    content=body,
                    extensions={"timeout": httpx.Timeout(remaining, connect=connect).as_dict()},
                )
                response = client.send(wire, stream=True)
                try:
                    progress.status = response.status_code
                    progress.content_type = response.headers.get("content-type", "")
                    shows_head = (request.include_headers or request.head_only) and not (
                        request.output_to_null)
                    if request.follow_redirects and response.is_redirect:
                        if progress.redirects >= _MAX_REDIRECTS:
                            exit_status = 47
                            error_text = f"more than {_MAX_REDIRECTS} redirects: {request.url}"
                            if shows_error:
                                stderr = (f"curl: (47) Maximum ({_MAX_REDIRECTS}) redirects "
                                          "followed\n")
                            break
                        if shows_head:
                            output.write(_head(response))
                        location = urljoin(progress.url, response.headers["location"])
                        # A local service may redirect to its own address: show the
                        # public URL, as the real service would have.
                        unmapped = map_url(location, reverse) if mapping else location
                        progress.url = unmapped
                        progress.redirects += 1
                        status = response.status_code
                        if (status == 303 and method != "HEAD") or (
                                status in (301, 302) and method == "POST"):
                            method, body = "GET", None
                            headers = [(n, v) for n, v in headers if n.lower() != "content-type"]
                        if _url_origin(progress.url) != origin:
                            # curl does not send credentials to another host.
                            headers = [(n, v) for n, v in headers
                                       if n.lower() not in ("authorization", "cookie")]
                        continue
                    if request.fail_on_error and response.status_code >= 400:
                        exit_status = 22
                        if shows_error:
                            stderr = ("curl: (22) The requested URL returned error: "
                                      f"{response.status_code}\n")
                        break
                    if shows_head:
                        output.write(_head(response))
                    if not request.head_only:
                        chunks = response.iter_bytes() if request.decode_content else (
                            response.iter_raw())
                        for chunk in chunks:
                            progress.received += len(chunk)
                            if not request.output_to_null:
                                output.write(chunk)
                            if time.monotonic() > deadline:
                                raise _DeadlineError
                finally:
                    response.close()
                break
    except (httpx.HTTPError, httpx.InvalidURL, _DeadlineError) as error:
        exit_status, message, error_text = _failure(
            error, progress, time.monotonic() - started, limit)
        if shows_error:
            stderr = f"curl: ({exit_status}) {message}\n"
    duration = time.monotonic() - started
    if request.write_out is not None:
        written = _render_write_out(request.write_out, {
            "http_code": f"{progress.status or 0:03d}",
            "response_code": f"{progress.status or 0:03d}",
            "url_effective": progress.url,
            "content_type": progress.content_type,
            "time_total": f"{duration:.6f}",
            "num_redirects": str(progress.redirects),
            "size_download": str(progress.received),
        })
        output.write((written or "").encode("utf-8"))
    return Outcome(
        exit_status=exit_status,
        stdout=output.data.decode("utf-8", "replace"),
        stderr=stderr,
        duration=duration,
        timed_out=exit_status == 28,
        http_status=progress.status,
        error=error_text,
        stdout_dropped=output.dropped,
    )
