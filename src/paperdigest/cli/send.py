"""``paperdigest send``: deliver a stored day by email or to chat webhooks."""

from __future__ import annotations

import click

from ..dates import parse_day
from ..errors import InputError, NoStoreError
from ..runtime import open_store
from .common import EXIT_NOTHING, EXIT_OK, EXIT_PARTIAL, State, cli, err, now_utc, out, print_json


@cli.command()
@click.option("--date", "day", required=True, metavar="YYYY-MM-DD", help="The stored day to send.")
@click.option("--to", "target", required=True, type=click.Choice(["email", "webhook"]),
              help="email: [delivery.email]; webhook: every [[delivery.webhooks]].")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Summaries sent [report lang].")
@click.option("--json", "as_json", is_flag=True, help="Print the per-recipient outcome as JSON.")
@click.pass_obj
def send(state: State, day: str, target: str, lang: str | None, as_json: bool) -> int:
    """Send a stored day's report by email (SMTP) or to chat webhooks.

    Webhook kinds: generic JSON, slack, feishu (Lark) and dingtalk; a day too big for one
    message is split. A line is printed before each delivery, then each recipient's outcome.
    The configuration (every webhook's URL, every email address) is checked before anything
    is sent.

    \b
    Exit codes: 0 delivered to every recipient; 1 usage/config error
                (nothing sent); 2 some recipients failed; 3 every recipient failed.

    \b
    Examples:
      paperdigest send --date 2026-01-30 --to email
      paperdigest send --date 2026-01-30 --to webhook --json
    """
    settings = state.settings().settings
    lang = lang or settings.site.lang or settings.lang
    date = parse_day(day, now_utc().date()).isoformat()
    from ..web.data import day_view

    try:
        store = open_store(settings, reading=True)
    except NoStoreError:  # nothing to send is a failed send, not an empty read (exit 0)
        raise InputError(f"{date} is not in the store (there is no store yet); run "
                         f"`paperdigest run --date {date}` first") from None
    try:
        view = day_view(store.conn, date, lang)
    finally:
        store.close()
    if view is None:
        raise InputError(f"{date} is not in the store; run `paperdigest run --date {date}` first")

    def progress(line: str) -> None:  # before each delivery: a slow server is never silence
        err.print(line, markup=False, highlight=False)

    shown = None if as_json else progress
    if target == "email":
        from ..delivery.email import send_email

        outcomes = send_email(view, settings.delivery, title=settings.site.title, lang=lang,
                              base_url=settings.site.base_url, progress=shown)
    else:
        from ..delivery.webhooks import send_webhooks
        from ..fetch.http import HttpClient

        with HttpClient(settings, no_cache=True) as http:
            outcomes = send_webhooks(view, settings.delivery, http=http,
                                     title=settings.site.title, lang=lang, progress=shown)
    failed = [o for o in outcomes if not o.ok]
    code = EXIT_OK if not failed else EXIT_NOTHING if len(failed) == len(outcomes) else EXIT_PARTIAL
    if as_json:
        print_json({"date": date, "to": target, "exit_code": code,
                    "recipients": [{"recipient": o.recipient, "ok": o.ok, "detail": o.detail}
                                   for o in outcomes]})
    else:
        for o in outcomes:
            (out if o.ok else err).print(f"{'✓' if o.ok else '✗'} {o.recipient}: {o.detail}",
                                         markup=False, highlight=False)
    return code
