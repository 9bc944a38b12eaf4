"""Local stand-ins for the services Borgerblik delivers through, speaking their real protocols.

`Gateway` is GatewayAPI's REST interface for SMS (POST /rest/mtsms) on 127.0.0.1 and a
free port: it checks the `Authorization: Token ...` header and the JSON body, records each
accepted message and answers {"ids": [n]}. It de-duplicates by `userref`, the gateway's own
idempotency: a message sent again with a userref it already accepted is recorded as a
duplicate attempt, answered with the first id, and not delivered a second time. It can be
told to answer 500 (or 429), to hang past the client's timeout (having accepted the
message or not), or to refuse a number with 400.

`MailServer` is an SMTP server (aiosmtpd's Controller in a thread of its own) that keeps
every message it receives as bytes, can refuse given recipients with 550, and can take a
message and then answer too late (the client times out: did it go or not?).

`sign_receipt` signs a delivery receipt the way GatewayAPI does: a JWT (HS256) in the
X-Gwapi-Signature header.

Imported by tests/test_delivery.py and by bench/delivery.py (which puts tests/ on its
path); only the standard library is needed until a MailServer is started.
"""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "gateway-test-token"
HANG_SECONDS = 30.0  # a hung answer gives up after this long, or when the gateway stops

# What the gateway does with the next requests (see Gateway.plan).
OK, ERROR_500, BUSY_429, HANG, ACCEPT_THEN_HANG = "ok", "500", "429", "hang", "accept-then-hang"
ACTIONS = (OK, ERROR_500, BUSY_429, HANG, ACCEPT_THEN_HANG)


@dataclass(frozen=True)
class Sms:
    id: int
    msisdn: int
    message: str
    sender: str
    userref: str | None
    callback_url: str | None


