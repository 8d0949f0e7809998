"""Whoosh's segment files read in place from a buffer answer like the io.BytesIO they replace."""

import io
import pickle
import random

from hplearn.search.backends.whoosh.mapped import ViewFile


def test_view_file_reads_seeks_and_unpickles_like_bytes_io():
    rng = random.Random(3)
    data = pickle.dumps({"terms": list(range(500)), "name": "勾股定理"}) + rng.randbytes(5000)
    view, copy = ViewFile(memoryview(data)), io.BytesIO(data)
    assert pickle.load(view) == pickle.load(copy) and view.tell() == copy.tell()
    for _ in range(300):
        whence = rng.choice([io.SEEK_SET, io.SEEK_CUR, io.SEEK_END])
        base = {io.SEEK_SET: 0, io.SEEK_CUR: copy.tell(), io.SEEK_END: len(data)}[whence]
        offset = rng.randint(-base, 6000)
        assert view.seek(offset, whence) == copy.seek(offset, whence)
        size = rng.choice([-1, 0, 1, 7, 300, 10_000])
        assert view.read(size) == copy.read(size) and view.tell() == copy.tell()
    view.seek(10)
    target = bytearray(20)
    assert view.readinto(target) == 20 and bytes(target) == data[10:30]
    assert view.getvalue() == data
