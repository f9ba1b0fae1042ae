// Every sample tells a story: it parses, binds and checks without errors, and
// has explanatory comments and at least one scenario — or is a machine that
// another sample uses (an imported machine kept in its own file).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../server/src/analysis/analysis.js';
import { DiskUseResolver } from '../server/src/analysis/files.js';

const dir = join(__dirname, '..', '..', 'samples');
const files = readdirSync(dir).filter((f) => f.endsWith('.irqd'));
const uses = new DiskUseResolver();
const analyses = new Map(files.map((f) => [f, analyze(readFileSync(join(dir, f), 'utf8'), 1, { file: join(dir, f), uses })]));
const used = new Set([...analyses.values()].flatMap((a) => a.used.map((u) => u.file)));

test('there are at least seven samples', () => assert.ok(files.length >= 7, files.join(', ')));

for (const file of files) {
  test(`sample ${file} is clean and tells a story`, () => {
    const a = analyses.get(file);
    assert.ok(a);
    const problems = a.diagnostics.filter((d) => d.severity === 'error').map((d) => `${a.lines.position(d.span.start).line + 1}: ${d.message}`);
    assert.deepEqual(problems, []);
    assert.ok(a.model.scenarios.length >= 1 || used.has(join(dir, file)), 'no scenario, and no sample uses it');
    assert.ok(a.parse.comments.length >= 5, 'too few comments to explain the story');
    // The figures the comments state are `expect` steps: every simulated scenario passes.
    for (const [sc, trace] of a.traces) assert.ok(trace.passed, `scenario '${sc.name}' fails`);
  });
}
