"""Settings and where each value came from.

Precedence, for every setting (DESIGN §4)::

    defaults < user config file < ./paperdigest.toml < environment < flags

The user config file is ``$PAPERDIGEST_HOME/config.toml`` (default home:
``~/.paperdigest``). Unknown keys are errors (pydantic ``extra="forbid"``); a broken file
raises :class:`ConfigError` naming the file, the line and the key.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from .delivery.settings import DeliverySettings
from .errors import ConfigError
from .insights.settings import InsightSettings, InterestSettings
from .web.settings import SiteSettings

DEFAULT_HF_URL = "https://huggingface.co"
DEFAULT_ARXIV_URL = "https://arxiv.org"
DEFAULT_ARXIV_API_URL = "https://export.arxiv.org/api/query"


_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/\s@]*@)")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def redact_url(text: str) -> str:
    """Mask the userinfo of every URL in ``text``: ``https://user:pass@host/v1`` →
    ``https://***@host/v1``. The one function for anything printed, logged or stored that
    may hold a configured URL (error messages, reports, the store, ``config show``)."""
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}***@", text)


def _check_url(value: str, example: str) -> str:
    """``value`` if it is an http(s) URL with a host; else ValueError whose message ends
    with ``example``, a URL that fits the setting (its default)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"not an http(s) URL with a host: {redact_url(value)[:80]!r}; e.g. {example}"
        )
    return value


def _error_text(err: Mapping[str, Any]) -> str:
    """A pydantic error's message without the ``Value error, `` prefix pydantic adds to a
    validator's ValueError (the message is ours and already says what is wrong)."""
    return str(err["msg"]).removeprefix("Value error, ")


DAY_SECONDS = 86_400.0
"""The longest duration any setting may hold: a timeout, deadline or wait of more than a day
is a typo (``1e308`` overflowed the clocks: QA 2026-11-29, second pass)."""

Seconds = Annotated[float, Field(gt=0, le=DAY_SECONDS)]
"""A timeout or deadline: seconds, more than 0, at most one day."""
Wait = Annotated[float, Field(ge=0, le=DAY_SECONDS)]
"""A wait between attempts: seconds, 0 to one day."""
Rate = Annotated[float, Field(ge=0.0001, le=10_000)]
"""Requests per second: 0.0001 (one every 2.8 hours) to 10,000."""
Retries = Annotated[int, Field(ge=0, le=20)]
"""Attempts after the first."""
Megabytes = Annotated[float, Field(gt=0, le=4096)]
"""A size in MB (10^6 bytes), at most 4 GB."""
Tokens = Annotated[int, Field(le=10_000_000)]
"""A token count; the lower bound is the setting's own."""
UsdPerMillionTokens = Annotated[float, Field(ge=0, le=100_000)]
"""A ``[prices]`` entry's input or output price."""


class _Strict(BaseModel):
    # Floats must be finite everywhere: `timeout = inf` or nan would disable a deadline.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class LLMSettings(_Strict):
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    api_key: str | None = None
    """The key itself; prefer ``api_key_env`` so keys stay out of files."""
    api_key_env: str = "OPENAI_API_KEY"
    """Name of the environment variable that holds the key (a variable name, never a key)."""
    context_tokens: Tokens = Field(default=16000, ge=500)
    max_output_tokens: Tokens = Field(default=4096, ge=64)
    timeout: Seconds = 120.0
    """Total seconds one LLM request may take, connect to last byte (per attempt). A 1.5B
    model on a laptop CPU needs 600 or more at the default context budget."""
    temperature: float = Field(default=0.2, ge=0, le=2)
    token_param: Literal["auto", "max_tokens", "max_completion_tokens"] = "auto"
    """Request field for the output budget. ``auto``: ``max_tokens``, except for model names
    of OpenAI reasoning models (gpt-5*, o1/o3/o4*), and switch (remembered per server and
    model) when the server answers 400 naming it unsupported."""
    send_temperature: bool | Literal["auto"] = "auto"
    """Send ``temperature``. ``auto``: yes, except for OpenAI reasoning models, and stop
    (remembered per server and model) when the server rejects it with a 400."""
    fallback: list[str] = Field(default_factory=list)
    """Backends tried in order when the main one fails for a paper, e.g. ``["extractive"]``."""

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value, "https://api.openai.com/v1 or http://localhost:11434/v1")

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _ENV_NAME.match(value):
            # Never echo the value: people put the key itself here.
            raise ValueError(
                "must be the NAME of an environment variable (letters, digits, _), e.g. "
                "OPENAI_API_KEY; put the key itself in that variable, not in the config"
            )
        return value


