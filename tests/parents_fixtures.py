"""Parents bound to children, for the parents' tests and the permission matrix."""

from __future__ import annotations

from hplearn.parents import services
from tests import factories


def parent_of(*children, username="mum1"):
    """A parent account bound to these students (made through the service, as the CLI does)."""
    parent = factories.UserFactory(username=username, role="parent", school=None,
                                   display_name="家长")
    services.bind_children_by_username(parent, [child.username for child in children])
    return parent
