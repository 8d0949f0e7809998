"""Settings, each declared once: name, type, default and meaning.

The core and every feature declare their settings in a table of `Setting` rows and hand it to
`declare(app, rows)` from their `init_app`. A value is read in three layers, a later one
overriding an earlier one:

1. the declared default;
2. the instance folder's `hplearn.cfg` (Python syntax: `PER_PAGE = 30`);
3. the environment, `HPLEARN_<NAME>` (text parsed by the declared type; a dict setting also takes
   one key at a time as `HPLEARN_<NAME>__<key>`).

The app factory's own `config` argument (tests) overrides all three. Each value is checked once,
when it is declared at start-up; a bad one raises ConfigError with one line naming the setting
and what it should be. The README's settings table is generated from these rows
(`hplearn settings --markdown`), and a test keeps the two equal.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "HPLEARN_"
EXTENSION = "hplearn_settings"
KINDS = ("str", "int", "float", "bool", "list", "dict")
# HPLEARN_* variables that are not app settings: read by the instance lookup, gunicorn.conf.py,
# the test suite and the benchmark scripts.
OTHER_VARIABLES = ("INSTANCE", "BIND", "WORKERS", "THREADS", "TIMEOUT", "ACCESS_LOG")
OTHER_PREFIXES = ("TEST_", "BENCH_", "FAULT_")
# Settings of Flask and its extensions an operator may set as HPLEARN_* without a warning.
FLASK_SETTINGS = ("SESSION_COOKIE_DOMAIN", "SESSION_COOKIE_NAME", "PREFERRED_URL_SCHEME",
                  "RATELIMIT_ENABLED", "RATELIMIT_STORAGE_URI", "SERVER_NAME")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")

log = logging.getLogger(__name__)


class ConfigError(ValueError):
    """A setting hplearn cannot work with; the message names the setting and the fix."""


@dataclass(frozen=True)
class Setting:
    """One setting: how it is named, typed and checked, and what it means (for the README).

    kind: one of KINDS. optional: None is allowed (and is then the "not set" value).
    positive: a number above zero. minimum: the smallest number allowed. choices: the allowed
    values.
    check: more checks; raises ValueError with what is wrong (English, for operators).
    default_text: the default as the README shows it, when the declared one is computed.
    secret: never printed by `hplearn settings`.
    """

    name: str
    kind: str
    default: Any
    meaning: str
    optional: bool = False
    positive: bool = False
    minimum: float | None = None
    choices: tuple = ()
    check: Callable[[Any], None] | None = None
    default_text: str | None = None
    secret: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"setting {self.name}: unknown kind {self.kind!r}")


class Sources:
    """What the operator wrote: the instance file, the environment and the factory's overrides."""

    def __init__(self, instance_path: str, overrides: dict | None, environ=None):
        self.file = _read_instance_file(Path(instance_path) / "hplearn.cfg")
        self.environ = dict(os.environ if environ is None else environ)
        self.overrides = dict(overrides or {})
        self.declared: dict[str, Setting] = {}
        self.owner: dict[str, str] = {}


def start(app, overrides: dict | None) -> Sources:
    """Read the operator's sources once, before anything is declared."""
    sources = Sources(app.instance_path, overrides)
    app.extensions[EXTENSION] = sources
    return sources


def declare(app, rows: Iterable[Setting], owner: str = "") -> None:
    """Declare settings and put their checked values in app.config (raise ConfigError)."""
    sources: Sources = app.extensions[EXTENSION]
    for setting in rows:
        if setting.name in sources.declared:
            raise ValueError(f"setting {setting.name} is declared twice")
        sources.declared[setting.name] = setting
        sources.owner[setting.name] = owner
        app.config[setting.name] = _value(setting, sources)


def pass_on_undeclared(app) -> None:
    """Put the operator's values for settings hplearn does not declare into app.config.

    Settings of Flask and its extensions (TESTING, SESSION_COOKIE_DOMAIN, RATELIMIT_ENABLED, ...)
    are read from there as the extensions start, before every feature has declared its own;
    a feature's declaration later replaces the raw value with the checked one.
    """
    sources: Sources = app.extensions[EXTENSION]
    for name, value in sources.file.items():
        if name not in sources.declared:
            app.config[name] = value
    for variable, text in sources.environ.items():
        name = variable[len(ENV_PREFIX):]
        if variable.startswith(ENV_PREFIX) and not _is_other_variable(name) and "__" not in name \
                and name not in sources.declared:
            app.config[name] = _parse_loose(text)
    for name, value in sources.overrides.items():
        if name not in sources.declared:
            app.config[name] = value


def finish(app) -> None:
    """After every feature declared its settings: warn about HPLEARN_* variables nobody reads."""
    sources: Sources = app.extensions[EXTENSION]
    for variable in sorted(sources.environ):
        name = variable[len(ENV_PREFIX):]
        if not variable.startswith(ENV_PREFIX) or _is_other_variable(name):
            continue
        if name.split("__", 1)[0] not in sources.declared and name not in FLASK_SETTINGS:
            log.warning("%s is not a setting of hplearn; check its spelling", variable)


