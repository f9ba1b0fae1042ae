// The ▷ Debug lens: shown to a client that runs irqd.debugScenario itself
// (the VS Code extension says so at initialize), to no other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../server/src/analysis/analysis.js';
import { codeLenses, DEBUG_COMMAND } from '../../server/src/features/code-lens.js';

const root = join(__dirname, '..', '..', '..');
const analysis = analyze(readFileSync(join(root, 'test', 'debug', 'queues.irqd.txt'), 'utf8'), 0);

test('each simulated scenario has a ▷ Debug lens naming it, for a client that runs the command', () => {
  const lenses = codeLenses(analysis, 'file:///q.irqd', new Map(), new Set([DEBUG_COMMAND])).filter((l) => l.command?.title === '▷ Debug');
  assert.deepEqual(
    lenses.map((l) => l.command?.arguments),
    analysis.model.scenarios.map((s) => ['file:///q.irqd', s.name]),
  );
  assert.ok(lenses.every((l) => l.command?.command === 'irqd.debugScenario'));
});

test('no ▷ Debug lens for a client that did not offer the command', () => {
  assert.equal(codeLenses(analysis, 'file:///q.irqd', new Map()).filter((l) => l.command?.title === '▷ Debug').length, 0);
});
