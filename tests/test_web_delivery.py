"""``paperdigest send``: email through a local aiosmtpd server, webhooks to a loopback receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

aiosmtpd_controller = pytest.importorskip(
    "aiosmtpd.controller", reason="aiosmtpd (test extra) is not installed")
pytest.importorskip("jinja2", reason="the [web] extra is not installed")
lxml_html = pytest.importorskip("lxml.html")

from paperdigest.cli import main
from paperdigest.config import Settings
from paperdigest.delivery.email import send_email
from paperdigest.delivery.settings import (
    DeliverySettings,
    EmailSettings,
    WebhookSettings,
)
from paperdigest.delivery.webhooks import LIMITS, build_payloads, send_webhooks
from paperdigest.fetch import FakeClock, HttpClient
from paperdigest.models import Innovation, PaperRef, PaperReport, PaperSummary, Result
from paperdigest.store import Store
from paperdigest.web.data import DayView
from tests.fakes.archive import (
    BOLD,
    DAYS,
    HOSTILE,
    HOSTILE_REF,
    UNIQUE_ZH,
    WEBARBITER,
    archive_day_view,
    assert_inert,
    fill_archive,
)
from tests.fakes.webhooks import WebhookReceiver

PASSWORD = "s3cret-pass-Zq9"


@pytest.fixture
def view(tmp_path: Path) -> DayView:
    view: DayView = archive_day_view(tmp_path / "pd.sqlite3")
    return view


# ---------------------------------------------------------------------------------- SMTP


class _Sink:
    """aiosmtpd handler: keeps every message, refuses RCPT for addresses in ``refuse``."""

    def __init__(self, refuse: set[str] | None = None) -> None:
        self.messages: list[Any] = []
        self.refuse = refuse or set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Any, _Sink]]:
    from aiosmtpd.smtp import AuthResult

    sink = _Sink(refuse={"nobody@example.org"})

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        ok = auth_data.login == b"digest" and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)

    controller = aiosmtpd_controller.Controller(
        sink, hostname="127.0.0.1", port=_free_port(), authenticator=authenticator,
        auth_require_tls=False)
    controller.start()
    try:
        yield controller, sink
    finally:
        controller.stop()


def _email_settings(controller: Any, **kw: Any) -> DeliverySettings:
    email = EmailSettings(host="127.0.0.1", port=controller.port,
                          security="none", sender="digest@example.org",
                          to=["me@example.org", "team@example.org"], timeout=10, **kw)
    return DeliverySettings(email=email, retries=1, backoff=0)


def test_email_has_text_and_escaped_html_parts(smtp: Any, view: DayView) -> None:
    controller, sink = smtp
    outcomes = send_email(view, _email_settings(controller), title="Daily", lang="zh")
    assert [(o.recipient, o.ok) for o in outcomes] == [("me@example.org", True),
                                                      ("team@example.org", True)]
    [envelope] = sink.messages
    assert envelope.rcpt_tos == ["me@example.org", "team@example.org"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == f"Hugging Face Daily Papers {DAYS[1]}"
    assert message.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]  # RFC 2046: preferred (richest) last
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert UNIQUE_ZH in text and UNIQUE_ZH in html
    assert f"Hostile {HOSTILE} title" in text  # plain text shows it as it is
    assert f"安全 {HOSTILE} {BOLD}" in text and "&lt;" not in text
    assert HOSTILE not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "&amp;lt;" not in html  # escaped once
    doc = lxml_html.fromstring(html)
    assert_inert(doc)
    assert len(doc.xpath("//article[@class='paper']")) == 3
    assert doc.xpath("//link[@rel='stylesheet'] | //script") == []  # self-contained


def test_email_login_reads_the_password_from_the_environment(
        smtp: Any, view: DayView, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    controller, sink = smtp
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("PAPERDIGEST_SMTP_PASSWORD", PASSWORD)
    outcomes = send_email(view, _email_settings(controller, username="digest"), title="D")
    assert all(o.ok for o in outcomes) and len(sink.messages) == 1
    monkeypatch.setenv("PAPERDIGEST_SMTP_PASSWORD", "wrong")
    outcomes = send_email(view, _email_settings(controller, username="digest"), title="D")
    assert not any(o.ok for o in outcomes)
    assert all(o.detail.startswith("login refused: SMTP 535") for o in outcomes)
    assert PASSWORD not in caplog.text and "wrong" not in " ".join(o.detail for o in outcomes)


def test_email_reports_each_refused_recipient(smtp: Any, view: DayView) -> None:
    controller, sink = smtp
    settings = _email_settings(controller)
    settings.email.to = ["me@example.org", "nobody@example.org"]
    outcomes = {o.recipient: o for o in send_email(view, settings, title="D")}
    assert outcomes["me@example.org"].ok
    assert not outcomes["nobody@example.org"].ok
    assert "550" in outcomes["nobody@example.org"].detail
    assert sink.messages[0].rcpt_tos == ["me@example.org"]


def test_unreachable_smtp_server_fails_every_recipient_after_retries(view: DayView) -> None:
    port = _free_port()  # nobody listens there
    settings = DeliverySettings(email=EmailSettings(
        host="127.0.0.1", port=port, security="none", sender="a@example.org",
        to=["b@example.org"]), retries=2, backoff=0.5)
    slept: list[float] = []
    outcomes = send_email(view, settings, title="D", sleep=slept.append)
    assert slept == [0.5, 1.0]
    assert [o.ok for o in outcomes] == [False]
    assert outcomes[0].detail == f"cannot reach SMTP host 127.0.0.1:{port}: connection refused"


def test_password_over_plain_smtp_to_a_remote_host_is_refused(view: DayView,
                                                              monkeypatch: Any) -> None:
    from paperdigest.errors import ConfigError

    monkeypatch.setenv("PAPERDIGEST_SMTP_PASSWORD", PASSWORD)
    settings = DeliverySettings(email=EmailSettings(
        host="smtp.example.org", security="none", username="u", sender="a@example.org",
        to=["b@example.org"]))
    with pytest.raises(ConfigError, match="without TLS"):
        send_email(view, settings, title="D")


def _need_openssl() -> str:
    path = shutil.which("openssl")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("openssl is missing and CI=true (needed for the STARTTLS test)")
        pytest.skip("openssl not found (the STARTTLS test makes a certificate with it)")
    return path


def test_starttls_upgrades_before_login(view: DayView, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import ssl

    from aiosmtpd.smtp import AuthResult

    openssl = _need_openssl()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink = _Sink()
    seen_tls: list[bool] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        seen_tls.append(session.ssl is not None)
        return AuthResult(success=auth_data.password == PASSWORD.encode(), handled=False)

    controller = aiosmtpd_controller.Controller(
        sink, hostname="127.0.0.1", port=_free_port(), tls_context=context, require_starttls=True,
        authenticator=authenticator)
    controller.start()
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test certificate
        monkeypatch.setenv("PAPERDIGEST_SMTP_PASSWORD", PASSWORD)
        settings = DeliverySettings(email=EmailSettings(
            host="127.0.0.1", port=controller.port,
            security="starttls", username="digest", sender="a@example.org",
            to=["b@example.org"]), retries=0)
        outcomes = send_email(view, settings, title="D")
    finally:
        controller.stop()
    assert [o.ok for o in outcomes] == [True], outcomes
    assert seen_tls == [True] and len(sink.messages) == 1


# ------------------------------------------------------------------------------ webhooks


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _policy(clock: FakeClock, **http: Any) -> HttpClient:
    """The one HTTP policy as `send` builds it (``[http]`` overrides), waiting on ``clock``."""
    settings = Settings()
    for key, value in http.items():
        setattr(settings.http, key, value)
    return HttpClient(settings, clock=clock, no_cache=True)


@pytest.fixture
def http(clock: FakeClock) -> Iterator[HttpClient]:
    with _policy(clock, retries=2) as client:
        yield client


def _hooks(receiver: WebhookReceiver) -> DeliverySettings:
    receiver.plan = {"/slack": [(200, "ok")], "/feishu": [(200, '{"code":0,"msg":"success"}')],
                     "/ding": [(200, '{"errcode":0,"errmsg":"ok"}')], "/generic": [(204, "")]}
    return DeliverySettings(webhooks=[
        WebhookSettings(name="generic", kind="generic", url=f"{receiver.url}/generic"),
        WebhookSettings(name="slack", kind="slack", url=f"{receiver.url}/slack"),
        WebhookSettings(name="feishu", kind="feishu", url=f"{receiver.url}/feishu",
                        secret="feishu-secret"),
        WebhookSettings(name="ding", kind="dingtalk", url=f"{receiver.url}/ding?access_token=T0K",
                        secret="SEC-ding"),
    ])


def test_each_platform_gets_its_documented_format(receiver: WebhookReceiver, view: DayView,
                                                   http: HttpClient) -> None:
    outcomes = send_webhooks(view, _hooks(receiver), http=http, title="Daily",
                             now=lambda: 1700000000.0)
    assert [(o.recipient, o.ok) for o in outcomes] == [
        ("generic", True), ("slack", True), ("feishu", True), ("ding", True)]
    [generic] = receiver.bodies("/generic")
    assert generic["date"] == DAYS[1] and generic["part"] == 1 and generic["parts"] == 1
    papers = {p["arxiv_id"]: p for p in generic["papers"]}
    assert papers[WEBARBITER.arxiv_id]["summary"]["results"][0]["setting"] == "AgentRewardBench"
    assert papers[HOSTILE_REF.arxiv_id]["links"] == {
        "Hugging Face": HOSTILE_REF.hf_url, "arXiv": "https://arxiv.org/abs/2601.90002",
        "PDF": "https://arxiv.org/pdf/2601.90002"}
    [slack] = receiver.bodies("/slack")
    assert slack["blocks"][0]["type"] == "header"
    assert [b["type"] for b in slack["blocks"][1:]] == ["section"] * 3
    assert all(b["text"]["type"] == "mrkdwn" for b in slack["blocks"][1:])
    [feishu] = receiver.bodies("/feishu")
    assert feishu["msg_type"] == "post"
    post = feishu["content"]["post"]["zh_cn"]
    assert post["title"].startswith("Daily") and post["content"]
    expected = base64.b64encode(hmac.new(b"1700000000\nfeishu-secret", b"",
                                         hashlib.sha256).digest()).decode()
    assert feishu["timestamp"] == "1700000000" and feishu["sign"] == expected
    [(path, body)] = [(p, b) for p, b in receiver.requests if p.startswith("/ding")]
    query = parse_qs(urlsplit(path).query)
    assert query["access_token"] == ["T0K"] and query["timestamp"] == ["1700000000000"]
    digest = hmac.new(b"SEC-ding", b"1700000000000\nSEC-ding", hashlib.sha256).digest()
    assert unquote(query["sign"][0]) == base64.b64encode(digest).decode()
    ding = json.loads(body)
    assert ding["msgtype"] == "markdown" and UNIQUE_ZH in ding["markdown"]["text"]


def test_hostile_text_is_inert_in_every_payload(receiver: WebhookReceiver, view: DayView,
                                                http: HttpClient) -> None:
    send_webhooks(view, _hooks(receiver), http=http, title="Daily")
    for path, raw in receiver.requests:
        text = raw.decode("utf-8")
        assert "<script" not in text and "<img" not in text, path
    generic = receiver.bodies("/generic")[0]
    hostile = next(p for p in generic["papers"] if p["arxiv_id"] == HOSTILE_REF.arxiv_id)
    assert hostile["title"] == f"Hostile {HOSTILE} title"  # data, JSON-escaped on the wire
    assert hostile["summary"]["domain"] == f"安全 {HOSTILE} {BOLD}"  # as written (issue 14)
    assert b"\\u003cscript\\u003e" in receiver.requests[0][1]
    slack = json.dumps(receiver.bodies("/slack"), ensure_ascii=False)
    assert "&lt;b&gt;bold&lt;/b&gt;" in slack and "&amp;lt;" not in slack  # mrkdwn, once
    for block in receiver.bodies("/slack")[0]["blocks"][1:]:
        mrkdwn = block["text"]["text"]
        # Only our own <https://…|label> links; paper text cannot open a link or a mention.
        for start in [i for i, ch in enumerate(mrkdwn) if ch == "<"]:
            assert mrkdwn.startswith("<https://", start), mrkdwn[start:start + 40]
    feishu = receiver.bodies("/feishu")[0]["content"]["post"]["zh_cn"]["content"]
    hrefs = [el["href"] for row in feishu for el in row if el["tag"] == "a"]
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    assert {el["tag"] for row in feishu for el in row} == {"text", "a"}
    assert any(BOLD in el.get("text", "") for row in feishu for el in row)  # plain text
    ding = receiver.bodies("/ding")[0]["markdown"]["text"]
    assert "](javascript" not in ding and "<" not in ding
    assert "［点我］(javascript:alert(document.cookie))" in ding  # visible, not a link
    assert "＜b＞bold＜/b＞" in ding and "&lt;" not in ding


def _big_day(n: int = 130) -> DayView:
    long = "长文本" * 700  # 2,100 characters per field
    papers = [PaperReport(
        ref=PaperRef(arxiv_id=f"2601.{i:05d}", title=f"Paper {i}", upvotes=n - i),
        source_kind="HTML",
        summary=PaperSummary(domain="领域", contribution=long,
                             innovations=[Innovation("创新", long)],
                             results=[Result("结果", long)]),
    ) for i in range(n)]
    return DayView(date="2026-01-31", listed_date="2026-01-31", fetched_at="", papers=papers)


def test_big_days_are_split_to_each_platform_limit() -> None:
    day = _big_day()
    ids = [p.ref.arxiv_id for p in day.papers]
    slack = [json.loads(b) for b in build_payloads(day, "slack", title="D")]
    assert len(slack) == 3  # 130 sections, 49 per message after the header
    assert all(len(m["blocks"]) <= LIMITS["slack_blocks"] for m in slack)
    sections = [b for m in slack for b in m["blocks"] if b["type"] == "section"]
    assert len(sections) == 130
    assert all(len(b["text"]["text"]) <= LIMITS["slack_section_chars"] for b in sections)
    assert all(len(m["blocks"][0]["text"]["text"]) <= 150 for m in slack)
    for kind, limit in (("feishu", "feishu_body_bytes"), ("dingtalk", "dingtalk_body_bytes")):
        bodies = build_payloads(day, kind, title="D")
        assert len(bodies) > 1 and all(len(b) <= LIMITS[limit] for b in bodies), kind
        text = "".join(b.decode() for b in bodies)
        positions = [text.index(f"Paper {int(i.split('.')[1])}") for i in ids]
        assert positions == sorted(positions)  # every paper, in report order
    generic = build_payloads(day, "generic", title="D")
    assert [p["arxiv_id"] for b in generic for p in json.loads(b)["papers"]] == ids


def test_retries_then_a_clear_failure_per_webhook(receiver: WebhookReceiver, view: DayView,
                                                  http: HttpClient, clock: FakeClock,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = _hooks(receiver)
    receiver.plan["/slack"] = [(500, "oops"), (429, "slow down"), (200, "ok")]
    receiver.plan["/generic"] = [(503, "down")]
    receiver.plan["/feishu"] = [(200, '{"code":19021,"msg":"sign match fail"}')]
    outcomes = {o.recipient: o for o in send_webhooks(view, settings, http=http, title="D")}
    assert outcomes["slack"].ok
    # Retry-After of the 429, waited by the policy's clock ([http] retries = 2)
    assert any(s == pytest.approx(2.0) for s in clock.sleeps)
    assert not outcomes["generic"].ok
    assert "HTTP 503" in outcomes["generic"].detail and "3 attempts" in outcomes["generic"].detail
    assert len(receiver.bodies("/generic")) == 3
    assert not outcomes["feishu"].ok and "19021" in outcomes["feishu"].detail
    assert len(receiver.bodies("/feishu")) == 1  # an error code is not retried
    assert outcomes["ding"].ok
    assert "T0K" not in caplog.text and all("T0K" not in o.detail for o in outcomes.values())
    assert "SEC-ding" not in caplog.text


def test_webhooks_are_paced_and_counted_by_the_one_http_policy(receiver: WebhookReceiver,
                                                               clock: FakeClock) -> None:
    # Issue 9: webhook POSTs go through HttpClient (role "webhook"), paced by limits.webhook.
    receiver.plan = {"/slack": [(200, "ok")]}
    settings = Settings()
    settings.limits.webhook = 0.5
    with HttpClient(settings, clock=clock, no_cache=True) as http:
        outcomes = send_webhooks(_big_day(), DeliverySettings(webhooks=[WebhookSettings(
            name="s", kind="slack", url=f"{receiver.url}/slack")]), http=http, title="D")
        counters = http.counters()
    assert [(o.ok, o.detail.endswith("3 message(s) sent")) for o in outcomes] == [(True, True)]
    assert len(receiver.requests) == 3  # 130 papers → 3 Slack messages
    assert clock.sleeps == pytest.approx([2.0, 2.0])  # 1 / 0.5 req/s between message starts
    assert counters["by_role"]["webhook"] == 3 == counters["http_requests"]


def test_platform_throttling_in_a_200_is_retried_and_max_wait_bounds_retry_after(
        receiver: WebhookReceiver, view: DayView, clock: FakeClock,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    receiver.plan = {
        "/ding": [(200, '{"errcode":130101,"errmsg":"send too fast"}'),
                  (200, '{"errcode":0,"errmsg":"ok"}')],
        "/feishu": [(200, '{"code":11232,"msg":"frequency limited"}'), (200, '{"code":0}')],
        "/slack/T0K": [(429, "rate_limited")],  # with Retry-After: 2
    }
    hooks = DeliverySettings(webhooks=[
        WebhookSettings(name="ding", kind="dingtalk", url=f"{receiver.url}/ding?access_token=T0K"),
        WebhookSettings(name="feishu", kind="feishu", url=f"{receiver.url}/feishu"),
        WebhookSettings(name="slack", kind="slack", url=f"{receiver.url}/slack/T0K")])
    with _policy(clock, retries=3, max_wait=1.0) as http:
        outcomes = {o.recipient: o for o in send_webhooks(view, hooks, http=http, title="D")}
        counters = http.counters()
    assert outcomes["ding"].ok and len(receiver.bodies("/ding")) == 2
    assert outcomes["feishu"].ok and len(receiver.bodies("/feishu")) == 2
    # A server asking for longer than http.max_wait: given up at once, reason given.
    assert not outcomes["slack"].ok and len(receiver.bodies("/slack/T0K")) == 1
    assert "http.max_wait" in outcomes["slack"].detail and "T0K" not in outcomes["slack"].detail
    assert counters["by_role"]["webhook"] == 5
    assert "T0K" not in caplog.text  # the policy's retry lines show webhook URLs as host only


def test_send_command_reports_each_recipient(receiver: WebhookReceiver, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    home = Path(os.environ["PAPERDIGEST_HOME"])
    with Store(home / "paperdigest.sqlite3") as st:
        fill_archive(st)
    receiver.plan = {"/ok": [(200, "ok")], "/down": [(404, "no such hook")]}
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAM_HOOK", f"{receiver.url}/ok")
    (tmp_path / "paperdigest.toml").write_text(
        "[delivery]\nretries = 0\n"
        "[[delivery.webhooks]]\nname = \"team\"\nkind = \"slack\"\nurl_env = \"TEAM_HOOK\"\n"
        f"[[delivery.webhooks]]\nname = \"old\"\nkind = \"generic\"\nurl = \"{receiver.url}/down\"\n")
    assert main(["send", "--date", DAYS[1], "--to", "webhook", "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [(r["recipient"], r["ok"]) for r in report["recipients"]] == [("team", True),
                                                                        ("old", False)]
    assert "HTTP 404" in report["recipients"][1]["detail"]
    assert main(["send", "--date", "2026-01-01", "--to", "webhook"]) == 1
    assert "not in the store" in capsys.readouterr().err
    # The webhook URL is a secret: config show masks it.
    assert main(["config", "show", "--json"]) == 0
    assert "/down" not in capsys.readouterr().out
