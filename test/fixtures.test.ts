// Runs every annotated .irqd fixture under test/ (see test/support/fixture.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../server/src/analysis/analysis.js';
import { DiskUseResolver } from '../server/src/analysis/files.js';
import { checkFixture } from './support/fixture.js';

const root = join(__dirname, '..', '..', 'test');
// fuzz/: the fuzzer's kept failures and regressions are inputs, not annotated fixtures (docs/robustness.md).
// features/formatting/: a formatter's inputs and outputs (test/features/formatting.test.ts).
// code-actions/: each file is a text before and after a quick fix (test/features/code-actions.test.ts).
const skip = new Set(['syntaxes', 'vscode', 'editors', 'fuzz', 'formatting', 'code-actions']);

function fixtures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (!skip.has(name)) out.push(...fixtures(p));
    } else if (name.endsWith('.irqd')) out.push(p);
  }
  return out;
}

const files = fixtures(root);
test('there are fixtures', () => assert.ok(files.length >= 10, `only ${files.length} fixtures found under ${root}`));
for (const file of files) {
  test(`fixture ${relative(root, file)}`, () => {
    // A fixture may `use` its neighbours, as a file on disk would.
    const failures = checkFixture(readFileSync(file, 'utf8'), (t) => analyze(t, 1, { file, uses: new DiskUseResolver() }));
    assert.deepEqual(failures, [], failures.join('\n'));
  });
}