@dataclass
class Gateway:
    """GatewayAPI's /rest/mtsms, answering from a thread per request.

    Use as a context manager (or start()/stop()); `url` is what SMS_GATEWAY_URL would be.
    """

    token: str = TOKEN
    delay: float = 0.0  # seconds before each answer (lets concurrent workers overlap)
    hang_seconds: float = HANG_SECONDS
    delivered: list[Sms] = field(default_factory=list)  # accepted, each delivered once
    attempts: list[dict] = field(default_factory=list)  # every authorised, well-formed POST
    duplicates: list[str] = field(default_factory=list)  # userrefs sent again after acceptance
    unauthorised: int = 0
    malformed: list[str] = field(default_factory=list)
    down: bool = False  # every request answered 500 while True
    refused: set[int] = field(default_factory=set)  # msisdns answered 400
    answering: threading.Event = field(default_factory=threading.Event)  # a hang has begun

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._script: deque[str] = deque()
        self._by_userref: dict[str, Sms] = {}
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control ------------------------------------------------------------------------

    def plan(self, *actions: str) -> None:
        """What to do with the next requests, one action each; afterwards answer normally."""
        assert all(action in ACTIONS for action in actions), actions
        with self._lock:
            self._script.extend(actions)

    def refuse(self, msisdn: int | str) -> None:
        """Answer 400 for this number (as GatewayAPI does for an invalid recipient)."""
        self.refused.add(int(msisdn))

    def release(self) -> None:
        """Let every hung answer finish now."""
        self._release.set()

    # --- what it saw --------------------------------------------------------------------

    def texts_to(self, msisdn: int | str) -> list[str]:
        with self._lock:
            return [sms.message for sms in self.delivered if sms.msisdn == int(msisdn)]

    def per_number(self) -> Counter:
        with self._lock:
            return Counter(sms.msisdn for sms in self.delivered)

    def attempts_per_userref(self) -> Counter:
        with self._lock:
            return Counter(attempt.get("userref") for attempt in self.attempts)

    # --- the server ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start the gateway first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Gateway:
        handler = type("GatewayHandler", (_GatewayHandler,), {"gateway": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a hung answer must not hold up stop()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    # --- one request (called by the handler) --------------------------------------------

    def _next_action(self) -> str:
        with self._lock:
            return self._script.popleft() if self._script else OK

    def _handle(self, body: dict) -> tuple[int, dict, bool]:
        """Status, answer and whether to hang before answering."""
        if self.delay:
            time.sleep(self.delay)
        action = self._next_action()
        with self._lock:
            self.attempts.append(body)
        if action == HANG:
            return 0, {}, True  # nothing accepted, no answer in time
        if self.down or action == ERROR_500:
            return 500, {"message": "Internal server error"}, False
        if action == BUSY_429:
            return 429, {"message": "Too many requests"}, False
        msisdn = body["recipients"][0]["msisdn"]
        if msisdn in self.refused:
            return 400, {"code": "0x0202", "message": "Invalid recipient"}, False
        userref = body.get("userref")
        with self._lock:
            if userref is not None and userref in self._by_userref:
                self.duplicates.append(userref)
                sms = self._by_userref[userref]
            else:
                sms = Sms(
                    id=len(self.delivered) + 1,
                    msisdn=msisdn,
                    message=body["message"],
                    sender=body["sender"],
                    userref=userref,
                    callback_url=body.get("callback_url"),
                )
                self.delivered.append(sms)
                if userref is not None:
                    self._by_userref[userref] = sms
        return 200, {"ids": [sms.id]}, action == ACCEPT_THEN_HANG

    def _check(self, body: object) -> str | None:
        """Why the body is not what GatewayAPI accepts, or None."""
        if not isinstance(body, dict):
            return "the body is not a JSON object"
        if not isinstance(body.get("sender"), str) or not 1 <= len(body["sender"]) <= 11:
            return "sender must be 1-11 characters"
        if not isinstance(body.get("message"), str) or not body["message"]:
            return "message is missing"
        recipients = body.get("recipients")
        if (
            not isinstance(recipients, list)
            or len(recipients) != 1
            or not isinstance(recipients[0], dict)
            or not isinstance(recipients[0].get("msisdn"), int)
        ):
            return "recipients must be [{'msisdn': <int>}]"
        if "userref" in body and not isinstance(body["userref"], str):
            return "userref must be a string"
        return None


class _GatewayHandler(BaseHTTPRequestHandler):
    gateway: Gateway
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass  # quiet: pytest shows stderr of failing tests

    def do_POST(self):
        gateway = self.gateway
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path != "/rest/mtsms":
            self._answer(404, {"message": "Not found"})
            return
        if self.headers.get("Authorization") != f"Token {gateway.token}":
            with gateway._lock:
                gateway.unauthorised += 1
            self._answer(401, {"message": "Unauthorized"})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        problem = gateway._check(body)
        if problem is None and "json" not in (self.headers.get("Content-Type") or ""):
            problem = "Content-Type must be application/json"
        if problem is not None:
            with gateway._lock:
                gateway.malformed.append(problem)
            self._answer(400, {"message": problem})
            return
        status, answer, hang = gateway._handle(body)
        if hang:
            gateway.answering.set()
            gateway._release.wait(gateway.hang_seconds)
            if status == 0:
                self.close_connection = True
                return  # the client gave up long ago
        self._answer(status, answer)

    def _answer(self, status: int, answer: dict) -> None:
        data = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client timed out and left


# --- delivery receipts --------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_receipt(claims: dict, secret: str, algorithm: str = "HS256") -> str:
    """A JWT as GatewayAPI puts in X-Gwapi-Signature (the receipt's fields are its claims)."""
    header = _b64(json.dumps({"typ": "JWT", "alg": algorithm}).encode())
    payload = _b64(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(mac)}"


# --- SMTP ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Mail:
    mail_from: str
    recipients: list[str]
    data: bytes

    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


class _Recorder:
    """aiosmtpd handler: keeps each message, refuses the recipients it is told to."""

    def __init__(self, server: MailServer):
        self.server = server

    async def handle_MAIL(self, _server, session, envelope, address, mail_options):
        if self.server.user and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, _server, session, envelope, address, rcpt_options):
        if address.lower() in self.server.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server, session, envelope):
        with self.server.lock:
            self.server.messages.append(
                Mail(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
            hang = self.server.hang_next > 0
            self.server.hang_next -= hang
        if hang:  # taken, but the answer comes after the client has given up
            await asyncio.sleep(self.server.hang_seconds)
        elif self.server.delay:
            await asyncio.sleep(self.server.delay)
        return "250 Message accepted for delivery"


class MailServer:
    """An SMTP server on 127.0.0.1 recording what it receives; `url` is an SMTP_URL.

    With `user` and `password` it offers AUTH over the plain connection (the test has no
    certificate for STARTTLS), refuses MAIL FROM before a login, and records who logged in.
    """

    def __init__(self, user: str | None = None, password: str | None = None):
        self.user, self.password = user, password
        self.messages: list[Mail] = []
        self.logins: list[str] = []
        self.refused: set[str] = set()
        self.hang_next = 0  # messages to take and then not answer for hang_seconds
        self.hang_seconds = 1.5
        self.delay = 0.0  # seconds before each answer: a slow but working mail server
        self.lock = threading.Lock()
        self.port = free_port()
        self._controller = None

    @property
    def url(self) -> str:
        credentials = f"{self.user}:{self.password}@" if self.user else ""
        return f"smtp://{credentials}127.0.0.1:{self.port}"

    def refuse(self, address: str) -> None:
        self.refused.add(address.lower())

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [mail.parsed() for mail in self.messages if address in mail.recipients]

    def _authenticate(self, _server, _session, _envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else None
        password = auth_data.password.decode() if isinstance(auth_data.password, bytes) else None
        ok = login == self.user and password == self.password
        if ok:
            self.logins.append(login or "")
        return AuthResult(success=ok, handled=False)

    def start(self) -> MailServer:
        from aiosmtpd.controller import Controller

        options: dict = {}
        if self.user:
            # Not auth_required (aiosmtpd warns of it without TLS): MAIL refuses instead.
            options = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(
            _Recorder(self), hostname="127.0.0.1", port=self.port, **options
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()
