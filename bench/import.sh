#!/usr/bin/env bash
# Baton's Slack importer against serde_json alone on the same files, then a whole import into a
# fresh data directory, and into a fresh PostgreSQL database (BATON_BENCH_POSTGRES, default
# postgres://postgres@127.0.0.1:5432; skipped when none answers): bench/import.sh [messages].
# See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
messages="${1:-200000}"
cargo build --release --quiet -p baton-bench-import -p baton
dir=target/bench-import
./target/release/import-bench --messages "$messages" --dir "$dir"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
start=$(date +%s.%N)
./target/release/baton import slack "$dir/slack-$messages" --data-dir "$data" > /dev/null
end=$(date +%s.%N)
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'whole import into SQLite: {s:.1f} s, {int(sys.argv[3])/s:,.0f} messages/s')" "$start" "$end" "$messages"
server=${BATON_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
if psql "$server/postgres" -qc "DROP DATABASE IF EXISTS baton_bench_import WITH (FORCE)" -c "CREATE DATABASE baton_bench_import" 2>/dev/null; then
  pgdata=$(mktemp -d)
  trap 'rm -rf "$data" "$pgdata"; psql "$server/postgres" -qc "DROP DATABASE IF EXISTS baton_bench_import WITH (FORCE)"' EXIT
  start=$(date +%s.%N)
  ./target/release/baton import slack "$dir/slack-$messages" --data-dir "$pgdata" --database "$server/baton_bench_import" > /dev/null
  end=$(date +%s.%N)
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'whole import into PostgreSQL: {s:.1f} s, {int(sys.argv[3])/s:,.0f} messages/s')" "$start" "$end" "$messages"
else
  echo "no PostgreSQL at $server: the import into PostgreSQL is skipped"
fi