class LimitSettings(_Strict):
    """Requests per second per endpoint role (DESIGN §5)."""

    hf: Rate = 1.5
    """Anonymous HF clients get ~500 calls / 5 min (1.67/s); stay under it."""
    arxiv: Rate = 1.0
    """arxiv.org HTML/PDF pages: 1 request/s."""
    arxiv_api: Rate = 1 / 3
    """export.arxiv.org API terms: at most one request every 3 seconds."""
    llm: Rate = 50.0
    webhook: Rate = 1.0
    """Chat webhooks (``paperdigest send --to webhook``), one pace for all of them: Slack's
    incoming webhooks allow about 1 message per second per channel ("Rate limits", Slack API
    docs); Feishu/Lark custom bots 5/s and 100/min, DingTalk robots 20/min. A throttled
    reply (HTTP 429, Feishu code 11232, DingTalk errcode 130101) is retried by the policy."""


class EndpointSettings(_Strict):
    hf_url: str = DEFAULT_HF_URL
    arxiv_url: str = DEFAULT_ARXIV_URL
    arxiv_api_url: str = DEFAULT_ARXIV_API_URL

    @field_validator("hf_url", "arxiv_url", "arxiv_api_url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        return _check_url(value, cls.model_fields[str(info.field_name)].default)


class HTTPSettings(_Strict):
    """The one HTTP policy (:mod:`paperdigest.fetch.http`); times in seconds."""

    timeout: Seconds = 30.0
    """Longest silence while connecting or between two reads."""
    deadline: Seconds = 120.0
    """Total time one attempt may take, connect and all reads (LLM calls: ``llm.timeout``)."""
    retries: Retries = 4
    backoff_base: Wait = 1.0
    backoff_max: Wait = 60.0
    max_wait: Wait = 60.0
    """Longest single wait between attempts; a server asking for more (``Retry-After``)
    makes the request give up at once, with that reason recorded."""
    max_body_mb: Megabytes = 30.0
    """Largest body accepted from any server, LLM included, counted after decompression."""
    cache: bool = True


class Settings(_Strict):
    backend: Literal["extractive", "openai"] = "extractive"
    lang: Literal["zh", "en"] = "zh"
    concurrency: int = Field(default=8, ge=1, le=256)
    out: str = "paperdigest-out"
    home: str = "~/.paperdigest"
    lookback_days: int = Field(default=7, ge=0, le=31)
    pdf_timeout: Seconds = 60.0
    llm: LLMSettings = Field(default_factory=lambda: LLMSettings())
    limits: LimitSettings = Field(default_factory=lambda: LimitSettings())
    endpoints: EndpointSettings = Field(default_factory=lambda: EndpointSettings())
    http: HTTPSettings = Field(default_factory=lambda: HTTPSettings())
    prices: dict[str, tuple[UsdPerMillionTokens, UsdPerMillionTokens]] = Field(
        default_factory=dict)
    """USD per million tokens (input, output) per model name."""
    site: SiteSettings = Field(default_factory=lambda: SiteSettings())
    """``[site]``: the web archive and feeds (paperdigest.web.settings)."""
    delivery: DeliverySettings = Field(default_factory=lambda: DeliverySettings())
    """``[delivery]``: email and webhooks (paperdigest.delivery.settings)."""
    interests: InterestSettings = Field(default_factory=lambda: InterestSettings())
    """``[interests]``: the reader's profile (paperdigest.insights.settings)."""
    insights: InsightSettings = Field(default_factory=lambda: InsightSettings())
    """``[insights]``: categories, artifacts, overview (paperdigest.insights.settings)."""

    @property
    def home_path(self) -> Path:
        return Path(self.home).expanduser()

    @property
    def db_path(self) -> Path:
        return self.home_path / "paperdigest.sqlite3"

    @property
    def cache_dir(self) -> Path:
        return self.home_path / "cache"

    def api_key(self) -> str | None:
        """The LLM key: explicit setting, else the variable named by ``llm.api_key_env``."""
        return self.llm.api_key or os.environ.get(self.llm.api_key_env) or None

    def check_llm_key(self) -> None:
        """Refuse, before any request, an LLM server that surely needs a key we do not have.

        The one check for every command that builds a
        :class:`~paperdigest.llm.client.ChatClient` (``run``/``backfill`` with ``--backend
        openai``, ``ask --backend openai``, embeddings): without it a missing key showed only
        after the retries, as "cannot connect" or a 401 (QA 2026-11-29). A server on a local
        host (:func:`is_local_url`: loopback, a private address, ``localhost``, a one-label or
        ``.local``/``.lan``/``.internal`` name) may need no key — vLLM, Ollama, llama.cpp
        and LM Studio take any — so it is never refused; a keyless server on a public host
        takes any value in the variable (``OPENAI_API_KEY=EMPTY``).

        Raises:
            ConfigError: no ``llm.api_key`` and the variable ``llm.api_key_env`` is unset or
                empty while ``llm.base_url`` is not local (one line, the key never shown).
        """
        if self.api_key() is not None or is_local_url(self.llm.base_url):
            return
        env = self.llm.api_key_env
        raise ConfigError(
            f"no API key for the LLM server {redact_url(self.llm.base_url)}: {env} is not set "
            f"(llm.api_key_env); export {env}=YOUR_KEY, or use --backend extractive (no key), "
            "or a local server (llm.base_url on localhost or a private address needs no key)"
        )


def is_local_url(url: str) -> bool:
    """Whether ``url``'s host is this machine or the local network, decided from the name
    alone (no DNS lookup): a loopback, private (RFC 1918, RFC 4193) or link-local address,
    ``localhost`` or ``*.localhost``, a one-label name (a Docker/compose service, a LAN host:
    ``http://ollama:11434``), or a name under ``.local``, ``.lan``, ``.internal`` or
    ``.home.arpa``. Everything else is a public host."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ("." not in host or host == "localhost"
                or host.endswith((".localhost", ".local", ".lan", ".internal", ".home.arpa")))
    return address.is_loopback or address.is_private or address.is_link_local


# Environment variables → dotted setting names (DESIGN §4). Earlier names lose to later ones
# in this list when both are set, so PAPERDIGEST_HF_URL beats HF_ENDPOINT.
ENV_VARS: list[tuple[str, str]] = [
    ("HF_ENDPOINT", "endpoints.hf_url"),
    ("PAPERDIGEST_HF_URL", "endpoints.hf_url"),
    ("PAPERDIGEST_ARXIV_URL", "endpoints.arxiv_url"),
    ("PAPERDIGEST_ARXIV_API_URL", "endpoints.arxiv_api_url"),
    ("OPENAI_BASE_URL", "llm.base_url"),
    ("PAPERDIGEST_MODEL", "llm.model"),
    ("PAPERDIGEST_BACKEND", "backend"),
    ("PAPERDIGEST_LANG", "lang"),
    ("PAPERDIGEST_CONCURRENCY", "concurrency"),
    ("PAPERDIGEST_OUT", "out"),
    ("PAPERDIGEST_HOME", "home"),
    ("PAPERDIGEST_API_KEY", "llm.api_key"),
]

SECRET_KEYS = {"llm.api_key"}


@dataclass
class LoadedSettings:
    settings: Settings
    sources: dict[str, str] = field(default_factory=dict)
    """Dotted key → where its value came from (``default``, a file path, ``env NAME``, ``flag``)."""

    def show(self, *, typed: bool = False) -> list[tuple[str, Any, str]]:
        """Rows of (key, value, source) with secrets masked.

        Values are text; with ``typed`` a number, boolean or unset value keeps its JSON type
        (``config show --json``, issue 13). A rate (``limits.*``, requests per second) is
        shown to 4 significant digits, as text with :func:`readable_rate` beside it.
        """
        rows: list[tuple[str, Any, str]] = []
        flat = _flatten(self.settings.model_dump())
        for dotted, listed in list(flat.items()):
            # A list of tables ([[delivery.webhooks]]): one row per field, key[i].field.
            if isinstance(listed, list) and listed and all(isinstance(v, Mapping)
                                                           for v in listed):
                del flat[dotted]
                for index, item in enumerate(listed):
                    for name, field_value in _flatten(item, f"{dotted}[{index}].").items():
                        flat[name] = field_value
                        self.sources.setdefault(name, self.sources.get(dotted, "default"))
        if "llm.api_key" not in flat or flat["llm.api_key"] is None:
            api_key = self.settings.api_key()
            flat["llm.api_key"] = api_key
            if api_key:
                self.sources.setdefault("llm.api_key", f"env {self.settings.llm.api_key_env}")
        for key, value in sorted(flat.items()):
            shown: Any
            if key in SECRET_KEYS and value:
                shown = mask_secret(str(value))
            elif key.startswith("limits.") and isinstance(value, float):
                shown = float(f"{value:.4g}") if typed else \
                    f"{value:.4g} ({readable_rate(value)})"
            elif typed and (value is None or isinstance(value, bool | int | float)):
                shown = value
            elif isinstance(value, list | tuple | dict):
                # Lists and tables as JSON, never a Python repr (QA finding 11).
                plain = _readable(value)
                shown = plain if typed else json.dumps(plain, ensure_ascii=False)
            else:
                # A SecretStr prints as its mask ("**********").
                shown = "" if value is None else redact_url(str(value))
            rows.append((key, shown, self.sources.get(key, "default")))
        return rows


def _readable(value: Any) -> Any:
    """``value`` as plain JSON data: tuples as lists, secrets as their mask, URLs redacted."""
    if isinstance(value, Mapping):
        return {str(k): _readable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_readable(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_url(str(value))


def readable_rate(per_second: float) -> str:
    """A ``[limits]`` rate for people: ``1.5 requests/s``, ``1 request every 3 s``."""
    if per_second >= 1:
        return f"{per_second:.4g} requests/s"
    return f"1 request every {1 / per_second:.3g} s"


def mask_secret(value: str) -> str:
    """``sk-abcdef123456`` → ``sk-…3456``."""
    if len(value) <= 8:
        return "****"
    return f"{value[:3]}…{value[-4:]}"


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and key != "prices":
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _set_dotted(target: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = target
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict) and key != "prices":
            _merge(base[key], value)
        else:
            base[key] = value


def _line_of_key(text: str, loc: tuple[int | str, ...]) -> int | None:
    """The line of the key a pydantic error's ``loc`` names, or ``None``.

    The key is the last name in ``loc`` (a list index such as ``prices.gpt-4o.0`` points at
    ``gpt-4o``), bare or quoted (``"gpt-4o" = [...]``); the first match after its table's
    header (``[prices]``) wins, else the first match anywhere.
    """
    names = [str(part) for part in loc if isinstance(part, str)]
    if not names:
        return None
    leaf = names[-1]
    starts = tuple(f"{quoted}{sep}" for quoted in (leaf, f'"{leaf}"', f"'{leaf}'")
                   for sep in (" ", "="))
    lines = text.splitlines()
    header = re.compile(r"^\[\s*" + re.escape(".".join(names[:-1])) + r"\s*\]")
    first = next((n for n, line in enumerate(lines) if header.match(line.strip())), 0) \
        if len(names) > 1 else 0
    for offset in (first, 0):
        for number, line in enumerate(lines[offset:], offset + 1):
            if line.strip().startswith(starts):
                return number
    return None


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse one TOML file and validate its keys.

    Raises:
        ConfigError: the file is not valid TOML or has an unknown key or bad value.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        lineno = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{lineno}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    try:
        Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        line = _line_of_key(text, tuple(err["loc"]))
        where = f"{path}:{line}" if line else str(path)
        if err["type"] == "extra_forbidden":
            raise ConfigError(f"{where}: unknown key '{key}'") from None
        raise ConfigError(f"{where}: key '{key}': {_error_text(err)}") from None
    return data


def default_home(env: Mapping[str, str]) -> Path:
    return Path(env.get("PAPERDIGEST_HOME") or "~/.paperdigest").expanduser()


def load_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    config_file: Path | None = None,
) -> LoadedSettings:
    """Build the effective settings.

    Args:
        flags: dotted key → value from the command line (``None`` values are ignored).
        env: environment (default ``os.environ``).
        cwd: directory searched for ``paperdigest.toml`` (default: current directory).
        config_file: explicit user config file instead of ``$PAPERDIGEST_HOME/config.toml``.

    Raises:
        ConfigError: a config file, environment variable or flag is invalid.
    """
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}

    files = [config_file or default_home(env) / "config.toml", cwd / "paperdigest.toml"]
    for path in files:
        if path.is_file():
            data = read_config_file(path)
            _merge(merged, data)
            for key in _flatten(data):
                sources[key] = str(path)

    for var, dotted in ENV_VARS:
        value = env.get(var)
        if value:
            _set_dotted(merged, dotted, value)
            sources[dotted] = f"env {var}"

    for dotted, value in (flags or {}).items():
        if value is not None:
            _set_dotted(merged, dotted, value)
            sources[dotted] = "flag"

    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        origin = sources.get(key, "configuration")
        raise ConfigError(f"{origin}: key '{key}': {_error_text(err)}") from None
    return LoadedSettings(settings=settings, sources=sources)


DEFAULT_CONFIG_TOML = """\
# paperdigest configuration. Precedence: defaults < this file < ./paperdigest.toml
# < environment < flags. Unknown keys are errors.
backend = "extractive"        # or "openai" (any OpenAI-compatible server)
lang = "zh"                   # report language: zh or en
concurrency = 8

[llm]
base_url = "https://api.openai.com/v1"   # DeepSeek: https://api.deepseek.com/v1, Ollama: http://localhost:11434/v1
model = "gpt-4o-mini"
api_key_env = "OPENAI_API_KEY"           # the NAME of the variable; the key stays in the environment
context_tokens = 16000
timeout = 120                 # seconds one LLM call may take in total (connect to last byte)
token_param = "auto"          # or "max_completion_tokens" (gpt-5, o-series) / "max_tokens"
send_temperature = "auto"     # or false for models that only accept the default temperature
# A small local model on a CPU (llama.cpp, Ollama): timeout = 600, context_tokens = 3000,
# max_output_tokens = 1000, and concurrency = 1 above.

[limits]                      # requests per second, per endpoint role
hf = 1.5
arxiv = 1.0
arxiv_api = 0.33
llm = 50.0
webhook = 1.0                 # chat webhooks (send --to webhook); Slack allows ~1 message/s

[http]                        # one policy for every server, the LLM's included
timeout = 30                  # longest silence while connecting or between two reads
deadline = 120                # total seconds one attempt may take (HF and arXiv)
retries = 4
max_wait = 60                 # a server asking to wait longer (Retry-After) is given up on
max_body_mb = 30              # largest body from any server, after decompression
"""
