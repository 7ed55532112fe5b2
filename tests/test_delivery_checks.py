"""``paperdigest send``: configuration checked before anything is sent, SMTP connection
failures worded about the host, a progress line before each delivery (QA 2026-11-29)."""

from __future__ import annotations

import os
import smtplib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jinja2", reason="the [web] extra is not installed")

from paperdigest.cli import main
from paperdigest.delivery.email import check_addresses, send_email
from paperdigest.delivery.settings import DeliverySettings, EmailSettings, WebhookSettings
from paperdigest.delivery.webhooks import check_urls, send_webhooks
from paperdigest.errors import ConfigError
from paperdigest.fetch import FakeClock, HttpClient
from paperdigest.store import Store
from paperdigest.web.data import DayView
from tests.fakes.archive import DAYS, archive_day_view, fill_archive
from tests.fakes.webhooks import WebhookReceiver
from tests.test_web_delivery import _policy


@pytest.fixture
def view(tmp_path: Path) -> DayView:
    view: DayView = archive_day_view(tmp_path / "pd.sqlite3")
    return view


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with _policy(FakeClock(), retries=0) as client:
        yield client


def _store_and_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str) -> None:
    with Store(Path(os.environ["PAPERDIGEST_HOME"]) / "paperdigest.sqlite3") as st:
        fill_archive(st)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "paperdigest.toml").write_text(toml)


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    return lines[0]


# ------------------------------------------------------------------------------ webhooks


def test_unset_url_env_is_a_config_error_before_any_message(
        receiver: WebhookReceiver, view: DayView, http: HttpClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_UNSET", raising=False)
    settings = DeliverySettings(webhooks=[
        WebhookSettings(name="ok", kind="generic", url=f"{receiver.url}/ok"),
        WebhookSettings(name="f", kind="feishu", url_env="NOPE_UNSET"),
    ])
    with pytest.raises(ConfigError, match=r"'f': url_env names NOPE_UNSET, which is not set"):
        send_webhooks(view, settings, http=http, title="D")
    assert receiver.requests == []  # the first webhook was not sent to either


@pytest.mark.parametrize(("hook", "needle"), [
    (WebhookSettings(name="n", kind="slack"), "'n' has no URL: set url_env"),
    (WebhookSettings(name="s", kind="slack", url="ftp://files.example.org/x"),
     "'s': url is not an http(s) URL"),
    (WebhookSettings(name="e", kind="slack", url_env="BAD_HOOK"),
     "'e': the value of BAD_HOOK is not an http(s) URL"),
])
def test_every_bad_webhook_url_is_named_without_the_url(
        hook: WebhookSettings, needle: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BAD_HOOK", "hooks.example.org/T0KEN")
    with pytest.raises(ConfigError) as info:
        check_urls(DeliverySettings(webhooks=[hook]))
    assert needle in str(info.value)
    assert "T0KEN" not in str(info.value) and "files.example.org" not in str(info.value)


def test_send_command_unset_url_env_exits_1_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("NOPE_UNSET", raising=False)
    _store_and_config(tmp_path, monkeypatch, '[[delivery.webhooks]]\nname = "f"\n'
                                             'kind = "feishu"\nurl_env = "NOPE_UNSET"\n')
    assert main(["send", "--date", DAYS[1], "--to", "webhook"]) == 1
    captured = capsys.readouterr()
    assert "NOPE_UNSET, which is not set" in _one_error_line(captured.err)
    assert "✗" not in captured.out + captured.err


def test_a_progress_line_comes_before_each_webhook(receiver: WebhookReceiver, view: DayView,
                                                   http: HttpClient) -> None:
    events: list[str] = []
    receiver.plan = {"/a": [(200, "ok")], "/b": [(204, "")]}
    real_request = http.request

    def request(*args: Any, **kw: Any) -> Any:
        events.append("POST")
        return real_request(*args, **kw)

    http.request = request  # type: ignore[method-assign]
    settings = DeliverySettings(webhooks=[
        WebhookSettings(name="team", kind="slack", url=f"{receiver.url}/a"),
        WebhookSettings(name="log", kind="generic", url=f"{receiver.url}/b"),
    ])
    outcomes = send_webhooks(view, settings, http=http, title="D", progress=events.append)
    assert [o.ok for o in outcomes] == [True, True]
    host = receiver.url.removeprefix("http://")
    assert events == [f"sending to team (slack @ {host})…", "POST",
                      f"sending to log (generic @ {host})…", "POST"]


def test_send_command_prints_progress_on_stderr(
        receiver: WebhookReceiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    receiver.plan = {"/a": [(200, "ok")]}
    _store_and_config(tmp_path, monkeypatch, '[[delivery.webhooks]]\nname = "team"\n'
                                             f'kind = "slack"\nurl = "{receiver.url}/a"\n')
    assert main(["send", "--date", DAYS[1], "--to", "webhook"]) == 0
    captured = capsys.readouterr()
    host = receiver.url.removeprefix("http://")
    assert captured.err.splitlines() == [f"sending to team (slack @ {host})…"]
    assert captured.out.startswith("✓ team: slack @")


# --------------------------------------------------------------------------------- email


@pytest.mark.parametrize("address", ["not-an-email", "a@b, c@d", "me @example.org", "@x", ""])
def test_a_bad_address_is_a_config_error_before_connecting(view: DayView,
                                                           address: str) -> None:
    connected: list[EmailSettings] = []

    def connect(email: EmailSettings) -> smtplib.SMTP:
        connected.append(email)
        raise AssertionError("must not connect")

    settings = DeliverySettings(email=EmailSettings(
        host="x", sender="digest@example.org", to=["me@example.org", address]))
    with pytest.raises(ConfigError, match=r"\[delivery.email\] to: .* is not an email address"):
        send_email(view, settings, title="D", connect=connect)
    assert connected == []


def test_addresses_with_a_display_name_are_fine() -> None:
    check_addresses(EmailSettings(host="x", sender="Digest <digest@example.org>",
                                  to=["me@example.org", "Team <team@example.org>"]))
    with pytest.raises(ConfigError, match="sender: 'digest' is not"):
        check_addresses(EmailSettings(host="x", sender="digest", to=["me@example.org"]))


def test_send_command_bad_address_exits_1_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _store_and_config(tmp_path, monkeypatch, '[delivery.email]\nhost = "x"\n'
                                             'sender = "digest@example.org"\n'
                                             'to = ["not-an-email"]\n')
    assert main(["send", "--date", DAYS[1], "--to", "email"]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert line == ("Error: [delivery.email] to: 'not-an-email' is not an email address; "
                    "use name@domain, e.g. me@example.org")


def test_an_unresolvable_smtp_host_is_worded_about_the_host(view: DayView) -> None:
    def connect(email: EmailSettings) -> smtplib.SMTP:
        # What smtplib raises for a host name DNS does not know (no real lookup here).
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    lines: list[str] = []
    settings = DeliverySettings(email=EmailSettings(
        host="x", sender="digest@example.org", to=["me@example.org"]), retries=0)
    outcomes = send_email(view, settings, title="D", connect=connect, progress=lines.append)
    assert [(o.ok, o.detail) for o in outcomes] == [
        (False, "cannot reach SMTP host x:587: name not resolved")]
    assert lines == ["sending email to 1 recipient via x:587…"]


def test_send_without_a_store_is_an_error_not_an_empty_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PAPERDIGEST_HOME", str(tmp_path / "home"))
    assert main(["send", "--date", "2026-01-30", "--to", "email"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2026-01-30 is not in the store" in err[0]
    assert not (tmp_path / "home" / "paperdigest.sqlite3").exists()
