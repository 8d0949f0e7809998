"""Resource administration at /admin/resources: admins write, attach files to, publish and retire
resources. Apart from the catalog because it joins the catalog with uploaded media."""


def init_app(app) -> None:
    """The /admin/resources pages."""
    from hplearn.resource_admin import views

    app.register_blueprint(views.bp, url_prefix="/admin/resources")
