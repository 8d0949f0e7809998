"""/qa/word-lists: admins read the moderation word lists; district admins add and remove words."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from hplearn import policy
from hplearn.formbase import HplearnForm
from hplearn.qa import forms, services, wordlists
from hplearn.qa.models import WORD_LISTS
from hplearn.qa.views import bp


@bp.get("/word-lists")
def word_lists():
    """Both lists, each word marked as from the files or added here."""
    if not policy.can_view_word_lists(current_user):
        abort(403, description="只有管理员可以查看词表。")
    lists = [(name, label, wordlists.words_of(name)) for name, label in WORD_LISTS.items()]
    return render_template("qa/word_lists.html", lists=lists, word_form=forms.WordForm(),
                           may_edit=policy.can_edit_word_lists(current_user))


def _checked_form(form: HplearnForm) -> HplearnForm:
    if not form.validate():
        abort(400, description="表单已过期，请刷新页面后重试。")
    return form


@bp.post("/word-lists")
def add_word():
    """A district admin adds a word to one list."""
    form = _checked_form(forms.WordForm())
    try:
        entry = wordlists.add_word(current_user, form.list_name.data, form.word.data)
    except services.InvalidQuestion as error:
        flash(str(error), "error")
    else:
        flash(f"已把“{entry.word}”加入{WORD_LISTS[entry.list_name][:3]}。", "info")
    return redirect(url_for("qa.word_lists"))


@bp.post("/word-lists/<int:entry_id>/delete")
def remove_word(entry_id):
    """A district admin removes a word added here."""
    _checked_form(HplearnForm())
    word = wordlists.remove_word(current_user, entry_id)
    flash(f"已删除“{word}”。", "info")
    return redirect(url_for("qa.word_lists"))
