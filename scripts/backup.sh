#!/usr/bin/env bash
# Back up hplearn's database and media files into a new folder under DEST.
#
#   scripts/backup.sh DEST
#
# Reads the same settings as the site (HPLEARN_INSTANCE, HPLEARN_DATABASE_URL, hplearn.cfg):
# PostgreSQL is dumped with pg_dump (custom format), SQLite copied with sqlite3 .backup (safe
# while the site runs); the media folder goes into media.tar.gz. Prints the folder it wrote.
# Run it with the Python that has hplearn installed (PYTHON=/srv/hplearn/venv/bin/python).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/backup_common.sh
source "$here/backup_common.sh"

[[ $# -eq 1 ]] || fail "usage: scripts/backup.sh DEST"
locate_site
target="$1/hplearn-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$target"
trap 'rm -rf "$target"; fail "backup failed; nothing kept in $target"' ERR

case "$database_url" in
  postgresql*)
    pg_dump --format=custom --no-owner --no-privileges --file="$target/database.pgdump" \
      "$(libpq_url "$database_url")"
    ;;
  sqlite:///*)
    sqlite3 "$(sqlite_path "$database_url")" ".backup '$target/database.sqlite3'"
    ;;
  *) fail "cannot back up database $database_url" ;;
esac

if [[ -d "$media_dir" ]]; then
  tar -C "$media_dir" -czf "$target/media.tar.gz" .
else
  tar -czf "$target/media.tar.gz" -T /dev/null
fi

(cd "$target" && sha256sum database.* media.tar.gz > SHA256SUMS)
trap - ERR
echo "$target"
