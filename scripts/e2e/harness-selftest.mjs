// Proves the VS Code harness fails when the extension is broken: a copy of
// the extension whose language server exits at once must make the
// integration tests exit non-zero. Run on a temporary copy, never on main.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('../..', import.meta.url).pathname);
const broken = mkdtempSync(join(root, '.e2e', 'broken-'));
try {
  for (const p of ['package.json', 'dist/extension.js', 'out/vscode/index.js', 'test/editors/scenario.irqd', 'syntaxes']) {
    mkdirSync(join(broken, p, '..'), { recursive: true });
    cpSync(join(root, p), join(broken, p), { recursive: true });
  }
  writeFileSync(join(broken, 'dist', 'server.js'), '// A deliberately broken build: the language server dies at once.\nprocess.exit(1);\n');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'e2e', 'run-vscode.mjs'), 'tests', '--ext', broken], { encoding: 'utf8', timeout: 300000 });
  const out = r.stdout + r.stderr;
  const failedAsExpected = r.status === 1 && /not ok - diagnostics come from the server/.test(out);
  console.log(`[e2e harness] the broken build's VS Code tests exited ${r.status}${failedAsExpected ? ': the harness catches it' : ''}`);
  if (!failedAsExpected) {
    console.error(out.split('\n').filter((l) => /ok -|e2e|FAILED/.test(l)).join('\n'));
    process.exitCode = 1;
  }
} finally {
  rmSync(broken, { recursive: true, force: true });
}