def declared(app) -> list[tuple[str, Setting]]:
    """(owner, setting) for every declared setting, in declaration order."""
    sources: Sources = app.extensions[EXTENSION]
    return [(sources.owner[name], setting) for name, setting in sources.declared.items()]


def markdown_table(app) -> str:
    """The settings table of the README: variable, meaning, default."""
    lines = ["| variable | meaning | default |", "|---|---|---|"]
    for _owner, setting in declared(app):
        lines.append(f"| `{ENV_PREFIX}{setting.name}` | {setting.meaning} | {_default_text(setting)} |")
    return "\n".join(lines)


def _default_text(setting: Setting) -> str:
    if setting.default_text is not None:
        return setting.default_text
    if setting.default is None or setting.default == "":
        return "not set"
    if setting.kind in ("list", "dict"):
        return f"`{json.dumps(setting.default, ensure_ascii=False)}`"
    if setting.kind == "bool":
        return "`true`" if setting.default else "`false`"
    return f"`{setting.default}`"


# --- reading and checking -------------------------------------------------------------------


def _read_instance_file(path: Path) -> dict:
    if not path.is_file():
        return {}
    namespace: dict = {"__file__": str(path)}
    try:
        code = compile(path.read_bytes(), str(path), "exec")
        exec(code, namespace)  # the operator's own configuration file, as Flask's from_pyfile
    except Exception as error:  # noqa: BLE001 - any mistake in the file is reported the same way
        raise ConfigError(f"cannot read {path}: {type(error).__name__}: {error}") from None
    return {key: value for key, value in namespace.items() if key.isupper()}


def _is_other_variable(name: str) -> bool:
    return name in OTHER_VARIABLES or name.startswith(OTHER_PREFIXES)


def _value(setting: Setting, sources: Sources) -> Any:
    value = _copy(setting.default)
    if setting.name in sources.file:
        value = _merged(setting, value, sources.file[setting.name])
    variable = ENV_PREFIX + setting.name
    if variable in sources.environ:
        value = _merged(setting, value, _parse(setting, sources.environ[variable]))
    if setting.kind == "dict":
        value = _with_env_keys(setting, value, sources.environ)
    if setting.name in sources.overrides:
        value = _merged(setting, value, sources.overrides[setting.name])
    _check(setting, value)
    return value


def _copy(value):
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def _merged(setting: Setting, current, new):
    # A dict setting given in part keeps the defaults of the keys it does not name.
    if setting.kind == "dict" and isinstance(current, dict) and isinstance(new, dict):
        return {**current, **new}
    return new


def _with_env_keys(setting: Setting, value, environ: dict):
    prefix = f"{ENV_PREFIX}{setting.name}__"
    for variable, text in environ.items():
        if variable.startswith(prefix) and isinstance(value, dict):
            value = {**value, variable[len(prefix):]: _parse_loose(text)}
    return value


def _parse(setting: Setting, text: str):
    """The value of an environment variable, read as the setting's kind."""
    text = text.strip() if setting.kind != "str" else text
    if setting.optional and text.strip().lower() in ("", "none", "null"):
        return None
    try:
        if setting.kind == "str":
            return text
        if setting.kind == "int":
            return int(text)
        if setting.kind == "float":
            return float(text)
        if setting.kind == "bool":
            return _parse_bool(text)
        return json.loads(text)
    except ValueError:
        raise ConfigError(f"{setting.name} must be {_describe(setting)}, not {text!r}") from None


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(text)


def _parse_loose(text: str):
    """An undeclared value: JSON when it parses (numbers, true), else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


_PYTHON_TYPES = {
    "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
    "list": (list, tuple), "dict": (dict,),
}


def _describe(setting: Setting) -> str:
    words = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true or false",
             "list": "a JSON list", "dict": "a JSON object"}[setting.kind]
    if setting.choices:
        words = "one of " + ", ".join(str(choice) for choice in setting.choices)
    elif setting.positive:
        words = "a positive number"
    elif setting.minimum is not None:
        words += f" of at least {setting.minimum:g}"
    return words + (" (or unset)" if setting.optional else "")


def _check(setting: Setting, value) -> None:
    if value is None and setting.optional:
        return
    is_bool = isinstance(value, bool)
    wrong_type = not isinstance(value, _PYTHON_TYPES[setting.kind]) or (
        is_bool and setting.kind in ("int", "float")
    )
    out_of_range = not wrong_type and (
        (setting.minimum is not None and value < setting.minimum)
        or (setting.positive and value <= 0)
    )
    not_a_choice = not wrong_type and setting.choices and value not in setting.choices
    if wrong_type or out_of_range or not_a_choice:
        raise ConfigError(f"{setting.name} must be {_describe(setting)}, not {value!r}")
    if setting.check is not None:
        try:
            setting.check(value)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"{setting.name}: {error}") from None
