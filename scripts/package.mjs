// npm run package: a production build, then irqd-<version>.vsix with vsce.
// Offline: the bundles carry every runtime dependency (--no-dependencies).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `irqd-${version}.vsix`;
const MAX_BYTES = 1024 * 1024;

function run(args) {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

rmSync('dist', { recursive: true, force: true });
run(['scripts/build.mjs', '--production']);
run(['node_modules/@vscode/vsce/vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '-o', out]);
const size = statSync(out).size;
console.log(`${out}: ${size} bytes`);
if (size > MAX_BYTES) {
  console.error(`irqd: ${out} is ${size} bytes, over the ${MAX_BYTES}-byte budget`);
  process.exit(1);
}
