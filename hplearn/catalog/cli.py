"""`hplearn import FILE` and `hplearn links check`."""

from __future__ import annotations

import sys
from contextlib import ExitStack

import click
from flask import current_app
from flask.cli import with_appcontext

from hplearn.catalog import importer, links

EXIT_STRICT_REFUSED = 1
EXIT_UNUSABLE_FILE = 2


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _fail(message: str, status: int) -> None:
    click.echo(f"错误：{message}", err=True)
    click.get_current_context().exit(status)


@click.command("import")
@click.argument("file")
@click.option("--strict", is_flag=True, help="Write nothing if any row is bad (exit status 1).")
@click.option("--source", help="Source name for every row (overrides the source column).")
@with_appcontext
def import_command(file: str, strict: bool, source: str | None) -> None:
    """Import resources from a CSV (UTF-8, header row) or JSON Lines FILE."""
    with ExitStack() as stack:
        bar = None
        # A progress bar only on a terminal: what a script reads stays the same.
        on_terminal = _stderr_is_terminal()

        def start_bar(rows: int) -> None:
            nonlocal bar
            if on_terminal:
                bar = stack.enter_context(click.progressbar(
                    length=rows, label="导入", file=sys.stderr, show_pos=True, show_eta=True,
                ))

        def advance(done: int) -> None:
            if bar is not None:
                bar.update(done)

        def indexing() -> None:
            if on_terminal:
                click.echo("\n正在写入搜索索引…", err=True)

        try:
            summary = importer.import_file(
                file, source=source, strict=strict, on_checked=start_bar, progress=advance,
                on_indexing=indexing,
            )
        except importer.UnusableFile as error:
            _fail(str(error), EXIT_UNUSABLE_FILE)
        except importer.StrictImportRefused as error:
            for row_error in error.errors:
                click.echo(str(row_error), err=True)
            _fail(str(error), EXIT_STRICT_REFUSED)
    for column in summary.ignored_columns:
        click.echo(f"注意：忽略了未知的列“{column}”。", err=True)
    for row_error in summary.errors:
        click.echo(f"跳过 {row_error}", err=True)
    if summary.index_repaired:
        click.echo(f"注意：搜索索引与数据库不一致，已修复 {summary.index_repaired} 条资源"
                   "（上次导入可能被中断）。", err=True)
    click.echo(f"imported {file}: {summary}")


@click.group("links")
def links_group():
    """Check the external links of resources and platforms."""


@links_group.command("check")
@click.option("--timeout", type=click.FloatRange(0.1, 120), help="Seconds per request.")
@click.option("--concurrency", type=click.IntRange(1, 64), help="Requests at the same time.")
@with_appcontext
def check_links_command(timeout: float | None, concurrency: int | None) -> None:
    """Visit every external URL once and record whether it works."""
    timeout = timeout or current_app.config["LINK_CHECK_TIMEOUT"]
    concurrency = concurrency or current_app.config["LINK_CHECK_CONCURRENCY"]
    urls = links.external_urls()
    with click.progressbar(
        length=len(urls), label="checking links", file=sys.stderr
    ) as bar:
        summary = links.check_links(
            urls, timeout=timeout, concurrency=concurrency, progress=bar.update
        )
    for check in summary.broken:
        reason = check.error or f"HTTP {check.status_code}"
        click.echo(f"broken: {check.url} ({reason})")
    click.echo(f"checked {summary.checked} links: {summary.ok} ok, {len(summary.broken)} broken")


COMMANDS = (import_command, links_group)


def check_links() -> str:
    """Visit every external address once and record whether it works (the daily job)."""
    summary = links.check_links(
        links.external_urls(), timeout=current_app.config["LINK_CHECK_TIMEOUT"],
        concurrency=current_app.config["LINK_CHECK_CONCURRENCY"],
    )
    return f"checked {summary.checked} links: {summary.ok} ok, {len(summary.broken)} broken"


def load_demo_content() -> str:
    """`hplearn init --demo`: topics, platforms, starter resources and the textbook catalog."""
    from hplearn.catalog.content import ContentError, load_content

    try:
        return str(load_content(current_app.config["CONTENT_DIR"], echo=click.echo))
    except ContentError as error:
        raise click.ClickException(str(error)) from None
