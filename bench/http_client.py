"""A light HTTP/1.1 client for the load bench: one keep-alive connection and a cookie jar.

Why not `requests` in threads, as the bench used before: on this 2-core machine the client
shares the CPU with gunicorn and PostgreSQL. `requests` cost 0.9–2.1 ms of CPU per request
(as much as the app's question page), and 60 threads queueing for one GIL added 150–215 ms
to the p95 of a server that answered at once. The bench then measured its own client about
as much as the app. This client speaks just what the app and the bare page need (a request
line, a few headers, a form body; a response with Content-Length or chunked), on asyncio
streams in one thread, so a request costs the client tens of microseconds.

It follows no redirects and keeps cookies by name only (the app sets every cookie on
path /, for the one host): a citizen's phone as the bench needs it, not a browser.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit


class ProtocolError(ConnectionError):
    """An answer that is not HTTP/1.1 as this client reads it."""


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]  # lower-case names; the last value of a repeated header
    content: bytes
    set_cookies: list[str] = field(default_factory=list)  # every Set-Cookie, in order

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")


class Connection:
    """One client's connection to one server, opened on first use and after any failure."""

    def __init__(self, base: str, keep_alive: bool = True):
        parts = urlsplit(base)
        self.keep_alive = keep_alive
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.host_header = f"{self.host}:{self.port}".encode()
        self.cookies: dict[str, str] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, url: str, data: list[tuple[str, str]] | dict | None, timeout: float
    ) -> Response:
        """Send one request and read its answer; on any failure the connection is dropped, so
        the next try starts on a fresh one (as a phone would after a reset)."""
        try:
            return await asyncio.wait_for(self._exchange(method, url, data), timeout)
        except BaseException:
            self.close()
            raise

    async def _exchange(self, method: str, url: str, data) -> Response:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self._writer.write(self._encode(method, path_of(url), data))
        await self._writer.drain()
        response, keep_alive = await read_response(self._reader)
        self._keep_cookies(response)
        if not keep_alive:
            self.close()
        return response

    def _encode(self, method: str, path: str, data) -> bytes:
        lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: " + self.host_header]
        if not self.keep_alive:
            lines.append(b"Connection: close")
        if self.cookies:
            jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            lines.append(b"Cookie: " + jar.encode())
        body = b""
        if data is not None:
            body = urlencode(data).encode()
            lines.append(b"Content-Type: application/x-www-form-urlencoded")
        if data is not None or method not in ("GET", "HEAD"):
            lines.append(b"Content-Length: " + str(len(body)).encode())
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    def _keep_cookies(self, response: Response) -> None:
        for line in response.set_cookies:
            first, _, attributes = line.partition(";")
            name, _, value = first.strip().partition("=")
            lowered = attributes.lower()
            if "max-age=0" in lowered.replace(" ", "") or "expires=thu, 01 jan 1970" in lowered:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


def path_of(url: str) -> str:
    """The path and query of an absolute or relative address (a Location header may be
    either)."""
    if url.startswith(("http://", "https://")):
        parts = urlsplit(url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return url


async def read_response(reader: asyncio.StreamReader) -> tuple[Response, bool]:
    """One response: status, headers, body. Also says whether the connection stays open."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        raise ConnectionResetError("the server closed the connection") from error
    status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    if not version.startswith("HTTP/1."):
        raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:40]!r}")
    status = int(rest[:3])
    headers: dict[str, str] = {}
    set_cookies: list[str] = []
    for line in header_lines:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            set_cookies.append(value)
        headers[name] = value
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await read_chunked(reader)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif status in (204, 304) or 100 <= status < 200:
        body = b""
    else:
        body = await reader.read()  # the body runs to the end of the connection
        headers["connection"] = "close"
    response = Response(status, headers, body, set_cookies)
    keep_alive = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
    return response, keep_alive


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers expected: the blank line
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
