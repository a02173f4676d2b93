#!/usr/bin/env bash
# `npm start`: install, build and serve the cell (data in $PIC_DATA_DIR, default ./data; port $PORT, default 3000).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_deps
ensure_build
exec ./node_modules/.bin/next start -p "${PORT:-3000}"
