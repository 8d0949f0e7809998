"""Who may do what: every permission rule of hplearn lives here.

Views, the JSON API, the CLI and templates ask these functions; nothing checks roles
ad hoc. Each function takes the acting user (possibly anonymous) and the object.
"""

from __future__ import annotations

STAFF_ROLES = ("teacher", "school_admin", "district_admin")
ADMIN_ROLES = ("school_admin", "district_admin")


def _role(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.role


def is_district_admin(user) -> bool:
    """District admins may act on every school."""
    return _role(user) == "district_admin"


def is_admin(user) -> bool:
    """School or district admin."""
    return _role(user) in ADMIN_ROLES


def is_staff(user) -> bool:
    """Teacher or admin."""
    return _role(user) in STAFF_ROLES


def is_student(user) -> bool:
    """A signed-in student."""
    return _role(user) == "student"


def is_teacher(user) -> bool:
    """A signed-in teacher."""
    return _role(user) == "teacher"


def same_school(user, school_id) -> bool:
    """Whether the user belongs to the school with this id."""
    return school_id is not None and getattr(user, "school_id", None) == school_id


def can_manage_school(user, school_id) -> bool:
    """Admin rights over one school's users, collections and statistics."""
    if is_district_admin(user):
        return True
    return _role(user) == "school_admin" and same_school(user, school_id)


def can_view_resource(user, resource) -> bool:
    """Published resources are public; drafts and retired ones only for admins."""
    return resource.status == "published" or is_admin(user)


def can_manage_resources(user) -> bool:
    """Create, edit, publish and retire catalog resources."""
    return is_admin(user)


def can_view_admin_area(user) -> bool:
    """The /admin pages."""
    return is_admin(user)


def can_view_link_report(user) -> bool:
    """The list of broken links."""
    return is_admin(user)


def can_read_audit_log(user) -> bool:
    """Admins read the audit log (school admins their own school's entries)."""
    return is_admin(user)


def can_view_school_stats(user, school_id) -> bool:
    """A school's usage statistics: its own admins and district admins."""
    return can_manage_school(user, school_id)


def can_view_district_stats(user) -> bool:
    """Every school's statistics side by side."""
    return is_district_admin(user)


def can_view_own_response_stats(user) -> bool:
    """Teachers see their own first-response figures (and nobody else's)."""
    return is_teacher(user)


def can_view_stats_area(user) -> bool:
    """The /stats/ pages: admins and teachers."""
    return is_admin(user) or is_teacher(user)
