"""Schools and user accounts. Minors: no phone, ID number or photo fields, by design."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from hplearn.extensions import db, one_of
from hplearn.timeutil import UTCDateTime, utcnow
from hplearn.vocab import Role

ROLES = tuple(Role)
# Crockford's base32 (no I, L, O, U): 8 characters are 40 random bits, so aliases rarely repeat.
ALIAS_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ALIAS_LENGTH = 8
ROLE_LABELS = {
    Role.STUDENT: "学生",
    Role.TEACHER: "教师",
    Role.SCHOOL_ADMIN: "学校管理员",
    Role.DISTRICT_ADMIN: "区管理员",
    Role.PARENT: "家长",
}


class School(db.Model):
    """A school of the district."""

    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(16), default="小学")
    # 盲校, 聋校 or 培智学校 for a special school (its students' lists start from its books);
    # None for an ordinary school.
    school_type: Mapped[str | None] = mapped_column(String(16))
    # The school year (by its first calendar year) whose promotion already ran: never twice.
    promoted_school_year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="school")

    def __repr__(self) -> str:
        return f"<School {self.code}>"


class User(UserMixin, db.Model):
    """A student, teacher or admin account."""

    __tablename__ = "users"
    __table_args__ = (one_of("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(256), default="")
    role: Mapped[str] = mapped_column(String(16), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    grade: Mapped[int | None] = mapped_column(Integer)
    class_name: Mapped[str | None] = mapped_column(String(32))
    subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    grades: Mapped[list[int]] = mapped_column(JSON, default=list)
    is_counsellor: Mapped[bool] = mapped_column(Boolean, default=False)
    # Staff who take the safeguarding lane (bullying, violence at home, abuse) for their school.
    is_safeguarding: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A student deactivated by the new school year's promotion: the school year they left in.
    graduated_in: Mapped[int | None] = mapped_column(Integer)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of every session id: signing out adds one, so every session before it (a copied
    # cookie, the other devices) stops working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Drawn at random once per account and stored: an alias says nothing about the account id
    # and survives a change of SECRET_KEY.
    alias_code: Mapped[str] = mapped_column(String(16), default=lambda: new_alias_code())

    school: Mapped[School | None] = relationship(back_populates="users")

    def __init__(self, **values):
        # Set at construction, not at flush: services read the alias before the first flush.
        values.setdefault("alias_code", new_alias_code())
        super().__init__(**values)

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses sessions of deactivated accounts."""
        return self.active

    def get_id(self) -> str:
        """The session's user id, bound to the password and the epoch: both end sessions."""
        return f"{self.id}.{self.password_fingerprint}.{self.session_epoch or 0}"

    @property
    def password_fingerprint(self) -> str:
        """A short digest of the password hash (never the hash itself) for session ids."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    @property
    def alias(self) -> str:
        """A stable, non-identifying name such as 同学7K3QX9MD (shown to other students)."""
        return f"同学{self.alias_code}"

    @property
    def role_label(self) -> str:
        """The Chinese name of the role."""
        return ROLE_LABELS.get(self.role, self.role)

    def set_password(self, password: str) -> None:
        """Store a hash of the password (Werkzeug's current default method)."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether the password matches."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class SignInAttempt(db.Model):
    """A sign-in attempt of one (account, address) pair: a failure, or one still in flight.

    Rows of a pair go when it signs in; older ones after a day (the throttle's memory). The
    username is what was typed (lower case), so unknown names are counted like real ones.
    """

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_username_address", "username", "address"),
        Index("ix_sign_in_attempts_username_at", "username", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    # The client's address (IPv6: its /64 network, which one household or attacker holds).
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class KeptForm(db.Model):
    """What a signed-out browser posted to a form that needs sign-in, kept to be filled in again.

    Only the text fields a feature names (never passwords or files), bounded, for an hour.
    """

    __tablename__ = "kept_forms"

    token: Mapped[str] = mapped_column(String(43), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(64))
    page: Mapped[str] = mapped_column(String(255))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def new_alias_code() -> str:
    """A fresh random alias code (the part after 同学), from the operating system's randomness."""
    return "".join(secrets.choice(ALIAS_ALPHABET) for _ in range(ALIAS_LENGTH))
