"""`hplearn reindex`: rebuild the search index from the database."""

import time

import click
from flask.cli import with_appcontext

from hplearn.search import engine
from hplearn.search.backends.base import IndexUnavailable
from hplearn.search.rebuild import rebuild_index, repair_index


def _progress(started: float):
    def report(done: int) -> None:
        if done % 10_000 == 0:
            click.echo(f"  {done} documents ({time.monotonic() - started:.1f} s)")

    return report


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database (beside the live one, then swapped in)."""
    started = time.monotonic()
    try:
        written = rebuild_index(_progress(started))
    except Exception as error:  # noqa: BLE001 - one clear line instead of a traceback
        raise click.ClickException(f"reindex failed: {type(error).__name__}: {error}") from None
    click.echo(f"search index rebuilt: {written} documents in {time.monotonic() - started:.1f} s")


def ensure_search_index() -> None:
    """Build the search index when there is none yet, or mend one that lacks rows of the
    database or holds rows it no longer has (hplearn init)."""
    backend = engine.backend()
    if backend.ready():
        try:
            changed = repair_index()
        except IndexUnavailable as error:  # it opens but cannot be read: build it anew
            click.echo(f"search index unreadable ({error}): rebuilding")
        else:
            if changed:
                click.echo(f"search index repaired: {changed} documents were missing or stale")
            else:
                click.echo("search index ready")
            return
    written = rebuild_index()
    click.echo(f"search index built: {written} documents")


COMMANDS = (reindex_command,)
