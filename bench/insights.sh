#!/usr/bin/env bash
# Baton's insights engine against the same metrics as DuckDB SQL, over the same generated data,
# in one run: bench/insights.sh [messages] [more run.py options]. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
messages="${1:-1000000}"
shift || true
exec python3 bench/insights/run.py --messages "$messages" "$@"
