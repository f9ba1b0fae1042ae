// Prints an .irqd file with an annotation under every line that has a
// diagnostic (test/support/fixture.ts syntax), for writing fixtures: review
// every message against the kernel before keeping it.
// Usage: node scripts/annotate-fixture.mjs FILE   (after npm run build)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node scripts/annotate-fixture.mjs FILE\n');
  process.exit(2);
}
const r = spawnSync(process.execPath, ['dist/cli.js', 'check', '--format', 'json', file], { encoding: 'utf8' });
const report = JSON.parse(r.stdout);
const lines = readFileSync(file, 'utf8').split('\n');
const byLine = new Map();
for (const d of report.files[0].diagnostics) {
  const list = byLine.get(d.line) ?? [];
  list.push(d);
  byLine.set(d.line, list);
}
const out = [];
lines.forEach((text, i) => {
  out.push(text);
  for (const d of byLine.get(i + 1) ?? []) {
    const col = d.column - 1;
    const len = d.endLine === d.line ? Math.max(1, d.endColumn - d.column) : 0;
    if (col < 2 || len === 0) out.push(`//< ${d.severity} ${d.code} ${d.message}`);
    else out.push(`${' '.repeat(col - 2).replace(/^/, '//')}${'^'.repeat(len)} ${d.severity} ${d.code} ${d.message}`);
  }
});
process.stdout.write(out.join('\n'));
