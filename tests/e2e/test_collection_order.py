"""Drag-and-drop reordering (the JavaScript enhancement of the up/down buttons) in a real browser."""

from hplearn.collections.models import Collection
from hplearn.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import CollectionFactory, ResourceFactory


def test_admin_drags_a_resource_to_the_top(live_server, page, school, school_admin):
    first, second, third = (ResourceFactory(title=t) for t in ("第一课", "第二课", "第三课"))
    collection = CollectionFactory(school=school, resources=[first, second, third])
    collection_id = collection.id

    page.goto(live_server.url + "/auth/login")
    page.fill("#username", school_admin.username)
    page.fill("#password", DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")
    page.goto(f"{live_server.url}/collections/{collection_id}/edit")
    assert page.is_visible("text=也可以拖动资源调整顺序")

    with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
        page.locator(f".item-row[data-resource-id='{third.id}']").drag_to(
            page.locator(f".item-row[data-resource-id='{first.id}']"),
            target_position={"x": 5, "y": 2},
        )
    assert saved.value.status == 200
    page.wait_for_load_state("load")
    db.session.expire_all()
    order = [item.resource_id for item in db.session.get(Collection, collection_id).items]
    assert order == [third.id, first.id, second.id]
