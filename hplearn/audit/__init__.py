"""The audit log: who did what to which object, append-only, read by admins."""


def init_app(app) -> None:
    """The /admin/audit page (recording is audit.services.record, used by every feature)."""
    from hplearn.audit import views

    app.register_blueprint(views.bp, url_prefix="/admin/audit")
