"""Send a day to chat webhooks: generic JSON, Slack, Feishu/Lark and DingTalk.

Message formats (each platform's documented incoming-webhook format):

* ``generic``: ``POST`` of ``{"date", "listed_date", "title", "papers": [...], "part",
  "parts"}``; every paper carries its id, title, links, source, summary (the five parts as
  fields) or failure. The JSON escapes ``<``, ``>`` and ``&`` (``\\u003c``…), so the body is
  inert even when pasted into HTML.
* ``slack`` (Slack incoming webhooks, Block Kit): ``{"text", "blocks"}`` with a header block
  and one ``section`` (mrkdwn) per paper. Limits: 50 blocks per message, 3,000 characters
  per section text, 150 per header; the mrkdwn control characters ``& < >`` are escaped as
  ``&amp; &lt; &gt;`` (Slack's "Escaping text" rule), so no text can form a link or mention.
* ``feishu`` (Feishu/Lark custom bot): ``{"msg_type": "post", "content": {"post": {"zh_cn":
  {"title", "content"}}}}``, rich text as ``text`` and ``a`` elements (structured, never
  parsed as markup). Limit: 20 KB request body. Signed bots: ``timestamp`` and ``sign`` =
  base64(HMAC-SHA256 keyed by ``"{timestamp}\\n{secret}"`` over an empty message) in the body.
* ``dingtalk`` (DingTalk custom robot): ``{"msgtype": "markdown", "markdown": {"title",
  "text"}}``. Limit: 20,000 bytes of body. DingTalk's markdown subset has no reliable escape,
  so ``[ ] < >`` in paper text become their full-width forms (``［ ］ ＜ ＞``) and cannot form
  links or tags. Signed robots: ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256 keyed by
  the secret over ``"{timestamp}\\n{secret}"``) as URL parameters.

A day too big for one message is split at paper boundaries (a single paper too big is cut
with "…"); messages go out in order. Success is the platform's own: 2xx (generic), body
``ok`` (Slack), ``code``/``StatusCode`` 0 (Feishu), ``errcode`` 0 (DingTalk).

Sending is the library's one HTTP policy (:class:`~paperdigest.fetch.http.HttpClient`, role
``webhook``): paced by ``limits.webhook`` (default 1 message/s), counted per role, connection
errors, 429 and 5xx retried ``http.retries`` times (``Retry-After`` honoured up to
``http.max_wait``; a longer wait fails the message at once), a platform's throttling code in a
200 (Feishu 11232, DingTalk 130101/-1) retried the same way through the policy's ``check``
hook, any other refusal reported at once. Each attempt ends within the webhook's ``timeout``.
Webhook URLs carry credentials: reports and log lines name the webhook and the URL's host
only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from ..errors import ConfigError, HTTPError
from ..fetch.http import (
    Check,
    HttpClient,
    Response,
    RetryReply,
    error_detail,
    parse_json,
    shown_url,
)
from ..web.data import DayView
from .outcome import Outcome
from .settings import DeliverySettings, WebhookSettings
from .text import PaperBlock, day_title, one_line, paper_block

__all__ = ["LIMITS", "build_payloads", "check_urls", "send_webhooks"]

logger = logging.getLogger(__name__)

#: Size limits per platform: (unit, value). Slack's are per block (see module docstring).
LIMITS = {
    "slack_blocks": 50,
    "slack_section_chars": 3000,
    "slack_header_chars": 150,
    "slack_text_chars": 3000,
    "feishu_body_bytes": 20_000,
    "dingtalk_body_bytes": 20_000,
    "generic_body_bytes": 1_000_000,
}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def _json(payload: dict[str, Any]) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    # Inert even if a receiver pastes it into HTML or a <script>.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode("utf-8")


# ----------------------------------------------------------------------------- builders


def _generic_paper(block: PaperBlock, report: Any) -> dict[str, Any]:
    summary = report.summary if report.failure is None else None
    return {
        "arxiv_id": block.arxiv_id,
        "title": block.title,
        "links": {link.label: link.url for link in block.links},
        "source": None if block.source == "—" else block.source,
        "summary": summary.to_dict() if summary is not None else None,
        "failure": {"stage": report.failure.stage, "reason": one_line(report.failure.reason)}
        if report.failure is not None else None,
        "untraced": [c.text for c in report.verification.untraced]
        if report.verification is not None and summary is not None else [],
    }


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_section(block: PaperBlock) -> dict[str, Any]:
    links = " · ".join(f"<{link.url}|{link.label}>" for link in block.links)
    lines = [f"*{_slack_escape(block.title)}*", links]
    if block.failure:
        lines.append(_slack_escape(block.failure))
    lines += [f"*{_slack_escape(label)}*: {_slack_escape(text)}" for label, text in block.lines]
    text = _cut("\n".join(lines), LIMITS["slack_section_chars"])
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


_FULL_WIDTH = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞"})


def _ding_text(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def _ding_block(block: PaperBlock) -> str:
    links = " · ".join(
        f"[{link.label}]({link.url.replace('(', '%28').replace(')', '%29')})"
        for link in block.links)
    lines = [f"#### {_ding_text(block.title)}", "", links, ""]
    if block.failure:
        lines.append(_ding_text(block.failure))
    lines += [f"- **{_ding_text(label)}**: {_ding_text(one_line(text))}"
              for label, text in block.lines]
    return "\n".join(lines) + "\n"


def _feishu_block(block: PaperBlock) -> list[list[dict[str, str]]]:
    rows: list[list[dict[str, str]]] = [[{"tag": "text", "text": f"■ {block.title}"}]]
    link_row: list[dict[str, str]] = []
    for link in block.links:
        link_row += [{"tag": "a", "text": link.label, "href": link.url},
                     {"tag": "text", "text": "  "}]
    rows.append(link_row)
    if block.failure:
        rows.append([{"tag": "text", "text": block.failure}])
    rows += [[{"tag": "text", "text": f"{label}: {text}"}] for label, text in block.lines]
    rows.append([{"tag": "text", "text": " "}])
    return rows


def _pack(items: list[Any], make: Callable[[list[Any]], bytes], limit: int,
          shrink: Callable[[Any], Any]) -> list[bytes]:
    """Greedy split of ``items`` into bodies of at most ``limit`` bytes, in order."""
    bodies: list[bytes] = []
    current: list[Any] = []
    for item in items:
        if current and len(make([*current, item])) > limit:
            bodies.append(make(current))
            current = []
        if not current and len(make([item])) > limit:
            item = shrink(item)
        current.append(item)
    if current or not bodies:
        bodies.append(make(current))
    return bodies


def build_payloads(view: DayView, kind: str, *, title: str, lang: str = "zh",
                   signer: Callable[[dict[str, Any]], dict[str, Any]] | None = None
                   ) -> list[bytes]:
    """The JSON bodies that deliver ``view`` to a webhook of ``kind``, in sending order.

    Each body fits the platform's limit (:data:`LIMITS`). ``signer`` adds signature fields
    to a body (Feishu); it runs before the size is measured.
    """
    heading = day_title(view, title, lang)
    blocks = [(paper_block(r, lang), r) for r in view.papers]
    sign = signer or (lambda body: body)
    if kind == "generic":
        def make_generic(items: list[Any]) -> bytes:
            return _json({"date": view.date, "listed_date": view.listed_date, "title": heading,
                          "papers": [_generic_paper(b, r) for b, r in items]})
        bodies = _pack(blocks, make_generic, LIMITS["generic_body_bytes"], lambda x: x)
        # Number the parts now that their count is known.
        out = []
        for number, body in enumerate(bodies, 1):
            data = json.loads(body)
            data.update(part=number, parts=len(bodies))
            out.append(_json(data))
        return out
    if kind == "slack":
        sections = [_slack_section(b) for b, _ in blocks]
        per = LIMITS["slack_blocks"] - 1  # one header block per message
        chunks = [sections[i:i + per] for i in range(0, len(sections), per)] or [[]]
        out = []
        for number, chunk in enumerate(chunks, 1):
            head = _cut(heading + (f" ({number}/{len(chunks)})" if len(chunks) > 1 else ""),
                        LIMITS["slack_header_chars"])
            out.append(_json({
                "text": _cut(_slack_escape(head), LIMITS["slack_text_chars"]),
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": head}},
                           *chunk],
            }))
        return out
    if kind == "feishu":
        def make_feishu(items: list[list[list[dict[str, str]]]]) -> bytes:
            content = [row for rows in items for row in rows]
            return _json(sign({"msg_type": "post", "content": {"post": {"zh_cn": {
                "title": heading, "content": content}}}}))

        def shrink_feishu(rows: list[list[dict[str, str]]]) -> list[list[dict[str, str]]]:
            return rows[:2] + [[{"tag": "text", "text": "…"}]]
        return _pack([_feishu_block(b) for b, _ in blocks], make_feishu,
                     LIMITS["feishu_body_bytes"], shrink_feishu)
    if kind == "dingtalk":
        def make_ding(items: list[str]) -> bytes:
            text = f"### {_ding_text(heading)}\n\n" + "\n".join(items)
            return _json({"msgtype": "markdown",
                          "markdown": {"title": _ding_text(heading), "text": text}})
        return _pack([_ding_block(b) for b, _ in blocks], make_ding,
                     LIMITS["dingtalk_body_bytes"], lambda s: s[:4000] + "…\n")
    raise ConfigError(f"unknown webhook kind {kind!r}; use generic, slack, feishu or dingtalk")


# ------------------------------------------------------------------------------ sending


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu/Lark custom-bot signature for ``timestamp`` (seconds)."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk custom-robot signature for ``timestamp_ms`` (milliseconds), URL-encoded."""
    text = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), text, hashlib.sha256).digest()
    return quote(base64.b64encode(digest).decode(), safe="")


