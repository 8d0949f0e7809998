"""作业时长: families record tonight's written-homework minutes; schools and the district read
weekly medians against the 双减 plan's limits (art. 6), with the "<5" rule."""


def init_app(app) -> None:
    """The recording page, the school's and district's pages, the JSON API."""
    from hplearn.homework import api, views  # noqa: F401  (api adds its routes to the API)

    app.register_blueprint(views.bp, url_prefix="/homework")
