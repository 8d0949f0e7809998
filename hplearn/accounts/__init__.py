"""Accounts: schools, users, roles and sign-in."""

from datetime import timedelta

from hplearn.settings import Setting


def _rate_limit(text: str) -> None:
    from limits import parse

    parse(text)  # raises ValueError: "300 per hour" is the form


SETTINGS = (
    Setting("LOGIN_FREE_FAILURES", "int", 5,
            "failed sign-ins of one account from one address before each further attempt "
            "waits (1 s, 2 s, 4 s …); the owner elsewhere is not affected", positive=True),
    Setting("LOGIN_BACKOFF_MAX_SECONDS", "int", 900,
            "the longest wait between attempts of one account from one address", positive=True),
    Setting("LOGIN_ACCOUNT_SLOW_AFTER", "int", 20,
            "failed sign-ins of one account in an hour, from any address, after which it is "
            "slowed (never locked): each address gets one free failure and every attempt waits "
            "`LOGIN_ACCOUNT_DELAY_SECONDS`", positive=True),
    Setting("LOGIN_ACCOUNT_DELAY_SECONDS", "float", 1.0,
            "seconds every sign-in on a slowed account waits in the server (0: none)",
            minimum=0),
    Setting("LOGIN_LIMIT_PER_ADDRESS", "str", "300 per hour",
            "failed sign-ins allowed per address, over all accounts (a whole school is often one "
            "address behind NAT: keep it high)", check=_rate_limit),
)

AUDIT_ACTIONS = {"user.create": "新建账号", "user.import": "批量导入账号", "user.update": "修改账号",
               "user.activate": "启用账号", "user.deactivate": "停用账号",
               "user.password_reset": "重置密码", "user.password_change": "修改密码",
               "school.create": "新建学校", "school.update": "修改学校", "school.promote": "学年升级"}
AUDIT_OBJECTS = {"user": "账号", "school": "学校"}
AUDIT_FIELDS = {"display_name": "显示名", "class_name": "班级", "subjects": "任教学科",
              "grades": "任教年级", "is_counsellor": "心理老师",
              "is_safeguarding": "安全保护老师", "usernames": "用户名",
              "rows": "行数", "code": "学校代码", "school_year": "学年", "graduated": "毕业",
              "final_grade": "最高年级", "forced": "强制", "user": "账号"}


def init_app(app) -> None:
    """Sign-in pages and API, account administration, the session's user and the CLI."""
    from hplearn.accounts.models import ROLE_LABELS
    from hplearn.audit import labels

    labels.register(app, actions=AUDIT_ACTIONS, objects=AUDIT_OBJECTS, fields=AUDIT_FIELDS,
                    values={"role": ROLE_LABELS})
    from hplearn import jobs, settings
    from hplearn.accounts import (  # noqa: F401
        admin_views,
        api,
        api_schools,
        cli,
        kept_forms,
        services,
        views,
    )
    from hplearn.accounts.services import throttle
    from hplearn.bodylimits import BodyLimit, allow_bodies
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
    # The CSV import's file, and a margin for the form's other fields.
    allow_bodies(app, {"account_admin.import_users": BodyLimit(
        lambda: services.MAX_IMPORT_BYTES + 64 * 1024)})
    app.register_blueprint(admin_views.bp, url_prefix="/admin/users")
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    jobs.register(app, "accounts.forget_sign_in_attempts", throttle.forget_old_attempts,
                  every=timedelta(hours=1))