FEISHU_RETRY_CODES = {11232: 429}
"""Feishu/Lark error codes in a 200 that mean "try again later": 11232 flow control (custom
bots: 5 messages/s, 100/min). Mapped to the HTTP status they stand for, so the one policy
retries them like a 429."""
DINGTALK_RETRY_CODES = {130101: 429, -1: 503}
"""DingTalk ``errcode`` values that are worth a retry: 130101 "send too fast, exceed 20 times
per minute", -1 "system busy"."""


def _platform_check(kind: str) -> Check | None:
    """The :data:`~paperdigest.fetch.http.Check` that applies the platform's own acceptance
    rule to a 2xx reply: Slack's body ``ok``; Feishu's ``code``/``StatusCode`` 0; DingTalk's
    ``errcode`` 0 (generic: any 2xx). A throttling code raises
    :class:`~paperdigest.fetch.http.RetryReply` (the policy retries it, ``Retry-After``
    honoured); any other refusal is a final :class:`~paperdigest.errors.HTTPError` whose
    ``detail`` holds the platform's words."""
    if kind == "generic":
        return None

    def refused(response: Response, detail: str) -> HTTPError:
        error = HTTPError(f"{shown_url(response.url, 'webhook')} refused the message: {detail}",
                          shown_url(response.url, "webhook"), response.status)
        error.detail = detail
        return error

    def check(response: Response) -> None:
        body = response.text()[:300]
        if kind == "slack":
            if body.strip() != "ok":
                raise refused(response, f"replied {one_line(body)!r}, not ok")
            return
        try:
            data = parse_json(response.content)
        except ValueError:
            raise refused(response, f"not JSON: {one_line(body)}") from None
        if not isinstance(data, dict):
            raise refused(response, f"not a JSON object: {one_line(body)}")
        if kind == "dingtalk":
            code, retry = data.get("errcode"), DINGTALK_RETRY_CODES
        else:
            code, retry = data.get("code", data.get("StatusCode")), FEISHU_RETRY_CODES
        if code == 0:
            return
        message = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
        detail = f"code {code} {one_line(str(message))}".strip()
        if isinstance(code, int) and code in retry:
            raise RetryReply(retry[code], detail)
        raise refused(response, detail)

    return check


