#!/usr/bin/env bash
# npm run test:e2e: irqd in a real VS Code (code-server + headless Chromium).
# Installs code-server and Chromium if needed, builds and packages, then runs
# the extension integration tests, the UI smoke test on the installed .vsix
# (screenshots in test-results/ui/) and the harness self-test.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/e2e/install-code-server.sh
node scripts/package.mjs >/dev/null
node scripts/build.mjs --tests >/dev/null
echo "== VS Code extension tests (code-server)"
node scripts/e2e/run-vscode.mjs tests 2>&1 | grep -E '^\[(e2e|vscode info)\] ' | grep -E 'ok -|passed|exit|FAILED'
echo "== VS Code UI smoke test"
node scripts/e2e/run-vscode.mjs ui 2>&1 | grep -E '^\[e2e'
echo "== harness self-test (a deliberately broken build must fail)"
node scripts/e2e/harness-selftest.mjs
