"""The ways a message leaves Borgerblik: GatewayAPI's REST interface for SMS, SMTP for
e-mail, and a file transport (instance/outbox/) for the demo and for tests of the pages.

A transport raises TransientError for what may work later (timeouts, 5xx, a refused
connection) and PermanentError for what never will (a number the gateway refuses); the
worker retries the first and gives up on the second. Error texts never carry a number,
an address or a message text.
"""

from __future__ import annotations

import hashlib
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

TIMEOUT_SECONDS = 10


class TransientError(RuntimeError):
    """Try again later."""


class PermanentError(RuntimeError):
    """Do not try again."""


@dataclass(frozen=True)
class Outgoing:
    reference: str  # the outbox row's id: the gateway's userref, the e-mail's Message-ID
    recipient: str  # msisdn ("4512345678") or e-mail address
    text: str
    subject: str = ""
    html: str | None = None


class Transport(Protocol):
    def send(self, message: Outgoing) -> str | None:
        """Deliver; returns the gateway's id for the message, if it has one."""
        ...


class GatewayApiSms:
    """POST {url}/rest/mtsms with token authentication; the gateway answers {"ids": [..]}."""

    def __init__(self, url: str, token: str, sender: str, callback_url: str | None = None):
        self.endpoint = url.rstrip("/") + "/rest/mtsms"
        self.token = token
        self.sender = sender
        self.callback_url = callback_url

    def send(self, message: Outgoing) -> str | None:
        body = {
            "sender": self.sender,
            "message": message.text,
            "recipients": [{"msisdn": int(message.recipient)}],
            "userref": message.reference,
        }
        if self.callback_url:
            body["callback_url"] = self.callback_url
        request = urllib.request.Request(  # noqa: S310 - the operator's configured https URL
            self.endpoint,
            data=json.dumps(body).encode(),
            headers={
                "Authorization": f"Token {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            if error.code == 429 or error.code >= 500:
                raise TransientError(f"SMS gateway answered {error.code}") from None
            raise PermanentError(f"SMS gateway refused the message ({error.code})") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise TransientError(f"SMS gateway not reached ({type(error).__name__})") from None
        except ValueError:
            raise TransientError("SMS gateway answered something that is not JSON") from None
        ids = answer.get("ids") if isinstance(answer, dict) else None
        return str(ids[0]) if ids else None


class SmtpMail:
    """SMTP_URL smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465."""

    def __init__(self, url: str, mail_from: str):
        parts = urlsplit(url)
        self.secure = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.secure else 587)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.mail_from = mail_from

    def send(self, message: Outgoing) -> str | None:
        mail = EmailMessage()
        mail["From"] = self.mail_from
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        domain = self.mail_from.rsplit("@", 1)[-1].strip(">") or "borgerblik.local"
        # The same on every attempt (a resend is the same message), unique across
        # installations: the text holds the citizen's own link.
        digest = hashlib.sha256(f"{message.recipient}\n{message.text}".encode()).hexdigest()
        mail["Message-ID"] = f"<outbox-{message.reference}.{digest[:24]}@{domain}>"
        mail.set_content(message.text)
        if message.html:
            mail.add_alternative(message.html, subtype="html")
        try:
            with self._connect() as smtp:
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused:
            raise PermanentError("the mail server refused the address") from None
        except smtplib.SMTPResponseException as error:
            kind = PermanentError if 500 <= error.smtp_code < 600 else TransientError
            raise kind(f"the mail server answered {error.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as error:
            raise TransientError(f"mail server not reached ({type(error).__name__})") from None
        return None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.secure:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
        if self.user:
            smtp.login(self.user, self.password or "")
        return smtp


class FileTransport:
    """Each message as a file in a folder: the demo's outbox, which a newcomer can open."""

    def __init__(self, folder: str, channel: str):
        self.folder = Path(folder)
        self.channel = channel

    def send(self, message: Outgoing) -> str | None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{int(message.reference):08d}-{self.channel}.txt"
        lines = [f"To: {message.recipient}"]
        if message.subject:
            lines.append(f"Subject: {message.subject}")
        path.write_text("\n".join([*lines, "", message.text, ""]), encoding="utf-8")
        return None


class NotConfiguredError(TransientError):
    """No transport for the channel: the message waits, without using up its attempts."""


class NotConfigured:
    """A channel without a transport: messages wait (and say why) until one is configured."""

    def __init__(self, what: str):
        self.what = what

    def send(self, message: Outgoing) -> str | None:
        raise NotConfiguredError(f"no {self.what} is configured")


def transports(config: dict, callback_url: str | None) -> dict[str, Transport]:
    """The SMS and e-mail transports the configuration names; the file transport in demo
    mode and tests when none is named."""
    sms: Transport
    mail: Transport
    if config.get("SMS_GATEWAY_URL"):
        sms = GatewayApiSms(
            config["SMS_GATEWAY_URL"],
            config["SMS_GATEWAY_TOKEN"],
            config["SMS_SENDER"],
            callback_url,
        )
    elif config.get("FILE_TRANSPORT"):
        sms = FileTransport(config["OUTBOX_DIR"], "sms")
    else:
        sms = NotConfigured("SMS gateway (SMS_GATEWAY_URL)")
    if config.get("SMTP_URL"):
        mail = SmtpMail(config["SMTP_URL"], config.get("MAIL_FROM") or "borgerblik@localhost")
    elif config.get("FILE_TRANSPORT"):
        mail = FileTransport(config["OUTBOX_DIR"], "email")
    else:
        mail = NotConfigured("mail server (SMTP_URL)")
    return {"sms": sms, "email": mail}
