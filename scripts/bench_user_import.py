"""Time a CSV import of ROWS student accounts (one scrypt hash each) on a throw-away SQLite app.

Usage: python scripts/bench_user_import.py [ROWS]   (default 300, the per-file maximum)
"""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hplearn.accounts import services
from hplearn.app import create_app
from hplearn.extensions import db


def main(rows: int) -> None:
    """Create a school and an admin, import `rows` students, print the timing."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({
            "INSTANCE_PATH": folder, "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        })
        with app.app_context():
            db.create_all()
            school = services.create_school("bench", "基准测试学校")
            admin = services.create_user("bench.admin", "school_admin", "bench-pass-1",
                                         school=school)
            text = "username,role,grade,class\n" + "".join(
                f"kid{n:04d},student,{n % 6 + 1},{n % 8 + 1}班\n" for n in range(rows))
            started = time.perf_counter()
            created = services.import_users(admin, school, text)
            elapsed = time.perf_counter() - started
            db.engine.dispose()
    print(f"imported {len(created)} accounts in {elapsed:.1f} s "
          f"({elapsed / max(1, len(created)) * 1000:.0f} ms per account)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else services.MAX_IMPORT_ROWS)
