// Every sample tells a story: it parses, binds and checks without errors, and
// has at least one scenario and explanatory comments.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../server/src/analysis/analysis.js';

const dir = join(__dirname, '..', '..', 'samples');
const files = readdirSync(dir).filter((f) => f.endsWith('.irqd'));

test('there are at least seven samples', () => assert.ok(files.length >= 7, files.join(', ')));

for (const file of files) {
  test(`sample ${file} is clean and tells a story`, () => {
    const text = readFileSync(join(dir, file), 'utf8');
    const a = analyze(text, 1);
    const problems = a.diagnostics.filter((d) => d.severity === 'error').map((d) => `${a.lines.position(d.span.start).line + 1}: ${d.message}`);
    assert.deepEqual(problems, []);
    assert.ok(a.model.scenarios.length >= 1, 'no scenario');
    assert.ok(a.parse.comments.length >= 5, 'too few comments to explain the story');
    // The figures the comments state are `expect` steps: every simulated scenario passes.
    for (const [sc, trace] of a.traces) assert.ok(trace.passed, `scenario '${sc.name}' fails`);
  });
}
