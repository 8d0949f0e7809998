"""Rate limits on failed sign-ins, per account and per address, shared by the page and the API.

Only failures count (deduct_when), so a class signing in together from one school address is
not locked out by its own successful sign-ins. Storage: memory:// or HPLEARN_REDIS_URL.
"""

from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits import parse

from hplearn.extensions import limiter

FAILED_SIGN_IN_STATUSES = (401, 422)


def _limit(config_key: str):
    return lambda: current_app.config[config_key]


def _minutes(config_key: str) -> int:
    return max(1, parse(current_app.config[config_key]).get_expiry() // 60)


def _submitted_username() -> str:
    data = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(data, dict) and not hasattr(data, "get"):
        data = {}
    return str(data.get("username") or "").strip().lower()[:64]


def _account_key() -> str:
    return f"account:{_submitted_username()}"


def _failed(response) -> bool:
    return response.status_code in FAILED_SIGN_IN_STATUSES


def _account_message() -> str:
    minutes = _minutes("LOGIN_LIMIT_PER_ACCOUNT")
    return (f"这个账号登录失败次数太多，为保护账号安全，请 {minutes} 分钟后再试。"
            "忘记密码请联系班主任或学校管理员重置。")


def _address_message() -> str:
    minutes = _minutes("LOGIN_LIMIT_PER_ADDRESS")
    return f"这个网络地址登录失败次数太多，请 {minutes} 分钟后再试。"


def limit_failed_sign_ins(view):
    """Decorate a sign-in view with the failure limits (shared by every sign-in view)."""
    per_account = limiter.shared_limit(
        _limit("LOGIN_LIMIT_PER_ACCOUNT"), "sign-in-account", key_func=_account_key,
        methods=["POST"], deduct_when=_failed, error_message=_account_message,
    )
    per_address = limiter.shared_limit(
        _limit("LOGIN_LIMIT_PER_ADDRESS"), "sign-in-address", key_func=get_remote_address,
        methods=["POST"], deduct_when=_failed, error_message=_address_message,
    )
    return per_address(per_account(view))
