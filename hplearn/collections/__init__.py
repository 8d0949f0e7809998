"""Curated collections of resources by school and district admins."""

CACHED_TABLES = ("collections", "collection_items", "collection_resources")


def init_app(app) -> None:
    """Collection pages and API; the home page's cached render follows collection changes."""
    from hplearn import cache
    from hplearn.collections import api, views  # noqa: F401  (api adds its routes to the API)

    app.register_blueprint(views.bp, url_prefix="/collections")
    app.add_template_global(views.featured_collections, "featured_collections")
    cache.watch_tables(app, CACHED_TABLES)
