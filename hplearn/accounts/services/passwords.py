"""Passwords and signing in: the rules, one-time passwords, changes, resets, authenticate."""

from __future__ import annotations

import re
import secrets
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from hplearn import policy
from hplearn.accounts.models import User
from hplearn.accounts.services import throttle
from hplearn.accounts.services.directory import user_by_username
from hplearn.accounts.services.errors import (
    InvalidCredentials,
    NewAccount,
    PasswordRejected,
    UserNotFound,
    WrongCurrentPassword,
)
from hplearn.audit.services import record
from hplearn.extensions import db
from hplearn.timeutil import utcnow

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
# No 0/o, 1/l/i: one-time passwords are read off paper by children.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def check_password_rules(password: str, *, username: str = "") -> None:
    """Raise PasswordRejected unless the password is 8–128 characters with letters and digits."""
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise PasswordRejected(f"密码至少 {PASSWORD_MIN_LENGTH} 位。")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise PasswordRejected(f"密码不能超过 {PASSWORD_MAX_LENGTH} 位。")
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise PasswordRejected("密码要同时包含字母和数字。")
    if username and username.lower() in password.lower():
        raise PasswordRejected("密码不能包含用户名。")


def generate_one_time_password() -> str:
    """A random password like "k7m2-p9xq": easy to copy from paper, letters and digits."""
    while True:
        raw = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(8))
        if re.search(r"[a-z]", raw) and re.search(r"\d", raw):
            return f"{raw[:4]}-{raw[4:]}"


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Replace the user's password after checking the current one and the rules.

    Clears must_change_password. Raises WrongCurrentPassword or PasswordRejected.
    """
    if not user.check_password(current or ""):
        raise WrongCurrentPassword("当前密码不正确。")
    if (new or "") != (confirm or ""):
        raise PasswordRejected("两次输入的新密码不一致。")
    check_password_rules(new, username=user.username)
    if user.check_password(new):
        raise PasswordRejected("新密码不能和当前密码相同。")
    user.set_password(new)
    user.must_change_password = False
    record(user, "user.password_change", user)
    db.session.commit()


def reset_password(actor, user: User) -> NewAccount:
    """Give the user a new one-time password that must be changed at the next sign-in."""
    if not policy.can_manage_user(actor, user):
        raise UserNotFound("没有找到这个账号。")
    password = generate_one_time_password()
    user.set_password(password)
    user.must_change_password = True
    record(actor, "user.password_reset", user)
    db.session.commit()
    return NewAccount(user, password)


@cache
def _dummy_password_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def _spend_a_hash_check(password: str) -> None:
    # Unknown usernames take as long as wrong passwords, so timing does not reveal accounts.
    check_password_hash(_dummy_password_hash(), password or "")


def authenticate(username: str, password: str, address: str | None = None) -> User:
    """Return the active user with these credentials, or raise InvalidCredentials.

    address: the client's; failures are throttled per (account, address) pair and raise
    SignInThrottled while the pair must wait (see services/throttle.py).
    """
    attempt = throttle.begin(username, address)
    user = user_by_username(username)
    if user is None:
        _spend_a_hash_check(password)
        raise InvalidCredentials("用户名或密码不正确。")
    if not user.check_password(password or ""):
        raise InvalidCredentials("用户名或密码不正确。")
    throttle.succeeded(attempt)  # the password was right, even if the account is closed
    if not user.active:
        db.session.commit()
        # Only someone who knows the password learns that the account is deactivated.
        raise InvalidCredentials("这个账号已停用，请联系学校管理员。")
    user.last_login_at = utcnow()
    db.session.commit()
    return user
