#!/usr/bin/env bash
# `npm test`: every suite. A suite whose real component is missing skips loudly; with CI=true it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

# The Debian images the suites import are made in the background (their rootfs tarballs, by
# content hash) while dependencies, lint, types and the first tests run; a suite that needs
# one waits on its lock instead of building it. (`cell` needs a Next build: its suite makes it.)
export PIC_IMAGE_CACHE="${PIC_IMAGE_CACHE:-${TMPDIR:-/tmp}/pic-image-cache}"
if command -v mmdebstrap >/dev/null 2>&1; then
  mkdir -p "$PIC_IMAGE_CACHE"
  (bash docker/debian/build-images.sh --rootfs-only coredns-standin radicale webdav mail wireguard caddy chrony dnsmasq \
    >"$PIC_IMAGE_CACHE/prebuild.log" 2>&1 || echo "prebuild failed: the suites build what they need" >>"$PIC_IMAGE_CACHE/prebuild.log") &
  prebuild=$!
  trap 'kill "$prebuild" 2>/dev/null || true' EXIT
fi

ensure_deps

echo "==> lint (ESLint: cycles and layers; Prettier) and typecheck, side by side"
types_log="$(mktemp)"
./node_modules/.bin/tsc --noEmit >"$types_log" 2>&1 &
types=$!
./node_modules/.bin/eslint .
./node_modules/.bin/prettier --check . >/dev/null || { ./node_modules/.bin/prettier --check .; exit 1; }
wait "$types" || { echo "==> typecheck failed"; cat "$types_log"; exit 1; }
rm -f "$types_log"

# Built once, before the tests: the production suite's server image copies this build, and the
# end-to-end cells serve it. (Its types were checked above.)
PIC_TYPES_CHECKED=1 ensure_build

# The integration suites wait on daemons, engines and image builds, one at a time (they share
# the host's namespaces and ports); the unit and router suites need the CPU: the two run side by side.
echo "==> unit and router tests (vitest), beside the integration tests (vitest, one file at a time)"
unit_log="$(mktemp)"
./node_modules/.bin/vitest run tests/unit >"$unit_log" 2>&1 &
unit=$!
trap 'kill "$unit" "${prebuild:-}" 2>/dev/null || true' EXIT
integration=0
./node_modules/.bin/vitest run tests/integration || integration=$?
units=0
wait "$unit" || units=$?
echo "==> unit and router tests (vitest)"
cat "$unit_log" && rm -f "$unit_log"
[ "$integration" = 0 ] || { echo "==> integration tests failed" >&2; exit 1; }
[ "$units" = 0 ] || { echo "==> unit and router tests failed" >&2; exit 1; }

chromium="${PIC_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: end-to-end suite needs Chromium at $chromium (apt-get install chromium)" >&2
    exit 1
  fi
  echo "!!! SKIPPING end-to-end suite: no Chromium at $chromium (apt-get install chromium) !!!" >&2
  exit 0
fi
echo "==> HTTP and end-to-end tests (Playwright)"
./node_modules/.bin/playwright test
