"""Accounts: schools, users, roles and sign-in."""

from hplearn.settings import Setting


def _rate_limit(text: str) -> None:
    from limits import parse

    parse(text)  # raises ValueError: "5 per 15 minutes" is the form


SETTINGS = (
    Setting("LOGIN_LIMIT_PER_ACCOUNT", "str", "5 per 15 minutes",
            "failed sign-ins allowed per account in a window", check=_rate_limit),
    Setting("LOGIN_LIMIT_PER_ADDRESS", "str", "50 per 15 minutes",
            "failed sign-ins allowed per address (a school is often one address behind NAT)",
            check=_rate_limit),
)


def init_app(app) -> None:
    """Sign-in pages and API, account administration, the session's user and the CLI."""
    from hplearn import settings
    from hplearn.accounts import admin_views, api, api_schools, cli, services, views  # noqa: F401
    from hplearn.extensions import login_manager

    settings.declare(app, SETTINGS, owner="accounts")
    login_manager.user_loader(services.load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录。"
    login_manager.session_protection = "strong"
    login_manager.unauthorized_handler(views.unauthorized)
    app.register_blueprint(views.bp, url_prefix="/auth")
    app.register_blueprint(admin_views.bp, url_prefix="/admin/users")
    for command in cli.COMMANDS:
        app.cli.add_command(command)
