"""A web worker does not load what only rare jobs need (memory: issue 16 item 6)."""

import subprocess
import sys

from tests.servers import ROOT, server_environment

PROBE = """
import sys
from hplearn.app import create_app
app = create_app()
client = app.test_client()
for path in ("/", "/afterschool/", "/browse?grade=8", "/search?q=shuxue"):
    assert client.get(path).status_code == 200, path
heavy = ("scipy", "pypinyin", "jieba", "alembic", "PIL")
print(" ".join(sorted(m for m in heavy if m in sys.modules)))
"""


def test_serving_pages_loads_neither_scipy_nor_pypinyin_nor_jieba(tmp_path):
    # numpy (~7 MB) is loaded: the Whoosh ranking sums scores with it (a Python loop over the
    # matches was most of a search's time). scipy (the after-school allocation's solver) is not.
    # jieba itself (its HMM tables and pkg_resources, ~13 MB) is not needed: hplearn.chinese
    # tokenizes over a mapped copy of its dictionary; Flask-Migrate (Alembic, Mako, Pygments,
    # ~11 MB) only in `hplearn init` and `hplearn db …`; Pillow (~7 MB) with the first photo.
    env = server_environment(tmp_path / "instance", SECRET_KEY="weight")
    subprocess.run([sys.executable, "-m", "hplearn", "init"], env=env, cwd=ROOT, check=True,
                   capture_output=True, timeout=180)
    probe = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, text=True,
                           capture_output=True, timeout=180)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert probe.stdout.strip() == ""
