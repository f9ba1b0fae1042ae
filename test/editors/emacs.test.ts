// Emacs + Eglot against the bundled server (test/editors/check.el).
// CI installs emacs-nox and elpa-eglot (.ci/run); elsewhere it skips without them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const hasEmacs = spawnSync('emacs', ['--version'], { encoding: 'utf8' }).status === 0;

test('Emacs + Eglot: diagnostics, hover, code lenses and Step through the real server', { skip: !hasEmacs && !process.env['CI'] ? 'emacs is not installed' : false }, () => {
  assert.ok(hasEmacs, 'CI must have emacs (apt-get install emacs-nox elpa-eglot in .ci/run)');
  // Not -Q: Debian's site-start puts elpa-eglot on the load path.
  const r = spawnSync('emacs', ['--batch', '-l', join(root, 'test', 'editors', 'check.el')], {
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, IRQD_SERVER: join(root, 'dist', 'server.js'), IRQD_FILE: join(root, 'test', 'editors', 'scenario.irqd') },
  });
  assert.equal(r.status, 0, `emacs exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /ok: Step moved the lenses/);
  assert.doesNotMatch(r.stdout + r.stderr, /unsupported capability/);
});
