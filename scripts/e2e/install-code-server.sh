#!/usr/bin/env bash
# Installs code-server 4.100.3 (the newest on Node 20, VS Code 1.100.3) offline
# into .e2e/code-server inside the clone, following the recipe tried on this
# kind of machine (../shared/reference/real-clients.md §2c): the stock
# postinstall downloads ripgrep and fails offline, so it is done by hand.
# Idempotent: a finished install is left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=.e2e/code-server
VERSION=4.100.3
if [ -x "$DIR/node_modules/.bin/code-server" ] && [ -f "$DIR/.done" ]; then
  echo "code-server $VERSION already installed in $DIR"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  need=()
  command -v rg >/dev/null 2>&1 || need+=(ripgrep)
  [ -f /usr/include/krb5.h ] || [ -d /usr/include/krb5 ] || need+=(libkrb5-dev)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi
export NPM_CONFIG_NODEDIR=/usr npm_config_nodedir=/usr
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"name":"irqd-e2e-code-server","private":true}' > package.json
npm install --no-save "code-server@$VERSION" --ignore-scripts >/dev/null
npm rebuild argon2 >/dev/null
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts >/dev/null
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
# node-pty's own post-install errors after pty.node is built (it only writes compile_commands.json).
npm rebuild @vscode/spdlog node-pty native-watchdog @parcel/watcher @vscode/deviceid kerberos >/dev/null 2>&1 || true
[ -f node_modules/node-pty/build/Release/pty.node ] || { echo "node-pty did not build" >&2; exit 1; }
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev >/dev/null)
cd ../../../..
XDG_CONFIG_HOME="$PWD/xdg" XDG_DATA_HOME="$PWD/xdg" ./node_modules/.bin/code-server --version
touch .done
