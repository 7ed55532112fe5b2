"""The ``[delivery]`` config section (email and webhooks); core-safe (pydantic only).

::

    [delivery.email]
    host = "smtp.example.org"
    port = 587                      # default: 587 starttls, 465 ssl, 25 none
    security = "starttls"           # starttls | ssl | none
    username = "digest@example.org"
    password_env = "PAPERDIGEST_SMTP_PASSWORD"   # the password stays in the environment
    sender = "digest@example.org"
    to = ["me@example.org", "team@example.org"]

    [[delivery.webhooks]]
    name = "team-slack"
    kind = "slack"                  # generic | slack | feishu | dingtalk
    url_env = "SLACK_WEBHOOK_URL"   # or url = "https://hooks.slack.com/services/…"
    # secret_env = "FEISHU_BOT_SECRET"   # Feishu/DingTalk signed bots
    # timeout = 15                  # seconds per attempt

Webhook messages go through the one HTTP policy (role ``webhook``): retries and waits are
``[http]``'s, the pace is ``[limits] webhook``. ``retries``/``backoff`` here are SMTP's.

Secrets (``password``, ``url``, ``secret``) are ``SecretStr``: ``config show`` prints them
masked, and nothing logs them; prefer the ``*_env`` keys, which name environment variables.
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["DeliverySettings", "EmailSettings", "WebhookSettings"]

_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _from_env(value: SecretStr | None, env_name: str) -> str | None:
    if value is not None and value.get_secret_value():
        return value.get_secret_value()
    return (os.environ.get(env_name) or None) if env_name else None


class EmailSettings(_Strict):
    host: str = ""
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str = ""
    password: SecretStr | None = None
    password_env: str = "PAPERDIGEST_SMTP_PASSWORD"
    sender: str = ""
    to: list[str] = Field(default_factory=list)
    subject: str = "Hugging Face Daily Papers {date}"
    """``{date}`` is replaced by the day."""
    timeout: float = Field(default=30.0, gt=0, le=600)

    def effective_port(self) -> int:
        return self.port or _DEFAULT_PORTS[self.security]

    def secret_password(self) -> str | None:
        """The password: ``password``, else the variable named by ``password_env``."""
        return _from_env(self.password, self.password_env)


class WebhookSettings(_Strict):
    name: str
    kind: Literal["generic", "slack", "feishu", "dingtalk"] = "generic"
    url: SecretStr | None = None
    url_env: str = ""
    secret: SecretStr | None = None
    """Signing secret of a Feishu/DingTalk bot with signature verification on."""
    secret_env: str = ""
    timeout: float = Field(default=15.0, gt=0, le=300)
    """Seconds one attempt may take, connect and reply included (the policy's deadline)."""

    def secret_url(self) -> str | None:
        return _from_env(self.url, self.url_env)

    def signing_secret(self) -> str | None:
        return _from_env(self.secret, self.secret_env)


class DeliverySettings(_Strict):
    email: EmailSettings = Field(default_factory=lambda: EmailSettings())
    webhooks: list[WebhookSettings] = Field(default_factory=list)
    retries: int = Field(default=3, ge=0, le=10)
    """Email (SMTP) only: extra attempts per recipient after a failed one (connection errors,
    4xx replies). Webhooks follow the one HTTP policy instead: ``[http] retries`` and
    ``max_wait``, paced by ``[limits] webhook`` (a config that sets this key for webhooks still
    loads; webhooks ignore it)."""
    backoff: float = Field(default=1.0, ge=0, le=60)
    """Email (SMTP) only: seconds before the first retry; doubles each time. Webhooks use
    ``[http] backoff_base``/``backoff_max``."""
