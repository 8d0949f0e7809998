"""A killed importer's Whoosh writer processes do not keep the index locked."""

import signal
import subprocess
import sys
import textwrap

import pytest
from whoosh import index

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")

CHILD = textwrap.dedent("""
    import sys, time
    from whoosh import index
    from whoosh.fields import ID, TEXT, Schema
    import hplearn.search.backends.whoosh.writer  # noqa: F401  (installs the hook)
    ix = index.create_in(sys.argv[1], Schema(key=ID(stored=True), body=TEXT))
    writer = ix.writer(procs=2, multisegment=True)
    for number in range(200):
        writer.add_document(key=str(number), body=f"hello {number}")
    print("writing", flush=True)
    time.sleep(120)
""")


def test_writer_processes_of_a_killed_importer_release_the_lock(tmp_path):
    folder = tmp_path / "index"
    folder.mkdir()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
    writer = index.open_dir(folder).writer(timeout=20)  # LockError here if orphans hold it
    writer.cancel()  # taken: the orphans died with their parent
