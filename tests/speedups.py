"""Work every test app repeats, done once per test process. Nothing here changes what an app does.

A test builds a new app (most tests do, some several): in create_app, Werkzeug compiles two Python
functions for each of the ~90 URL rules (about 30 ms of the 36 an app takes), and every template
is compiled again on first use (about 10 ms a page). The rules and templates are the same in every
test app, so:
- URL builders are compiled once per (rule, its parts, its defaults) and shared between apps;
- templates share one in-memory Jinja bytecode cache; Jinja checks each entry against the source's
  checksum, so an edited template is compiled afresh.
"""

from __future__ import annotations

import jinja2
from flask import Flask
from werkzeug.routing.rules import Rule


class SharedTemplateCode(jinja2.BytecodeCache):
    """Compiled templates, in memory, for every app of this process."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # (ignored when the source's checksum differs)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


def _share_url_builders() -> None:
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "shared", False):
        return
    builders: dict[tuple, object] = {}

    def shared_compile_builder(self, append_unknown: bool = True):
        # The builder is made from these alone (the rule's converters are read through `self`
        # when it runs); it is bound to each rule afterwards.
        key = (self.rule, tuple(self._trace), append_unknown,
               repr(sorted((self.defaults or {}).items())))
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    shared_compile_builder.shared = True
    Rule._compile_builder = shared_compile_builder


def _share_template_code() -> None:
    create_jinja_environment = Flask.create_jinja_environment
    if getattr(create_jinja_environment, "shared", False):
        return

    def with_shared_code(self):
        environment = create_jinja_environment(self)
        environment.bytecode_cache = TEMPLATE_CODE
        return environment

    with_shared_code.shared = True
    Flask.create_jinja_environment = with_shared_code


def install() -> None:
    """Share URL builders and compiled templates between the apps of this process."""
    _share_url_builders()
    _share_template_code()
