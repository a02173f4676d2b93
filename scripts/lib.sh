# Shared by start.sh and the test runner: install and build only when something changed.

# better-sqlite3 compiles from source; point node-gyp at the system's Node headers when it cannot fetch them.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi

ensure_deps() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> installing dependencies (npm ci)"
    npm ci --no-fund --no-audit
  fi
}

# One build for everything: `next start` serves it, and its standalone output (.next/standalone)
# is what the server's image copies (docker/debian/build-images.sh), so nothing builds twice.
ensure_build() {
  if [ ! -f .next/standalone/server.js ] || [ ! -f .next/BUILD_ID ] ||
    [ -n "$(find src drizzle next.config.mjs package.json package-lock.json -newer .next/BUILD_ID -print -quit)" ]; then
    echo "==> building"
    PIC_STANDALONE=1 NEXT_TELEMETRY_DISABLED=1 ./node_modules/.bin/next build
  fi
}
