"""A student's learning loop: 收藏, 最近学习 (videos and PDFs resume where they stopped), a home
page for their grade with this week's featured collections, and related resources on every
resource page, from the search index."""


def init_app(app) -> None:
    """The learning pages and API, the resource page's block, recording visits."""
    from hplearn.learning import api, panel, views  # noqa: F401  (api: routes)

    app.register_blueprint(views.bp, url_prefix="/learning")
    app.after_request(views.record_resource_visit)
    app.add_template_global(panel.resource_panel, "learning_panel")
