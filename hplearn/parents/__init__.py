"""家长: parents bound to their children, what they see of them, their voice to the school
(issue 14; the contract is the "Parents" part of shared/INTERFACES.md)."""

from hplearn.settings import Setting

SETTINGS = (
    Setting("PARENTS_BINDING_CODE_DAYS", "int", 14, "days a printed binding code stays valid",
            positive=True),
)


def init_app(app) -> None:
    """Binding codes and links, the parents' pages and API, `hplearn parents …`, the Q&A wall."""
    from hplearn import settings
    from hplearn.parents import api, cli, services, views  # noqa: F401  (api: routes)

    settings.declare(app, SETTINGS, owner="parents")
    app.register_blueprint(views.bp, url_prefix="/parents")
    app.before_request(views.refuse_questions_to_parents)
    app.cli.add_command(cli.parents_group)
    app.extensions["hplearn.bind_children"] = services.bind_children_by_username
