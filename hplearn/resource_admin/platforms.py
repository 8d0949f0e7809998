"""The platform directory edited by district admins on the site (no YAML on the server).

Every change is audited; an edited platform keeps its words when `init --demo` runs again.
Platforms are hidden rather than deleted, so the file cannot bring one back unasked.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from hplearn import policy
from hplearn.audit.services import record
from hplearn.catalog.models import Platform
from hplearn.catalog.services import CatalogError
from hplearn.extensions import db
from hplearn.timeutil import utcnow
from hplearn.vocab import PLATFORM_LEVELS

FIELDS = ("slug", "name", "url", "level", "needs_login", "description", "sort_order")


class PlatformInvalid(CatalogError):
    """A field of a platform is wrong; field names which one."""

    status = 422
    code = "invalid"

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class PlatformForbidden(CatalogError):
    """Only district admins edit the directory."""

    status = 403
    code = "forbidden"


class PlatformNotFound(CatalogError):
    """No such platform."""

    status = 404
    code = "not_found"


@dataclass(frozen=True)
class PlatformFields:
    """A platform's fields after checking."""

    slug: str
    name: str
    url: str | None
    level: str
    needs_login: bool
    description: str
    sort_order: int


def _text(values: dict, name: str) -> str:
    return " ".join(str(values.get(name) or "").split())


def _checked_slug(value: str) -> str:
    slug = value.lower()
    if not slug or len(slug) > 64 or not all(c.isascii() and (c.isalnum() or c == "-") for c in slug):
        raise PlatformInvalid("slug", "标识只能用英文字母、数字和 -，不超过 64 个字符。")
    return slug


def _checked_url(value: str) -> str | None:
    if not value:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise PlatformInvalid("url", "网址要以 http:// 或 https:// 开头；还不确定就留空。")
    if len(value) > 500:
        raise PlatformInvalid("url", "网址不能超过 500 个字符。")
    return value


def _checked_order(value) -> int:
    try:
        order = int(str(value if value not in (None, "") else 0).strip())
    except ValueError:
        raise PlatformInvalid("sort_order", "顺序要填 0–999 的整数。") from None
    if not 0 <= order <= 999:
        raise PlatformInvalid("sort_order", "顺序要填 0–999 的整数。")
    return order


def check_fields(values: dict) -> PlatformFields:
    """Check a platform's fields as a form or the API sends them."""
    name = _text(values, "name")
    if not name or len(name) > 100:
        raise PlatformInvalid("name", "请填写平台名称（不超过 100 个字）。")
    level = _text(values, "level")
    if level not in PLATFORM_LEVELS:
        raise PlatformInvalid("level", f"级别必须是：{'、'.join(PLATFORM_LEVELS.values())}。")
    description = str(values.get("description") or "").strip()
    if len(description) > 5000:
        raise PlatformInvalid("description", "介绍不能超过 5000 个字。")
    return PlatformFields(
        slug=_checked_slug(_text(values, "slug")), name=name, url=_checked_url(_text(values, "url")),
        level=level, needs_login=bool(values.get("needs_login")), description=description,
        sort_order=_checked_order(values.get("sort_order")),
    )


def _require_district(actor) -> None:
    if not policy.can_manage_platforms(actor):
        raise PlatformForbidden("只有区级管理员可以修改学习平台目录。")


def every_platform() -> list[Platform]:
    """Every platform, hidden ones too, in the order of the public directory."""
    order = {level: index for index, level in enumerate(PLATFORM_LEVELS)}
    rows = db.session.scalars(select(Platform))
    return sorted(rows, key=lambda p: (order.get(p.level, 9), p.sort_order, p.id))


def get_platform(actor, platform_id: int) -> Platform:
    """A platform a district admin may edit."""
    _require_district(actor)
    platform = db.session.get(Platform, platform_id)
    if platform is None:
        raise PlatformNotFound("没有找到这个平台。")
    return platform


def _slug_taken(slug: str, platform: Platform | None) -> bool:
    other = db.session.scalar(select(Platform).where(Platform.slug == slug))
    return other is not None and other is not platform


def save_platform(actor, platform: Platform | None, values: dict) -> Platform:
    """Create (platform None) or change a platform; audited, kept when init --demo runs."""
    _require_district(actor)
    fields = check_fields(values)
    if _slug_taken(fields.slug, platform):
        raise PlatformInvalid("slug", f"标识 {fields.slug} 已被另一个平台使用。")
    created = platform is None
    if created:
        platform = Platform(slug=fields.slug, name=fields.name, level=fields.level)
        db.session.add(platform)
    changed = [name for name in FIELDS if getattr(platform, name) != getattr(fields, name)]
    for name in FIELDS:
        setattr(platform, name, getattr(fields, name))
    platform.edited_at = utcnow()
    db.session.flush()
    record(actor, "platform.create" if created else "platform.update", platform,
           name=platform.name, fields=changed)
    db.session.commit()
    return platform


def set_hidden(actor, platform_id: int, hidden: bool) -> Platform:
    """Hide a platform from the directory, or list it again; audited."""
    platform = get_platform(actor, platform_id)
    platform.hidden = hidden
    platform.edited_at = utcnow()
    record(actor, "platform.hide" if hidden else "platform.show", platform, name=platform.name)
    db.session.commit()
    return platform
