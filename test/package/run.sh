#!/usr/bin/env bash
# Pack bertvision, install the tarball into a fresh downstream project (with @tensorflow/tfjs as its peer), and use
# it from ESM, CommonJS and the `bertvision` bin, the way users' projects and their unit tests do.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$repo" && npm pack --silent --pack-destination "$work" > /dev/null)
cd "$work"
npm init -y > /dev/null
npm install --silent --prefer-offline --no-audit --no-fund ./bertvision-*.tgz @tensorflow/tfjs@4.22.0
cp "$repo/test/package/esm.mjs" "$repo/test/package/cjs.cjs" .
node esm.mjs
node cjs.cjs "$repo"
npx bertvision inspect "$repo/data/minilm/cls-eval-200q.h5" --json | node -e 'const r = JSON.parse(require("node:fs").readFileSync(0, "utf8")); if (r.examples !== 200) process.exit(1); console.log("bin: ok")'
