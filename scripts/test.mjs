// npm test: type check, lint, bundle, TextMate scope tests, then every test
// under test/ with node's test runner. Stops at the first failing stage.
// Usage: node scripts/test.mjs [--quick]   (--quick skips typecheck, lint and the VS Code tests)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const quick = process.argv.includes('--quick');
const bin = (name) => `node_modules/.bin/${name}`;

function stage(title, cmd, args) {
  process.stdout.write(`\n== ${title}\n`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    process.stdout.write(`== ${title}: FAILED (${seconds} s)\n`);
    process.exit(r.status ?? 1);
  }
  process.stdout.write(`== ${title}: ok (${seconds} s)\n`);
}

if (!quick) {
  stage('typecheck', process.execPath, [bin('tsc'), '-p', '.', '--noEmit']);
  // The machine view's page is browser code: its own project adds the DOM library.
  stage('typecheck (machine view page)', process.execPath, [bin('tsc'), '-p', 'client/view', '--noEmit']);
  stage('lint', process.execPath, ['node_modules/eslint/bin/eslint.js', '.']);
}
stage('build', process.execPath, ['scripts/build.mjs', '--tests']);
stage('TextMate scopes', process.execPath, ['scripts/test-tmgrammar.mjs']);
if (!quick) stage('VS Code in code-server (npm run test:e2e)', 'bash', ['scripts/e2e/run-all.sh']);

mkdirSync('test-results', { recursive: true });
process.stdout.write('\n== unit, fixture, CLI and protocol tests\n');
const r = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', '--test-reporter-destination=test-results/node-tests.tap', 'out/test/'],
  { stdio: 'inherit' },
);
// The plain closing line, for readers that do not parse node's reporters.
const tap = readFileSync('test-results/node-tests.tap', 'utf8');
const count = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
// A skipped test is named in the summary line, with its reason.
const skipped = [...tap.matchAll(/^\s*ok \d+ - (.*?) # SKIP\s*(.*)$/gm)].map((m) => `${m[1]}${m[2] ? ` (${m[2]})` : ''}`);
const skipText = skipped.length ? `, ${skipped.length} skipped: ${skipped.join('; ')}` : ', 0 skipped';
process.stdout.write(`\ntests: ${count('pass')} passed, ${count('fail')} failed${skipText}\n`);
process.exit(r.status ?? 1);
