"""The accounts feature's refusals, and the one-time-password sheet's record."""

from __future__ import annotations

from dataclasses import dataclass

from hplearn.accounts.models import User
from hplearn.errors import DomainError


class AccountError(DomainError):
    """A request the account rules refuse; its message is shown to the user."""

    status = 422
    code = "invalid_account"


class InvalidCredentials(AccountError):
    """Wrong username or password, or a deactivated account."""

    status = 401
    code = "invalid_credentials"


class SignInThrottled(AccountError):
    """Too many failed sign-ins of this account from this address: wait, then try again."""

    status = 429
    code = "rate_limited"

    def __init__(self, seconds: int):
        super().__init__(f"这个账号在这个网络登录失败次数太多，请 {wait_text(seconds)}后再试。"
                         "忘记密码请联系班主任或学校管理员重置。")
        self.retry_after = max(1, int(seconds))

    def response_headers(self) -> dict[str, str]:
        """Retry-After: the seconds left to wait."""
        return {"Retry-After": str(self.retry_after)}


def wait_text(seconds: int) -> str:
    """A wait in words: "30 秒", "2 分钟", "1 分 30 秒"."""
    seconds = max(1, int(seconds))
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{seconds} 秒"
    return f"{minutes} 分钟" if not rest else f"{minutes} 分 {rest} 秒"


class WrongCurrentPassword(InvalidCredentials):
    """The current password given to change it is wrong: the user is signed in, so 403."""

    status = 403


class NotAllowed(AccountError):
    """The acting user may not do this (shown as 403)."""

    status = 403
    code = "forbidden"


class UserNotFound(AccountError):
    """No such user, or one the acting user may not see (shown as 404)."""

    status = 404
    code = "not_found"


class SchoolNotFound(AccountError):
    """No such school, or one the acting user may not manage (shown as 404)."""

    status = 404
    code = "not_found"


class PasswordRejected(AccountError):
    """A new password breaks the password rules."""

    code = "password_rejected"


class ImportRejected(AccountError):
    """A CSV import with bad rows; nothing was written."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__(f"{len(problems)} 行有错误，没有导入任何账号。")
        self.problems = problems


@dataclass
class NewAccount:
    """An account just created or reset, with its one-time password (shown once, never stored)."""

    user: User
    one_time_password: str


class AlreadyPromoted(AccountError):
    """The school's students already moved up a grade this school year."""