def _reason(exc: HTTPError, url: str, host: str) -> str:
    """One line for the per-recipient report: the platform's refusal, ``HTTP <status> <the
    server's words> (after N attempts)``, or the policy's own message (deadline, size cap,
    connection failures, a Retry-After longer than ``http.max_wait``)."""
    if exc.status is not None and 200 <= exc.status < 300 and exc.detail:
        text = exc.detail
    elif exc.status is not None and (exc.attempts or exc.body):
        words = exc.detail or error_detail(exc.body.encode("utf-8"))
        # A platform's throttling code in a 200 (see _platform_check) is retried as the status
        # it stands for; report the platform's code, not that stand-in status.
        text = words if words.startswith("code ") else f"HTTP {exc.status} {words}".strip()
        if exc.attempts:
            text += f" (after {exc.attempts} attempts)"
    else:
        text = one_line(str(exc))
    # The policy shows webhook URLs as host only; a server's words might still quote the URL.
    return text.replace(url, host)


def _post(http: HttpClient, hook: WebhookSettings, url: str, body: bytes) -> None:
    """POST one message through the one HTTP policy (role ``webhook``).

    Raises:
        HTTPError: the message was not accepted (see :func:`_reason`).
    """
    http.request("POST", url, role="webhook", content=body, timeout=hook.timeout,
                 headers={"Content-Type": "application/json; charset=utf-8"},
                 check=_platform_check(hook.kind))


