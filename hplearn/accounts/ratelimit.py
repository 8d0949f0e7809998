"""The per-address ceiling on failed sign-ins, over all accounts, shared by the page and the API.

It stops one address from spraying guesses over many accounts; it is high, because a whole
school often signs in from one NAT address. Only failures count (deduct_when), so a class
signing in together is not refused for its own successes. Storage: memory:// or
HPLEARN_REDIS_URL. The per-account back-off is services/throttle.py (in the database).
"""

from flask import current_app, request
from limits import parse

from hplearn.accounts.services.throttle import network_of
from hplearn.extensions import limiter

FAILED_SIGN_IN_STATUSES = (401, 422)


def _address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _address_key() -> str:
    return network_of(request.remote_addr)


def _failed(response) -> bool:
    return response.status_code in FAILED_SIGN_IN_STATUSES


def _address_message() -> str:
    minutes = max(1, parse(_address_limit()).get_expiry() // 60)
    return f"这个网络地址登录失败次数太多，请 {minutes} 分钟后再试。"


def limit_failed_sign_ins(view):
    """Decorate a sign-in view with the per-address ceiling (shared by every sign-in view)."""
    per_address = limiter.shared_limit(
        _address_limit, "sign-in-address", key_func=_address_key,
        methods=["POST"], deduct_when=_failed, error_message=_address_message,
    )
    return per_address(view)
