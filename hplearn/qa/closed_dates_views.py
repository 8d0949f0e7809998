"""The closed-dates pages: admins set the days without Q&A service besides public holidays."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from hplearn.qa import forms, services
from hplearn.qa.views import bp
from hplearn.timeutil import local_date, utcnow


def _scope():
    code = request.values.get("school") or None
    return services.scope_for(current_user, code[:32] if code else None)


def _page(scope, form, status=200):
    return render_template(
        "qa/closed_dates.html", scope=scope, form=form, delete_form=forms.ActionForm(),
        closed=services.list_closed_dates(scope, local_date(utcnow())),
        describe_range=services.describe_range,
    ), status


@bp.get("/closed-dates")
def closed_dates():
    """The closed dates of the admin's school (district admins: the district's, or ?school=)."""
    return _page(_scope(), forms.ClosedDateForm())


@bp.post("/closed-dates")
def add_closed_dates():
    """Close a day or a range of days for the scope."""
    scope = _scope()
    form = forms.ClosedDateForm()
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    try:
        closed = services.add_closed_dates(current_user, scope, form.first_day.data,
                                           form.last_day.data, form.reason.data, utcnow())
    except services.InvalidClosedDate as error:
        getattr(form, error.field or "first_day").errors.append(str(error))
        return _page(scope, form, error.status)
    flash(f"已设置停答日期：{services.describe_range(closed)}。", "info")
    return redirect(_back(scope))


@bp.post("/closed-dates/<int:closed_id>/delete")
def remove_closed_dates(closed_id):
    """Remove one closed range of the scope."""
    scope = _scope()
    if not forms.ActionForm().validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    services.remove_closed_dates(current_user, scope, closed_id)
    flash("已删除这条停答日期。", "info")
    return redirect(_back(scope))


def _back(scope) -> str:
    return url_for("qa.closed_dates", school=scope.school.code if scope.school else None)
