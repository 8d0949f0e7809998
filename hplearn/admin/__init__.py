"""Admin area: the home page of school and district admins and the broken-links report."""


def init_app(app) -> None:
    """The /admin pages."""
    from hplearn.admin import views

    app.register_blueprint(views.bp, url_prefix="/admin")
