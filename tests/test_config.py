"""Configuration precedence, unknown keys, broken files, masking."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperdigest.config import load_settings, mask_secret
from paperdigest.errors import ConfigError


def test_defaults(tmp_path: Path) -> None:
    loaded = load_settings(env={}, cwd=tmp_path, config_file=tmp_path / "none.toml")
    s = loaded.settings
    assert s.backend == "extractive"
    assert s.endpoints.hf_url == "https://huggingface.co"
    assert s.endpoints.arxiv_url == "https://arxiv.org"
    assert s.endpoints.arxiv_api_url == "https://export.arxiv.org/api/query"
    # arXiv API terms: one request every three seconds.
    assert s.limits.arxiv_api == pytest.approx(1 / 3)
    # HF anonymous budget ~500 calls / 5 min = 1.67/s; the default stays under it.
    assert s.limits.hf * 300 < 500
    assert all(source == "default" for _, _, source in loaded.show() if _ != "llm.api_key")


def test_precedence_user_file_cwd_env_flags(tmp_path: Path) -> None:
    user = tmp_path / "user.toml"
    user.write_text('lang = "en"\nconcurrency = 3\n[llm]\nmodel = "a"\n')
    cwd = tmp_path / "proj"
    cwd.mkdir()
    (cwd / "paperdigest.toml").write_text('concurrency = 4\n[llm]\nmodel = "b"\n')
    env = {"PAPERDIGEST_MODEL": "c", "HF_ENDPOINT": "http://mirror", "PAPERDIGEST_CONCURRENCY": "5"}
    loaded = load_settings(flags={"concurrency": 6}, env=env, cwd=cwd, config_file=user)
    s = loaded.settings
    assert s.lang == "en"  # only the user file sets it
    assert s.llm.model == "c"  # env beats both files
    assert s.concurrency == 6  # flag beats env
    assert s.endpoints.hf_url == "http://mirror"
    assert loaded.sources["lang"] == str(user)
    assert loaded.sources["llm.model"] == "env PAPERDIGEST_MODEL"
    assert loaded.sources["concurrency"] == "flag"


def test_paperdigest_hf_url_beats_hf_endpoint(tmp_path: Path) -> None:
    env = {"HF_ENDPOINT": "http://a", "PAPERDIGEST_HF_URL": "http://b"}
    s = load_settings(env=env, cwd=tmp_path, config_file=tmp_path / "x.toml").settings
    assert s.endpoints.hf_url == "http://b"


def test_unknown_key_names_file_line_and_key(tmp_path: Path) -> None:
    cfg = tmp_path / "paperdigest.toml"
    cfg.write_text('backend = "openai"\n[llm]\nmodle = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(env={}, cwd=tmp_path, config_file=tmp_path / "none.toml")
    message = str(info.value)
    assert str(cfg) in message and ":3" in message and "llm.modle" in message
    assert "\n" not in message


def test_invalid_toml_and_bad_value(tmp_path: Path) -> None:
    cfg = tmp_path / "paperdigest.toml"
    cfg.write_text("lang = \n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(env={}, cwd=tmp_path, config_file=tmp_path / "none.toml")
    cfg.write_text('concurrency = "many"\n')
    with pytest.raises(ConfigError, match=r"paperdigest.toml:1: key 'concurrency'"):
        load_settings(env={}, cwd=tmp_path, config_file=tmp_path / "none.toml")


def test_bad_env_value_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PAPERDIGEST_BACKEND"):
        load_settings(env={"PAPERDIGEST_BACKEND": "gpt"}, cwd=tmp_path,
                      config_file=tmp_path / "none.toml")


def test_secret_masked_in_show(tmp_path: Path) -> None:
    loaded = load_settings(env={"OPENAI_API_KEY": "sk-secretsecret1234"}, cwd=tmp_path,
                           config_file=tmp_path / "none.toml")
    # The key is read from the environment at use time, not copied into settings.
    assert loaded.settings.llm.api_key is None
    import os

    os.environ["OPENAI_API_KEY"] = "sk-secretsecret1234"
    try:
        rows = {k: (v, src) for k, v, src in loaded.show()}
    finally:
        del os.environ["OPENAI_API_KEY"]
    value, source = rows["llm.api_key"]
    assert "secretsecret" not in value and value.endswith("1234")
    assert source == "env OPENAI_API_KEY"
    assert mask_secret("short") == "****"


@pytest.mark.parametrize(
    ("var", "key", "example"),
    [("PAPERDIGEST_HF_URL", "endpoints.hf_url", "https://huggingface.co"),
     ("PAPERDIGEST_ARXIV_URL", "endpoints.arxiv_url", "https://arxiv.org"),
     ("PAPERDIGEST_ARXIV_API_URL", "endpoints.arxiv_api_url",
      "https://export.arxiv.org/api/query"),
     ("OPENAI_BASE_URL", "llm.base_url", "https://api.openai.com/v1")],
)
def test_bad_url_example_fits_the_setting(tmp_path: Path, var: str, key: str,
                                          example: str) -> None:
    """QA finding 10: an HF/arXiv URL was told "e.g. https://api.openai.com/v1", after
    pydantic's "Value error," prefix."""
    with pytest.raises(ConfigError) as caught:
        load_settings(env={var: "notaurl"}, cwd=tmp_path, config_file=tmp_path / "none.toml")
    message = str(caught.value)
    assert message.startswith(f"env {var}: key '{key}': not an http(s) URL with a host")
    assert message.endswith(f"e.g. {example}") or f"e.g. {example} " in message
    assert "Value error" not in message
    if key != "llm.base_url":
        assert "openai" not in message


def test_webhooks_show_readably_and_masked(tmp_path: Path) -> None:
    """QA finding 11: ``config show`` printed ``[{'url': SecretStr('**********'), …}]``."""
    import json

    from paperdigest.config import load_settings as load

    (tmp_path / "paperdigest.toml").write_text(
        '[delivery.email]\nto = ["me@example.org", "team@example.org"]\n'
        '[[delivery.webhooks]]\nname = "gen"\nkind = "generic"\n'
        'url = "https://hooks.example.com/abc/secretpath"\nsecret = "s3cr3tvalue"\n'
        '[[delivery.webhooks]]\nname = "team"\nkind = "slack"\nurl_env = "TEAM_HOOK"\n')
    loaded = load(env={}, cwd=tmp_path, config_file=tmp_path / "none.toml")
    source = str(tmp_path / "paperdigest.toml")
    for typed in (False, True):
        rows = {k: (v, src) for k, v, src in loaded.show(typed=typed)}
        text = json.dumps(rows, ensure_ascii=False)
        assert "SecretStr" not in text and "secretpath" not in text and "s3cr3t" not in text
        assert rows["delivery.webhooks[0].name"] == ("gen", source)
        assert rows["delivery.webhooks[0].url"] == ("**********", source)
        assert rows["delivery.webhooks[1].url_env"] == ("TEAM_HOOK", source)
        assert rows["delivery.webhooks[1].kind"] == ("slack", source)
    assert {k: v for k, v, _ in loaded.show()}["delivery.email.to"] == \
        '["me@example.org", "team@example.org"]'
    assert {k: v for k, v, _ in loaded.show(typed=True)}["delivery.email.to"] == \
        ["me@example.org", "team@example.org"]
