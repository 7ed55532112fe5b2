"""``paperdigest site`` and ``paperdigest serve``: the archive as HTML (the ``[web]`` extra)."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import click

from ..errors import InputError
from ..runtime import open_store
from .common import EXIT_OK, State, cli, count, err, print_json


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory of the static site (created; updated in place).")
@click.option("--full", is_flag=True, help="Render every day again, not only changed ones.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Summaries shown [report lang].")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_obj
def site(state: State, out: Path, full: bool, lang: str | None, as_json: bool) -> int:
    """Build the static HTML archive (days, papers, search, RSS/Atom feeds) from the store.

    Rebuilding after a new day renders only the days that changed plus the index, the search
    index and the archive feeds. Open OUT/index.html in a browser, or publish OUT anywhere:
    the pages load nothing from other sites.

    \b
    Examples:
      paperdigest site --out site
      paperdigest site --out site --full --lang en
    """
    settings = state.settings().settings
    from ..web.site import build_site

    store = open_store(settings, reading=True)
    try:
        result = build_site(store.conn, out, settings.site, lang=lang or settings.lang,
                            full=full)
    finally:
        store.close()
    if as_json:
        print_json({"out": str(out), "days": result.days, "days_rendered": result.days_rendered,
                    "pages_rendered": result.pages_rendered, "written": result.written,
                    "seconds": round(result.seconds, 3)})
    else:
        err.print(f"{count(result.days, 'day')}, {result.days_rendered} rendered, "
                  f"{count(len(result.written), 'file')} written in {result.seconds:.2f} s → "
                  f"{out / 'index.html'}", markup=False, highlight=False)
    return EXIT_OK


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; the default is reachable from this machine only.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port to listen on; 0 picks a free one (the address is printed).")
@click.pass_obj
def serve(state: State, host: str, port: int) -> int:
    """Serve the archive from the store, with full-text search (read-only).

    \b
    Examples:
      paperdigest serve
      paperdigest serve --port 8080
    """
    settings = state.settings().settings
    from ..web.app import LOOPBACK_HOSTS, create_app

    try:
        import uvicorn
    except ImportError:
        raise click.ClickException(
            "serve needs the [web] extra: pip install 'paperdigest[web]'") from None
    # Opening the store applies migrations and builds the search index; then read-only.
    open_store(settings, reading=True).close()
    loopback = host in LOOPBACK_HOSTS
    sock = _bind(host, port)  # before saying "serving": a busy port is one Error line
    port = sock.getsockname()[1]  # the port the system chose for --port 0
    if not loopback:
        err.print(f"warning: serving on {host}: other machines can read the archive",
                  markup=False, highlight=False)
    app = create_app(settings.db_path, settings.site, lang=settings.lang,
                     allowed_hosts=list(LOOPBACK_HOSTS) if loopback else None)
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    err.print(f"serving {settings.db_path} at http://{shown}:{port}/ (Ctrl-C to stop)",
              markup=False, highlight=False)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           server_header=False))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return EXIT_OK


def _bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (uvicorn listens on it).

    Raises:
        InputError: the host does not resolve or is not an address of this machine, the port
            is in use, or it needs privileges.
    """
    address = host.strip("[]")
    try:
        family, kind, proto, _, where = socket.getaddrinfo(
            address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError(f"cannot serve on --host {host}: {getattr(exc, 'strerror', None) or exc}"
                         "; pass an address of this machine, e.g. 127.0.0.1") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind(where)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"port {port} is in use on {host}; pass another --port") from None
        if exc.errno == errno.EACCES:
            raise InputError(f"port {port} needs privileges on this machine; pass --port 1024 "
                             "or higher") from None
        raise InputError(f"cannot serve on {host}:{port}: {exc.strerror or exc}; pass an "
                         "address of this machine with --host, e.g. 127.0.0.1") from None
    return sock
