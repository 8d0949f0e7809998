"""Curated collections of resources by school and district admins."""

CACHED_TABLES = ("collections", "collection_items", "collection_resources")

AUDIT_ACTIONS = {"collection.create": "新建专辑", "collection.update": "修改专辑",
               "collection.delete": "删除专辑"}
AUDIT_OBJECTS = {"collection": "专辑"}
AUDIT_FIELDS = {"description": "说明", "resource_ids": "包含的资源", "public": "公开",
              "stages": "学段", "grades": "年级", "featured_from": "推荐开始", "featured_to": "推荐结束",
              "resources": "资源数", "collections": "专辑数"}


def init_app(app) -> None:
    """Collection pages and API; the home page's cached render follows collection changes."""
    from hplearn.audit import labels

    labels.register(app, actions=AUDIT_ACTIONS, objects=AUDIT_OBJECTS, fields=AUDIT_FIELDS)
    from hplearn import cache
    from hplearn.collections import api, views  # noqa: F401  (api adds its routes to the API)

    app.register_blueprint(views.bp, url_prefix="/collections")
    app.add_template_global(views.featured_collections, "featured_collections")
    cache.watch_tables(app, CACHED_TABLES)