class _RedactURLs(logging.Filter):
    """httpx logs each request's full URL at INFO: keep only scheme and host (tokens live in
    webhook paths and query strings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                f"{a.scheme}://{a.host}/…" if isinstance(a, httpx.URL) else a
                for a in record.args)
        return True


def check_urls(settings: DeliverySettings) -> list[str]:
    """Every webhook's URL (in ``settings.webhooks`` order), checked before anything is sent.

    Raises:
        ConfigError: no webhook configured, or one without an http(s) URL (its ``url_env``
            variable unset or empty, no ``url``, or a URL of another scheme). The message
            names the webhook and the variable, never the URL (a secret).
    """
    if not settings.webhooks:
        raise ConfigError("no webhook configured: add a [[delivery.webhooks]] section")
    urls = []
    for hook in settings.webhooks:
        url = hook.secret_url()
        where = f"[[delivery.webhooks]] {hook.name!r}"
        if not url:
            if hook.url_env:
                raise ConfigError(f"{where}: url_env names {hook.url_env}, which is not set; "
                                  f"set {hook.url_env} to the webhook's URL")
            raise ConfigError(f"{where} has no URL: set url_env (the name of a variable "
                              "holding the URL) or url")
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            source = f"the value of {hook.url_env}" if hook.url_env and not hook.url else "url"
            raise ConfigError(f"{where}: {source} is not an http(s) URL")
        urls.append(url)
    return urls


def send_webhooks(view: DayView, settings: DeliverySettings, *, http: HttpClient, title: str,
                  lang: str = "zh", now: Callable[[], float] = time.time,
                  progress: Callable[[str], None] | None = None) -> list[Outcome]:
    """Send the day to every configured webhook; one :class:`Outcome` per webhook.

    Every message goes through ``http`` (:class:`~paperdigest.fetch.http.HttpClient`, role
    ``webhook``): paced by ``limits.webhook``, counted in ``counters()["by_role"]["webhook"]``,
    retried per ``[http]`` (``retries``, ``Retry-After`` up to ``max_wait``), each attempt
    within the webhook's ``timeout``. A webhook stops at its first failed message.

    Args:
        now: wall clock in seconds since the epoch, for Feishu/DingTalk signatures.
        progress: called with one line before each webhook is sent to (the CLI prints it).

    Raises:
        ConfigError: no webhook configured, or one without an http(s) URL
            (:func:`check_urls`): nothing is sent then.
    """
    urls = check_urls(settings)
    outcomes = []
    redact = _RedactURLs()
    httpx_logger = logging.getLogger("httpx")
    httpx_logger.addFilter(redact)
    try:
        for hook, url in zip(settings.webhooks, urls, strict=True):
            secret = hook.signing_secret()
            signer = None
            if secret and hook.kind == "feishu":
                stamp = int(now())
                signer = (lambda body, s=stamp, k=secret:
                          {**body, "timestamp": str(s), "sign": feishu_sign(k, s)})
            if secret and hook.kind == "dingtalk":
                stamp_ms = int(now() * 1000)
                sep = "&" if "?" in url else "?"
                url += f"{sep}timestamp={stamp_ms}&sign={dingtalk_sign(secret, stamp_ms)}"
            bodies = build_payloads(view, hook.kind, title=title, lang=lang, signer=signer)
            host = urlsplit(url).netloc
            if progress is not None:
                count = f" ({len(bodies)} messages)" if len(bodies) > 1 else ""
                progress(f"sending to {hook.name} ({hook.kind} @ {host}){count}…")
            for number, body in enumerate(bodies, 1):
                try:
                    _post(http, hook, url, body)
                except HTTPError as exc:
                    detail = _reason(exc, url, host)
                    logger.info("webhook %s (%s): message %d/%d failed: %s", hook.name, host,
                                number, len(bodies), detail)
                    outcomes.append(Outcome(
                        hook.name, False,
                        f"{hook.kind} @ {host}: message {number}/{len(bodies)} failed "
                        f"({number - 1} sent): {detail}"))
                    break
            else:
                outcomes.append(Outcome(hook.name, True,
                                        f"{hook.kind} @ {host}: {len(bodies)} message(s) sent"))
    finally:
        httpx_logger.removeFilter(redact)
    return outcomes
