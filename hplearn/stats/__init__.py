"""Usage statistics: the event recorder, daily rollups, dashboards, CSV and API."""

from datetime import timedelta

from hplearn.settings import Setting

SETTINGS = (
    Setting("STATS_BATCH_SIZE", "int", 500, "usage events written to the database at a time",
            positive=True),
    Setting("STATS_BUFFER_MAX", "int", 5000, "events a process holds before dropping the oldest "
            "(the database unreachable)", positive=True),
    Setting("STATS_FLUSH_SECONDS", "float", 2.0, "how often buffered events are written",
            positive=True),
    Setting("STATS_BACKGROUND_FLUSH", "bool", None, "write events from a background thread; unset: "
            "yes, except in tests", optional=True),
    Setting("STATS_REDIS_MAX", "int", 1_000_000, "events kept in Redis while waiting to be written",
            positive=True),
    Setting("STATS_RETENTION_DAYS", "int", 180, "days raw events are kept (rollups are kept)",
            positive=True),
    Setting("STATS_RESPONSE_TARGET_MINUTES", "int", 24 * 60, "the first-response target the "
            "statistics count answers against", positive=True),
    Setting("STATS_CACHE_REPORTS", "bool", True, "cache the district's reports until the rollups "
            "change (the rollup job computes the common ranges ahead)"),
)


def init_app(app) -> None:
    """Dashboards, CSV and API; the recorder listens to searches; the rollup job and CLI."""
    from hplearn import jobs, settings
    from hplearn.search import search_performed
    from hplearn.stats import api, charts, cli, events, listeners, views  # noqa: F401  (api adds routes)
    from hplearn.stats.suppression import HIDDEN, HIDDEN_TEXT

    settings.declare(app, SETTINGS, owner="stats")
    app.register_blueprint(views.bp, url_prefix="/stats")
    # Searches are announced by hplearn.search; statistics listen rather than being called.
    search_performed.connect(events.record_search_performed)
    listeners.connect()  # sign-ins, views and Q&A events, sent by the features
    app.before_request(events.remember_school_link)
    app.add_template_global(charts, "charts")
    app.add_template_global(HIDDEN, "HIDDEN")
    app.add_template_global(HIDDEN_TEXT, "HIDDEN_TEXT")
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    jobs.register(app, "stats.rollup", cli.rollup_today, every=timedelta(hours=1))
