#!/usr/bin/env bash
# `npm run test:node22`: the build and the Node 22 test subset (vitest.node22.config.ts) under the
# Node 22 that `.ci/setup-system.sh --with-node22` put in .tools/node22, whatever Node is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${RELAY_TOOLS_DIR:-$PWD/.tools}/node22/bin"
if [ ! -x "$bin/node" ]; then
  echo "no Node 22 in $bin: run bash .ci/setup-system.sh --with-node22" >&2
  exit 1
fi
# First on PATH, so npm, the build and every `node` a test spawns run on Node 22 too.
export PATH="$bin:$PATH"
case "$(node --version)" in v22.*) ;; *) echo "expected Node 22, got $(node --version)" >&2; exit 1 ;; esac
echo "node $(node --version)"
npm run build --silent
exec node node_modules/vitest/vitest.mjs run --config vitest.node22.config.ts \
  --reporter=default --reporter=./test/support/summary-reporter.ts
