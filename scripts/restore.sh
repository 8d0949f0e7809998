#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh over the site's database and media.
#
#   scripts/restore.sh BACKUP_FOLDER
#
# Stop the app servers first. The checksums are verified before anything is touched.
# PostgreSQL: the database named by HPLEARN_DATABASE_URL must exist (createdb); its tables are
# replaced. SQLite: the file is replaced. Media: unpacked beside the media folder, then swapped
# in, so a failed unpack leaves the old files. Afterwards the search index is rebuilt and the
# page cache emptied.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/backup_common.sh
source "$here/backup_common.sh"

[[ $# -eq 1 ]] || fail "usage: scripts/restore.sh BACKUP_FOLDER"
source_dir="$(cd "$1" && pwd)" || fail "no such folder: $1"
(cd "$source_dir" && sha256sum --quiet --check SHA256SUMS) || fail "checksums do not match"
locate_site

case "$database_url" in
  postgresql*)
    [[ -f "$source_dir/database.pgdump" ]] || fail "this backup holds no PostgreSQL dump"
    url="$(libpq_url "$database_url")"
    psql --quiet --no-psqlrc --set ON_ERROR_STOP=1 "$url" \
      -c "DROP SCHEMA IF EXISTS public CASCADE" -c "CREATE SCHEMA public"
    pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
      --dbname="$url" "$source_dir/database.pgdump"
    ;;
  sqlite:///*)
    [[ -f "$source_dir/database.sqlite3" ]] || fail "this backup holds no SQLite database"
    db_file="$(sqlite_path "$database_url")"
    mkdir -p "$(dirname "$db_file")"
    sqlite3 "$db_file" ".restore '$source_dir/database.sqlite3'"
    ;;
  *) fail "cannot restore database $database_url" ;;
esac

incoming="$media_dir.restoring"
rm -rf "$incoming" "$media_dir.old"
mkdir -p "$incoming"
tar -C "$incoming" -xzf "$source_dir/media.tar.gz"
if [[ -d "$media_dir" ]]; then mv "$media_dir" "$media_dir.old"; fi
mv "$incoming" "$media_dir"
rm -rf "$media_dir.old"

after_restore
echo "restored $source_dir"
