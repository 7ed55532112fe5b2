"""Send a day by email: SMTP (stdlib ``smtplib``), HTML with a plain-text alternative.

One ``multipart/alternative`` message (RFC 2046 §5.1.4: text/plain first, text/html last) to
every address in ``[delivery.email] to``. The HTML part is rendered by the site's
autoescaping templates (paper text is escaped, only http(s) links); the text part by
:func:`.text.plain_text`.

Transport security: ``starttls`` (default, port 587) upgrades with ``STARTTLS`` and a verified
TLS context (``ssl.create_default_context``) before ``AUTH``; ``ssl`` (port 465) is TLS from
the first byte; ``none`` is plain SMTP and refuses to send credentials to any host but
loopback. The password comes from ``password`` or the variable named by ``password_env``
and is never logged or put in an error message.

Addresses (``sender`` and every ``to``) are checked before anything is sent: each must be an
addr-spec ``local@domain`` (RFC 5322 §3.4.1), optionally with a display name
(``Team <team@example.org>``); anything else is a configuration error.

Per-recipient outcome: ``send_message`` reports refused recipients one by one; a connection,
TLS or authentication failure fails every recipient with the same reason (a connection failure
names the SMTP host: ``cannot reach SMTP host smtp.example.org:587: name not resolved``).
Temporary failures (connection errors, 4xx replies) are retried ``delivery.retries`` times
with backoff.
"""

from __future__ import annotations

import logging
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from ..errors import ConfigError
from ..web.data import DayView
from .outcome import Outcome
from .settings import DeliverySettings, EmailSettings
from .text import day_title, plain_text

__all__ = ["Outcome", "build_message", "check_addresses", "send_email"]

logger = logging.getLogger(__name__)

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}

#: An addr-spec ``local@domain`` (RFC 5322 §3.4.1), simplified: one ``@``, neither side empty,
#: no white space and none of the specials that would need quoting.
_ADDR_SPEC = re.compile(r'[^@\s<>()\[\],;:"]+@[^@\s<>()\[\],;:"]+')

#: Progress callback: one line before each attempt (``sending email to 2 recipients via …``).
Progress = Callable[[str], None]


def check_addresses(email: EmailSettings) -> None:
    """Refuse a sender or recipient that is not an email address, before anything is sent.

    Raises:
        ConfigError: an address is not ``local@domain`` (a display name around it is fine).
    """
    for key, values in (("sender", [email.sender] if email.sender else []), ("to", email.to)):
        for value in values:
            address = parseaddr(value)[1]
            whole = value.strip() == address or value.strip().endswith(f"<{address}>")
            if not _ADDR_SPEC.fullmatch(address) or not whole:
                raise ConfigError(f"[delivery.email] {key}: {value!r} is not an email "
                                  "address; use name@domain, e.g. me@example.org")


def build_message(view: DayView, email: EmailSettings, *, title: str, lang: str = "zh",
                  base_url: str = "") -> EmailMessage:
    """The day's message: headers, text/plain part, text/html part.

    Raises:
        ConfigError: no sender or no recipient configured.
    """
    from ..web.render import AbsoluteUrls, card, environment, ui

    if not email.sender or not email.to:
        raise ConfigError("[delivery.email] needs sender and at least one address in to")
    words = ui(lang)
    urls = AbsoluteUrls(base_url) if base_url else None
    html = environment().get_template("email.html").render(
        site_title=title, t=words, urls=urls, day=view,
        cards=[card(p) for p in view.papers], heading=day_title(view, title, lang))
    message = EmailMessage()
    message["Subject"] = " ".join(email.subject.replace("{date}", view.date).split())
    message["From"] = email.sender
    message["To"] = ", ".join(email.to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=email.sender.rpartition("@")[2] or None)
    message.set_content(plain_text(view, title, lang))
    message.add_alternative(html, subtype="html")
    return message


SMTPFactory = Callable[[EmailSettings], smtplib.SMTP]


def _connect(email: EmailSettings) -> smtplib.SMTP:
    port = email.effective_port()
    if email.security == "ssl":
        return smtplib.SMTP_SSL(email.host, port, timeout=email.timeout,
                                context=ssl.create_default_context())
    smtp = smtplib.SMTP(email.host, port, timeout=email.timeout)
    if email.security == "starttls":
        smtp.ehlo()
        smtp.starttls(context=ssl.create_default_context())
        smtp.ehlo()
    return smtp


