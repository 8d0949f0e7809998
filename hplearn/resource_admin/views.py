"""/admin/resources: admins list, create, edit (with a Markdown preview), publish and retire."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from hplearn import policy
from hplearn.catalog import services as catalog
from hplearn.markup import render_markdown
from hplearn.media.services import manageable_media
from hplearn.pagination import parse_page
from hplearn.resource_admin import services as admin_services
from hplearn.resource_admin.forms import ResourceForm

bp = Blueprint("resource_admin", __name__)


@bp.before_request
@login_required
def require_resource_manager():
    """Every page here needs an admin."""
    if not policy.can_manage_resources(current_user):
        abort(403)


def _editable(resource_id: int):
    return admin_services.get_editable_resource(resource_id, current_user)


def _form() -> ResourceForm:
    form = ResourceForm()
    form.set_choices(
        catalog.all_topics(),
        [*manageable_media(current_user, "video"), *manageable_media(current_user, "document")],
        manageable_media(current_user, "captions"),
    )
    return form


def _save(form: ResourceForm, save):
    """Run save(values) unless the preview button was pressed; form errors on refusal."""
    try:
        return save(form.values())
    except admin_services.ResourceInvalid as error:
        field = getattr(form, error.field, form.title)
        field.errors = [*field.errors, str(error)]
    return None


def _render_form(form: ResourceForm, resource, preview):
    status = 422 if form.errors else 200
    return render_template(
        "resource_admin/form.html", form=form, resource=resource, preview=preview
    ), status


@bp.get("/")
def index():
    """The resources this admin manages, with filters."""
    page_request = parse_page(request.args, default_per_page=30, max_per_page=100)
    filters = admin_services.parse_admin_filters(request.args)
    page = admin_services.managed_resources(current_user, filters, page_request)
    return render_template("resource_admin/index.html", page=page, filters=filters)


@bp.route("/new", methods=["GET", "POST"])
def create():
    """A new draft resource."""
    form = _form()
    preview = None
    if form.validate_on_submit():
        if "preview" in request.form:
            preview = render_markdown(form.body.data)
        else:
            resource = _save(
                form, lambda values: admin_services.create_resource(current_user, values)
            )
            if resource is not None:
                flash("资源已保存为草稿。检查无误后请发布。", "info")
                return redirect(url_for("resource_admin.edit", resource_id=resource.id))
    return _render_form(form, None, preview)


@bp.route("/<int:resource_id>/edit", methods=["GET", "POST"])
def edit(resource_id):
    """Change a resource; the preview button shows the rendered body without saving."""
    resource = _editable(resource_id)
    form = _form()
    preview = None
    if request.method == "GET":
        form.fill_from(resource)
    elif form.validate_on_submit():
        if "preview" in request.form:
            preview = render_markdown(form.body.data)
        elif _save(form, lambda values: admin_services.update_resource(
            current_user, resource_id, values
        )) is not None:
            flash("资源已保存。", "info")
            return redirect(url_for("resource_admin.edit", resource_id=resource_id))
    return _render_form(form, resource, preview)


@bp.post("/<int:resource_id>/publish")
def publish(resource_id):
    """Publish: students can see it."""
    _editable(resource_id)
    admin_services.publish_resource(current_user, resource_id)
    flash("资源已发布。", "info")
    return redirect(url_for("resource_admin.edit", resource_id=resource_id))


@bp.post("/<int:resource_id>/retire")
def retire(resource_id):
    """Retire: students no longer see it."""
    _editable(resource_id)
    admin_services.retire_resource(current_user, resource_id)
    flash("资源已下架。", "info")
    return redirect(url_for("resource_admin.edit", resource_id=resource_id))
