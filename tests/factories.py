"""factory_boy factories for test data; bound to the app's session by the app fixture."""

from __future__ import annotations

from functools import cache

import factory
from factory.alchemy import SQLAlchemyModelFactory

from hplearn.accounts.models import School, User
from hplearn.catalog.models import Platform, Resource, Topic
from hplearn.timeutil import utcnow

DEFAULT_PASSWORD = "correct-horse-42"
_ALL: list[type[SQLAlchemyModelFactory]] = []


# Werkzeug's default scrypt costs about 80 ms a check, on purpose; a test signs in thousands of
# times. The factories' users get an scrypt hash of cheap parameters: every sign-in still runs the
# real check_password_hash, about a millisecond. The app's own hashing (set_password, imports,
# one-time passwords) is unchanged and tested in test_sign_in.py.
CHEAP_HASH_METHOD = "scrypt:1024:8:1"


@cache
def default_password_hash() -> str:
    """The hash of DEFAULT_PASSWORD (cheap scrypt parameters), computed once."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(DEFAULT_PASSWORD, method=CHEAP_HASH_METHOD)


def bind(session) -> None:
    """Point every factory at the given SQLAlchemy session."""
    for factory_class in _ALL:
        factory_class._meta.sqlalchemy_session = session


def _registered(cls):
    _ALL.append(cls)
    return cls


class BaseFactory(SQLAlchemyModelFactory):
    """Commits each object, so after-commit hooks (search indexing) run as in production."""

    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "commit"


@_registered
class SchoolFactory(BaseFactory):
    class Meta:
        model = School

    code = factory.Sequence(lambda n: f"s{n:03d}")
    name = factory.Sequence(lambda n: f"和平区实验学校{n}")
    stage = "小学"


@_registered
class UserFactory(BaseFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username)
    role = "student"
    school = factory.SubFactory(SchoolFactory)
    password_hash = factory.LazyFunction(lambda: default_password_hash())

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            cls._meta.sqlalchemy_session.commit()


@_registered
class TopicFactory(BaseFactory):
    class Meta:
        model = Topic

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"专题{n}")
    summary = "专题简介"
    description = "专题的详细介绍。"


@_registered
class ResourceFactory(BaseFactory):
    class Meta:
        model = Resource

    source = "test"
    external_id = factory.Sequence(lambda n: f"r{n}")
    title = factory.Sequence(lambda n: f"测试资源{n}")
    summary = "一个用于测试的资源。"
    body = ""
    kind = "article"
    stage = "初中"
    grade = 7
    subject = "数学"
    tags = factory.LazyFunction(list)
    status = "published"
    published_at = factory.LazyFunction(utcnow)


@_registered
class PlatformFactory(BaseFactory):
    class Meta:
        model = Platform

    slug = factory.Sequence(lambda n: f"platform-{n}")
    name = factory.Sequence(lambda n: f"平台{n}")
    url = "https://example.org/"
    level = "national"
    needs_login = False
    description = "平台介绍。"


# --- Issue 4: collections ---------------------------------------------------------------------
from hplearn.collections.models import Collection, CollectionItem  # noqa: E402


@_registered
class CollectionFactory(BaseFactory):
    """A collection; pass resources=[…] to fill it in order."""

    class Meta:
        model = Collection

    title = factory.Sequence(lambda n: f"合集{n}")
    description = "合集介绍。"
    public = True
    stages = factory.LazyFunction(list)
    grades = factory.LazyFunction(list)

    @factory.post_generation
    def resources(self, create, extracted, **kwargs):
        for position, resource in enumerate(extracted or []):
            self.items.append(CollectionItem(resource=resource, position=position))
        if create and extracted:
            CollectionFactory._meta.sqlalchemy_session.commit()


# --- statistics (issue 6) ---------------------------------------------------------------------
from datetime import timedelta  # noqa: E402

from hplearn.stats.models import SchoolDaily, StatEvent  # noqa: E402
from hplearn.timeutil import local_date  # noqa: E402


@_registered
class StatEventFactory(BaseFactory):
    """A raw usage event (a student's view by default), written directly, not via the buffer."""

    class Meta:
        model = StatEvent

    class Params:
        days_ago = 0

    kind = "view"
    occurred_at = factory.LazyAttribute(lambda o: utcnow() - timedelta(days=o.days_ago))
    day = factory.LazyAttribute(lambda o: local_date(o.occurred_at))
    person = factory.Sequence(lambda n: f"p{n:015d}")
    subject = "数学"
    grade = 7


@_registered
class SchoolDailyFactory(BaseFactory):
    """One school's rollup row for one day."""

    class Meta:
        model = SchoolDaily

    day = factory.LazyFunction(lambda: local_date(utcnow()))
    active_students = 0
    weekly_active_students = 0


# The standard cast: the accounts most tests (the conftest fixtures) and the permission matrix's
# saved world share, made the same way in both.

def first_school() -> School:
    """The primary school most tests are about (hp001)."""
    return SchoolFactory(code="hp001", name="和平区第一小学")


def second_school() -> School:
    """Another school, a middle school, for tests of school scoping (hp002)."""
    return SchoolFactory(code="hp002", name="和平区第二中学", stage="初中")


def grade7_student(school: School) -> User:
    """A grade-7 student of school (stu1)."""
    return UserFactory(username="stu1", role="student", school=school, grade=7)


def maths_teacher(school: School) -> User:
    """A maths teacher of grades 7–9 of school (tea1)."""
    return UserFactory(username="tea1", role="teacher", school=school, subjects=["数学"],
                       grades=[7, 8, 9])


def admin_of(school: School, username: str = "sadmin1") -> User:
    """A school admin of school."""
    return UserFactory(username=username, role="school_admin", school=school)


def district_admin() -> User:
    """A district admin (dadmin)."""
    return UserFactory(username="dadmin", role="district_admin", school=None)
