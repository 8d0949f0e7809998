"""The audit log: who did what to which object, append-only, read by admins."""


def init_app(app) -> None:
    """The /admin/audit page, in Chinese words (recording is audit.services.record)."""
    from hplearn.audit import labels, views

    labels.init_app(app)
    app.add_template_global(labels, "audit_labels")
    app.register_blueprint(views.bp, url_prefix="/admin/audit")
