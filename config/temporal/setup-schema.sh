#!/bin/sh
# One-shot job (temporalio/admin-tools): create Temporal's two PostgreSQL databases when missing and
# bring their schemas to the versions this admin-tools image ships. Safe to run on every
# `docker compose up`: existing databases are kept, and update-schema only applies newer versions.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
export SQL_PASSWORD
schema=/etc/temporal/schema/postgresql/v12

i=0
until nc -z -w 5 "$POSTGRES_SEEDS" 5432; do
  i=$((i + 1))
  if [ "$i" -ge 30 ]; then echo "setup-schema: PostgreSQL at $POSTGRES_SEEDS:5432 did not answer in 60 s" >&2; exit 1; fi
  sleep 2
done

# The same three calls Temporal's own (former) auto-setup made on every start: each is a no-op on a
# database that already has them.
for db in temporal temporal_visibility; do
  dir=temporal
  [ "$db" = temporal_visibility ] && dir=visibility
  sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p 5432 -u "$POSTGRES_USER" --db "$db" "$@"; }
  sql create
  sql setup-schema -v 0.0
  sql update-schema -d "$schema/$dir/versioned"
  echo "setup-schema: $db at the image's schema version"
done
