"""The catalog: resources, topics and platforms; browsing and searching them."""

from datetime import timedelta

from hplearn.settings import Setting

SETTINGS = (
    Setting("LINK_CHECK_TIMEOUT", "float", 5.0, "seconds `hplearn links check` waits for each address",
            positive=True),
    Setting("LINK_CHECK_CONCURRENCY", "int", 8, "addresses `hplearn links check` visits at once",
            positive=True),
    Setting("COVER_FETCH_TIMEOUT", "float", 5.0,
            "seconds the server waits for a textbook cover from its image host", positive=True),
    Setting("COVER_RETRY_HOURS", "float", 24.0,
            "hours before a cover that could not be fetched is asked for again", positive=True),
    Setting("CATALOG_PREFERRED_EDITIONS", "list", ["统编版", "人教版"],
            "textbook editions /browse lists first (a JSON list; an edition matches by its start)"),
)
# Tables whose changes make cached catalog pages and searches stale; view counts change on
# every view and no cached page shows them closely enough to care.
CACHED_TABLES = ("resources", "topics", "platforms")
CACHE_IGNORED_COLUMNS = ("view_count", "updated_at")


def init_app(app) -> None:
    """Catalog and search pages, the API, the "resource" search type, the CLI."""
    from hplearn import cache, jobs, settings
    from hplearn.catalog import (  # noqa: F401  (api modules add their routes to the API)
        api,
        api_directory,
        api_search,
        cli,
        search_documents,
        search_views,
        views,
    )
    from hplearn.cli.setup import register_demo

    settings.declare(app, SETTINGS, owner="catalog")
    app.register_blueprint(views.bp)
    app.register_blueprint(search_views.bp)
    cache.watch_tables(app, CACHED_TABLES, CACHE_IGNORED_COLUMNS)
    cache.cache_anonymous_pages(app, ("catalog.home", "catalog.topic"), query_args=("page", "per_page"))
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_demo(app, "catalog", cli.load_demo_content)
    jobs.register(app, "catalog.check_links", cli.check_links, every=timedelta(days=1))
