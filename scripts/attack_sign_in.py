"""Attack the sign-in the way issue 11 (item 5) describes, and count what gets through.

Builds a throw-away SQLite instance with one school, runs each attack through the Flask test
client (no network, the real settings' defaults, rate limits on) and prints a table. Usage:

    python scripts/attack_sign_in.py

A: an attacker sends 30 wrong passwords for one account; then its owner signs in from home.
B: 50 mistyped passwords from a school's one NAT address; then 40 pupils sign in from it.
C: an attacker sprays 350 accounts with one password from one address.
D: 120 wrong passwords for one account behind one real proxy, each with a forged
   X-Forwarded-For in front of the address the proxy appends.
   D2: the same forged headers while spraying 350 accounts.
E: the same with HPLEARN_PROXY_COUNT=1 but no proxy (a misconfiguration): the forged address
   is believed; whether a warning reaches the log. E2: spraying 120 accounts so.
The account slow-down's wait in the server is set to 0 here (it is counted, not slept).
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hplearn.accounts import services
from hplearn.app import create_app
from hplearn.extensions import db

PASSWORD = "right-pass-2024"
WRONG = "wrong-pass-2024"
PUPILS = 60


def build_app(instance: Path, **config):
    """An app over a fresh SQLite database with one school and PUPILS students."""
    instance.mkdir(parents=True)
    app = create_app({
        "INSTANCE_PATH": str(instance), "SECRET_KEY": "attack", "WTF_CSRF_ENABLED": False,
        "DATABASE_URL": f"sqlite:///{instance / 'attack.sqlite3'}", "RATELIMIT_ENABLED": True,
        "LOGIN_ACCOUNT_DELAY_SECONDS": 0, "STATS_BACKGROUND_FLUSH": False, **config,
    })
    with app.app_context():
        db.create_all()
        school = services.create_school("hp001", "和平区第一小学")
        for number in range(PUPILS):
            services.create_user(f"stu{number}", "student", PASSWORD, school=school, grade=7)
    return app


def sign_in(app, username, password, address, forwarded=None) -> int:
    """The status of one sign-in form post from address (and X-Forwarded-For, if given)."""
    environ = {"REMOTE_ADDR": address}
    if forwarded:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    response = app.test_client().post(
        "/auth/login", data={"username": username, "password": password}, environ_base=environ)
    return response.status_code


def count_slowdowns() -> Counter:
    """Count the account slow-down's waits (where the branch has one)."""
    counted = Counter()
    try:
        from hplearn.accounts.services import throttle
    except ImportError:
        return counted
    throttle._sleep = lambda seconds: counted.update(["slowed"])
    return counted


def checked(statuses) -> str:
    """How many attempts had their password checked (422) and how many were refused (429)."""
    tally = Counter(statuses)
    return f"{tally[422]} checked, {tally[429]} refused"


def attacks(folder: Path) -> list[tuple[str, str]]:
    """Run A–E; (attack, outcome) rows."""
    rows = []
    slowed = count_slowdowns()
    app = build_app(folder / "plain")
    guesses = [sign_in(app, "stu1", WRONG, "203.0.113.10") for _ in range(30)]
    owner = sign_in(app, "stu1", PASSWORD, "198.51.100.20")
    rows.append(("A 30 wrong passwords, then the owner from home",
                 f"attacker: {checked(guesses)}; owner: {owner} ({_meaning(owner)})"))
    mistyped = [sign_in(app, f"stu{n % 25 + 10}", WRONG, "10.20.0.1") for n in range(50)]
    pupils = [sign_in(app, f"stu{n + 10}", PASSWORD, "10.20.0.1") for n in range(40)]
    rows.append(("B 50 mistypes from a school's address, then 40 pupils",
                 f"mistypes: {checked(mistyped)}; pupils signed in: {pupils.count(302)} of 40"))
    spray = [sign_in(app, f"nobody{n}", WRONG, "203.0.113.50") for n in range(350)]
    rows.append(("C spraying 350 accounts from one address", checked(spray)))

    app = build_app(folder / "proxied", PROXY_COUNT=1)
    forged = [sign_in(app, "stu2", WRONG, "127.0.0.1", f"192.0.2.{n % 250}, 203.0.113.70")
              for n in range(120)]
    rows.append(("D 120 forged X-Forwarded-For behind one proxy", checked(forged)))
    sprayed = [sign_in(app, f"nobody{n}", WRONG, "127.0.0.1", f"192.0.2.{n % 250}, 203.0.113.71")
               for n in range(350)]
    rows.append(("D2 spraying 350 accounts so, behind one proxy", checked(sprayed)))

    app = build_app(folder / "misconfigured", PROXY_COUNT=1)
    log = _capture(app)
    before = slowed["slowed"]
    believed = [sign_in(app, "stu3", WRONG, "203.0.113.80", f"192.0.2.{n % 250}")
                for n in range(120)]
    sign_in(app, "stu3", PASSWORD, "198.51.100.30")  # a pupil reaching the server directly
    warned = any("PROXY_COUNT" in line for line in log)
    rows.append(("E 120 forged X-Forwarded-For, PROXY_COUNT=1 without a proxy",
                 f"{checked(believed)}; slowed: {slowed['slowed'] - before}; "
                 f"warning logged: {'yes' if warned else 'no'}"))
    sprayed = [sign_in(app, f"nobody{n}", WRONG, "203.0.113.81", f"192.0.2.{n % 250}")
               for n in range(120)]
    rows.append(("E2 spraying 120 accounts so, without a proxy", checked(sprayed)))
    return rows


def _meaning(status: int) -> str:
    return {302: "signed in", 429: "refused", 422: "wrong password"}.get(status, "?")


def _capture(app) -> list[str]:
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    app.logger.addHandler(Keep(logging.WARNING))
    return lines


def main() -> None:
    """Print the table."""
    logging.getLogger("flask-limiter").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="hplearn-attack-") as folder:
        rows = attacks(Path(folder))
    width = max(len(name) for name, _ in rows)
    for name, outcome in rows:
        print(f"{name.ljust(width)}  {outcome}")


if __name__ == "__main__":
    main()
