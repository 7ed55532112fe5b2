"""The [web] extra stays optional: the core never imports it, and its commands say what to
install when it is missing."""

from __future__ import annotations

import subprocess
import sys

EXTRAS = ("jinja2", "starlette", "uvicorn", "feedgen")


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)


def test_core_and_cli_do_not_import_the_web_extra() -> None:
    code = (
        "import sys\n"
        "import paperdigest, paperdigest.config, paperdigest.store, paperdigest.cli\n"
        "from paperdigest.config import load_settings\n"
        "load_settings()\n"
        "from paperdigest.store import Store\n"
        "Store(':memory:').close()\n"
        f"print([m for m in {EXTRAS!r} if m in sys.modules])\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_missing_extra_is_one_clear_line(tmp_path: object) -> None:
    # None in sys.modules makes `import jinja2` raise ImportError, as if not installed.
    code = (
        "import sys\n"
        "sys.modules['jinja2'] = None\n"
        "from paperdigest.cli import main\n"
        f"sys.exit(main(['site', '--out', {str(tmp_path)!r} + '/site']))\n"
    )
    result = _run(code)
    assert result.returncode == 1
    assert "pip install 'paperdigest[web]'" in result.stderr
    assert "Traceback" not in result.stderr
