// `use` lines that name the same file: the file is resolved once per analysis,
// however many lines name it (a 4 MiB file of 50,000 of them read it 50,000 times).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze, type UseResolver } from '../../server/src/analysis/analysis.js';

test('the same path in many use lines is resolved once', () => {
  const box = analyze('system box {\n  cpus 4\n}\n', 1, { file: '/x/box.irqd' });
  let calls = 0;
  const uses: UseResolver = {
    analysisOf: () => {
      calls++;
      return { file: '/x/box.irqd', analysis: box };
    },
  };
  const text = `${'use "box.irqd"\n'.repeat(1000)}scenario s on box {\n  offline cpu 1\n}\n`;
  const a = analyze(text, 1, { file: '/x/main.irqd', uses });
  assert.equal(calls, 1);
  assert.equal(a.used.length, 1);
  assert.ok(a.model.scenarios[0]?.system, 'the scenario finds the used system');
});
