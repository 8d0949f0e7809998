"""Collection pages: list, view, create, edit, reorder (works without JavaScript)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.collections import services
from hplearn.collections.forms import AddResourceForm, CollectionForm
from hplearn.pagination import parse_page

bp = Blueprint("collections", __name__)


def _editable(collection_id: int):
    return services.get_editable_collection(collection_id, current_user)


def _save_form(form: CollectionForm, save) -> bool:
    """Run save(values); put a refused field's message on the form. True when saved."""
    try:
        save(services.parse_collection_input(form.values(), partial=False))
    except services.CollectionInvalid as error:
        field = getattr(form, error.field, None) or form.title
        field.errors = [*field.errors, str(error)]
        return False
    return True


def featured_collections():
    """Template helper for the home page: the collections featured today for this visitor."""
    return services.featured_for(current_user)


@bp.get("/")
def index():
    """The collections this visitor may see."""
    page_request = parse_page(request.args, default_per_page=20, max_per_page=50)
    page = services.visible_collections(current_user, page_request)
    return render_template("collections/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    """A new collection (school and district admins)."""
    if not policy.can_create_collection(current_user):
        abort(403)
    form = CollectionForm()
    created = []
    if form.validate_on_submit() and _save_form(
        form, lambda values: created.append(services.create_collection(current_user, values))
    ):
        flash("合集已创建，现在可以添加资源。", "info")
        return redirect(url_for("collections.edit", collection_id=created[0].id))
    status = 422 if form.errors else 200
    return render_template("collections/form.html", form=form, collection=None), status


@bp.get("/<int:collection_id>")
def detail(collection_id):
    """One collection and its resources (only those the visitor may see)."""
    collection = services.get_visible_collection(collection_id, current_user)
    return render_template(
        "collections/detail.html",
        collection=collection,
        resources=services.visible_resources(collection, current_user),
    )


@bp.route("/<int:collection_id>/edit", methods=["GET", "POST"])
@login_required
def edit(collection_id):
    """Change a collection's details and its list of resources."""
    collection = _editable(collection_id)
    form = CollectionForm()
    if request.method == "GET":
        form.fill_from(collection)
    elif form.validate_on_submit() and _save_form(
        form, lambda values: services.update_collection(current_user, collection_id, values)
    ):
        flash("合集已保存。", "info")
        return redirect(url_for("collections.edit", collection_id=collection_id))
    status = 422 if form.errors else 200
    return render_template(
        "collections/form.html", form=form, collection=collection, add_form=AddResourceForm()
    ), status


def _item_action(collection_id: int, action) -> None:
    _editable(collection_id)
    try:
        action()
    except services.CollectionInvalid as error:
        flash(str(error), "error")


@bp.post("/<int:collection_id>/items")
@login_required
def add_item(collection_id):
    """Append a resource by its number or page address."""
    form = AddResourceForm()
    if not form.validate_on_submit():
        _editable(collection_id)
        for errors in form.errors.values():
            flash("；".join(errors), "error")
    else:
        _item_action(
            collection_id,
            lambda: services.add_resource(current_user, collection_id, form.resource_id()),
        )
    return redirect(url_for("collections.edit", collection_id=collection_id) + "#items")


@bp.post("/<int:collection_id>/items/<int:resource_id>/move")
@login_required
def move_item(collection_id, resource_id):
    """Move a resource one place up or down (the form's direction button)."""
    direction = request.form.get("direction", "")
    _item_action(
        collection_id,
        lambda: services.move_resource(current_user, collection_id, resource_id, direction),
    )
    return redirect(url_for("collections.edit", collection_id=collection_id) + "#items")


@bp.post("/<int:collection_id>/items/<int:resource_id>/remove")
@login_required
def remove_item(collection_id, resource_id):
    """Take a resource out of the collection."""
    _item_action(
        collection_id,
        lambda: services.remove_resource(current_user, collection_id, resource_id),
    )
    return redirect(url_for("collections.edit", collection_id=collection_id) + "#items")


@bp.post("/<int:collection_id>/delete")
@login_required
def delete(collection_id):
    """Delete the collection (resources stay in the catalog)."""
    _editable(collection_id)
    services.delete_collection(current_user, collection_id)
    flash("合集已删除。", "info")
    return redirect(url_for("collections.index"))
