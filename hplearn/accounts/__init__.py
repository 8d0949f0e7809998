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

AUDIT_ACTIONS = {"user.create": "新建账号", "user.import": "批量导入账号", "user.update": "修改账号",
               "user.activate": "启用账号", "user.deactivate": "停用账号",
               "user.password_reset": "重置密码", "user.password_change": "修改密码",
               "school.create": "新建学校", "school.update": "修改学校", "school.promote": "学年升级"}
AUDIT_OBJECTS = {"user": "账号", "school": "学校"}
AUDIT_FIELDS = {"display_name": "显示名", "class_name": "班级", "subjects": "任教学科",
              "grades": "任教年级", "is_counsellor": "心理老师", "usernames": "用户名",
              "rows": "行数", "code": "学校代码", "school_year": "学年", "graduated": "毕业",
              "final_grade": "最高年级", "forced": "强制", "user": "账号"}


def init_app(app) -> None:
    """Sign-in pages and API, account administration, the session's user and the CLI."""
    from hplearn.accounts.models import ROLE_LABELS
    from hplearn.audit import labels

    labels.register(app, actions=AUDIT_ACTIONS, objects=AUDIT_OBJECTS, fields=AUDIT_FIELDS,
                    values={"role": ROLE_LABELS})
    from hplearn import settings
    from hplearn.accounts import (  # noqa: F401
        admin_views,
        api,
        api_schools,
        cli,
        kept_forms,
        services,
        views,
    )
    from hplearn.extensions import login_manager

    settings.declare(app, SETTINGS, owner="accounts")
    login_manager.user_loader(services.load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录。"
    # "basic", not "strong": a phone moving between Wi-Fi and 4G changes address, and "strong"
    # signed the student out in the middle of typing a question. Signing out, password changes
    # and deactivation end sessions through the session id instead (User.get_id).
    login_manager.session_protection = "basic"
    kept_forms.init_app(app)
    login_manager.unauthorized_handler(views.unauthorized)
    app.register_blueprint(views.bp, url_prefix="/auth")
    app.register_blueprint(admin_views.bp, url_prefix="/admin/users")
    for command in cli.COMMANDS:
        app.cli.add_command(command)
