#!/usr/bin/env bash
# Sustained acknowledged message posts per second on SQLite, through HTTP: one writer, then 32
# concurrent writers, against a release build of `baton serve` on a fresh data directory.
# Usage: bench/posts.sh [seconds per run]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
cargo build --release -q -p baton -p baton-loadgen
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
./target/release/baton serve --data-dir "$data" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
# A fresh server asks whoever sets it up for the token it wrote to the data directory.
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%F); baton serve and the load generator share it"
for writers in 1 32; do
  ./target/release/baton-loadgen --url "http://127.0.0.1:$port" --writers "$writers" --seconds "$seconds" \
    --setup-token-file "$data/setup-token"
done
