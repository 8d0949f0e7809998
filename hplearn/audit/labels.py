"""Chinese words for the audit log: each feature names its own actions, objects and fields.

    from hplearn.audit import labels
    labels.register(app, actions={"resource.publish": "发布资源"}, objects={"resource": "资源"},
                    fields={"title": "标题"}, values={"kind": {"video": "视频"}})

The log stores stable codes (scripts and district systems read them); people read the words.
A code nobody named is shown as it is, so a new action is never hidden.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, current_app

EXTENSION = "hplearn_audit_labels"

# Words every feature's details share; features add their own.
COMMON_FIELDS = {
    "title": "标题", "name": "名称", "school": "学校", "school_id": "学校", "username": "用户名",
    "role": "角色", "grade": "年级", "count": "数量", "fields": "修改的项目", "term": "学期",
    "reason": "原因", "kind": "类型", "before": "修改前", "after": "修改后", "id": "编号",
}


def init_app(app: Flask) -> None:
    """Start the app's label tables with the shared field words."""
    app.extensions[EXTENSION] = {"actions": {}, "objects": {}, "fields": dict(COMMON_FIELDS),
                                 "values": {}}


def register(app: Flask, *, actions: Mapping[str, str] = (), objects: Mapping[str, str] = (),
             fields: Mapping[str, str] = (), values: Mapping[str, Mapping[str, str]] = ()) -> None:
    """Add a feature's Chinese words for its audit actions, object types, detail fields and
    coded detail values (values: field → {code: word})."""
    tables = app.extensions[EXTENSION]
    for table, words in (("actions", actions), ("objects", objects), ("fields", fields)):
        tables[table].update(dict(words))
    for name, words in dict(values).items():
        tables["values"].setdefault(name, {}).update(words)


def _word(table: str, code) -> str:
    text = "" if code is None else str(code)
    return current_app.extensions[EXTENSION][table].get(text, text)


def action(code: str) -> str:
    """The Chinese name of an action code, or the code itself if no feature named it."""
    return _word("actions", code)


def object_type(code: str) -> str:
    """The Chinese name of an object type."""
    return _word("objects", code)


def field(code: str) -> str:
    """The Chinese name of a detail field."""
    return _word("fields", code)


def detail_value(key: str, value) -> str:
    """A detail's value as text: lists joined with 、, field lists in Chinese, mappings as a=b."""
    if isinstance(value, Mapping):
        return "；".join(f"{field(name)}={detail_value(name, item)}" for name, item in value.items())
    if isinstance(value, list | tuple | set):
        items = [field(item) if key == "fields" else detail_value(key, item) for item in value]
        return "、".join(items)
    if isinstance(value, bool):
        return "是" if value else "否"
    text = "" if value is None else str(value)
    return current_app.extensions[EXTENSION]["values"].get(key, {}).get(text, text)