def _temporary(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError,
                            ConnectionError, socket.timeout, TimeoutError))


def _connection_reason(exc: OSError, email: EmailSettings, *, connected: bool) -> str:
    """A connection failure, about the SMTP host: ``cannot reach SMTP host x:587: name not
    resolved`` (before the server answered) or ``connection to SMTP host x:587 lost: …``."""
    where = f"SMTP host {email.host}:{email.effective_port()}"
    if isinstance(exc, socket.gaierror):
        why = "name not resolved"
    elif isinstance(exc, ConnectionRefusedError):
        why = "connection refused"
    elif isinstance(exc, (socket.timeout, TimeoutError)):
        why = f"no answer within {email.timeout:g} s"
    else:
        why = " ".join((exc.strerror or str(exc) or type(exc).__name__).split())
    return f"connection to {where} lost: {why}" if connected else f"cannot reach {where}: {why}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"SMTP {exc.smtp_code} {' '.join(text.split())}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    return f"{type(exc).__name__}: {' '.join(str(exc).split()) or 'connection failed'}"


def send_email(view: DayView, settings: DeliverySettings, *, title: str, lang: str = "zh",
               base_url: str = "", connect: SMTPFactory | None = None,
               sleep: Callable[[float], None] = time.sleep,
               progress: Progress | None = None) -> list[Outcome]:
    """Send the day to every configured address; one :class:`Outcome` per address.

    Args:
        progress: called with one line before each attempt (the CLI prints it).

    Raises:
        ConfigError: no host/sender/recipients, an address that is not ``local@domain``
            (:func:`check_addresses`), or credentials over plain SMTP to a non-loopback host.
    """
    email = settings.email
    if not email.host:
        raise ConfigError("[delivery.email] host is not set")
    check_addresses(email)
    password = email.secret_password()
    if email.username and password is None:
        raise ConfigError(f"[delivery.email] username is set but no password: set "
                          f"{email.password_env} (or password)")
    if email.security == "none" and email.username and email.host not in _LOOPBACK:
        raise ConfigError("[delivery.email] refusing to send the password without TLS: use "
                          'security = "starttls" or "ssl"')
    message = build_message(view, email, title=title, lang=lang, base_url=base_url)
    connect = connect or _connect
    last: BaseException | None = None
    reason = ""
    recipients = f"{len(email.to)} recipient{'' if len(email.to) == 1 else 's'}"
    for attempt in range(settings.retries + 1):
        if attempt:
            sleep(settings.backoff * 2 ** (attempt - 1))
        if progress is not None:
            again = f" (attempt {attempt + 1} of {settings.retries + 1})" if attempt else ""
            progress(f"sending email to {recipients} via {email.host}:"
                     f"{email.effective_port()}{again}…")
        connected = False
        try:
            with connect(email) as smtp:
                connected = True
                if email.username:
                    smtp.login(email.username, password or "")
                refused = smtp.send_message(message, from_addr=email.sender,
                                            to_addrs=list(email.to))
        except smtplib.SMTPRecipientsRefused as exc:
            return [Outcome(to, False, _refused(exc.recipients.get(to))) for to in email.to]
        except smtplib.SMTPAuthenticationError as exc:
            return [Outcome(to, False, f"login refused: {_reason(exc)}") for to in email.to]
        except (smtplib.SMTPException, OSError) as exc:
            last = exc
            plain_os = not isinstance(exc, (smtplib.SMTPException, ssl.SSLError))
            reason = (_connection_reason(exc, email, connected=connected) if plain_os
                      else _reason(exc))
            logger.info("email attempt %d failed: %s", attempt + 1, reason)
            if not _temporary(exc):
                break
            continue
        return [Outcome(to, to not in refused,
                        _refused(refused[to]) if to in refused else "sent")
                for to in email.to]
    assert last is not None
    return [Outcome(to, False, reason) for to in email.to]


def _refused(reply: tuple[int, bytes] | None) -> str:
    if reply is None:
        return "refused"
    code, text = reply
    return f"refused: SMTP {code} {' '.join(text.decode('utf-8', 'replace').split())}"
