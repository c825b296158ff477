#!/usr/bin/env bash
# The big-workspace benchmark (issue 14): generates a workspace of N messages once (kept under
# $BATON_BENCH_PAGES_DIR, default /tmp/baton-bench-pages, and reused by later runs), then starts
# `baton serve` on it and measures pages, search, the live path and insights under load.
# Usage: bench/pages.sh [messages] [sqlite|postgres] [extra `bench-pages run` arguments...]
# PostgreSQL is BATON_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432); the workspace
# goes to a database baton_bench_pages_<messages>, kept for later runs (drop it by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-10000000}
backend=${2:-sqlite}
shift $(( $# < 2 ? $# : 2 ))
server=${BATON_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
root=${BATON_BENCH_PAGES_DIR:-/tmp/baton-bench-pages}
data="$root/m$messages-$backend"
cargo build --release -q -p baton -p baton-bench-pages
echo "machine: $(nproc) cores, $(uname -m), $(free -g | awk '/Mem:/ {print $2}') GiB, $(date -u +%F); server and load generator share it"
args=()
if [ "$backend" = postgres ]; then
  db="baton_bench_pages_$messages"
  args=(--database "$server/$db")
fi
if [ ! -f "$data/bench-pages.json" ]; then
  rm -rf "$data"
  mkdir -p "$data"
  if [ "$backend" = postgres ]; then
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  fi
  echo "== generating $messages messages ($backend)"
  /usr/bin/time -f "generator: %e s wall, %U s user, peak RSS %M KiB" \
    ./target/release/bench-pages gen --messages "$messages" --data-dir "$data" "${args[@]}"
fi
if [ "$backend" = postgres ]; then
  echo "database size: $(psql -tA "$server/$db" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
else
  echo "database size: $(du -sh "$data" | cut -f1) ($(ls -la "$data" | awk '/baton.db/ {print $9 ": " $5}' | paste -sd ' '))"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
./target/release/baton serve --data-dir "$data" --listen "127.0.0.1:$port" "${args[@]}" >"$data/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
./target/release/bench-pages run --url "http://127.0.0.1:$port" --manifest "$data/bench-pages.json" --pid "$pid" "$@"
