#!/usr/bin/env bash
# Sustained acknowledged message posts per second through HTTP, on SQLite and on PostgreSQL side
# by side in one run: one writer, then 32 concurrent writers, against a release build of
# `baton serve` on a fresh workspace of each backend.
# Usage: bench/posts.sh [seconds per run] [backends]   (default 10, "sqlite postgres")
# PostgreSQL is BATON_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432); a database
# baton_bench_posts is made there for the run and dropped after it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
backends=${2:-sqlite postgres}
server=${BATON_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
cargo build --release -q -p baton -p baton-loadgen
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%F); baton serve and the load generator share it"
pid=
data=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$data" ] && rm -rf "$data"
  psql "$server/postgres" -qc "DROP DATABASE IF EXISTS baton_bench_posts WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for backend in $backends; do
  data=$(mktemp -d)
  args=()
  if [ "$backend" = postgres ]; then
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS baton_bench_posts WITH (FORCE)" -c "CREATE DATABASE baton_bench_posts"
    args=(--database "$server/baton_bench_posts")
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  ./target/release/baton serve --data-dir "$data" --listen "127.0.0.1:$port" "${args[@]}" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  echo "== $backend"
  # A fresh server asks whoever sets it up for the token it wrote to the data directory.
  for writers in 1 32; do
    ./target/release/baton-loadgen --url "http://127.0.0.1:$port" --writers "$writers" --seconds "$seconds" \
      --setup-token-file "$data/setup-token"
  done
  cleanup
  pid=
  data=
done
