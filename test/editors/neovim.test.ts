// Neovim's built-in LSP client against the bundled server (test/editors/check.lua).
// CI installs neovim (.ci/run); a developer machine without it skips, CI never does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const hasNvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' }).status === 0;

test('Neovim: diagnostics, hover, code lenses and Step through the real server', { skip: !hasNvim && !process.env['CI'] ? 'nvim is not installed' : false }, () => {
  assert.ok(hasNvim, 'CI must have nvim (apt-get install neovim in .ci/run)');
  const r = spawnSync('nvim', ['--headless', '--clean', '-u', 'NONE', '-c', `luafile ${join(root, 'test', 'editors', 'check.lua')}`], {
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, IRQD_SERVER: join(root, 'dist', 'server.js'), IRQD_FILE: join(root, 'test', 'editors', 'scenario.irqd') },
  });
  assert.equal(r.status, 0, `nvim exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout + r.stderr, /ok: Step moved the lenses/);
});
