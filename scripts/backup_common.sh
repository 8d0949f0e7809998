# Shared by scripts/backup.sh and scripts/restore.sh (sourced, not run).
PYTHON="${PYTHON:-python3}"

fail() { echo "error: $*" >&2; exit 1; }

# Sets database_url and media_dir from the site's own configuration.
locate_site() {
  local answer
  answer="$("$PYTHON" -m hplearn backup-paths)" || fail "cannot read the hplearn configuration"
  database_url="$(sed -n 1p <<<"$answer")"
  media_dir="$(sed -n 2p <<<"$answer")"
}

# psql and pg_dump take postgresql://, not SQLAlchemy's postgresql+psycopg://.
libpq_url() { sed -E 's#^postgres(ql)?(\+[a-z0-9]+)?://#postgresql://#' <<<"$1"; }

sqlite_path() { echo "${1#sqlite:///}"; }

after_restore() {
  "$PYTHON" -m hplearn reindex
  "$PYTHON" -m hplearn cache-clear
}
