// CPU hotplug walks only the IRQs that can change (server/src/sim/cpu-irqs.ts)
// where the kernel walks every descriptor. The two must give the same trace:
// every sample and simulator fixture, and seeded generated programs heavy in
// offline/online, affinity and managed IRQs, are analysed both ways and
// compared on everything a user sees.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze, type Analysis } from '../../server/src/analysis/analysis.js';
import { DiskUseResolver } from '../../server/src/analysis/files.js';
import { setWalkEveryIrq } from '../../server/src/sim/cpu-irqs.js';
import { generateProgram } from '../fuzz/generate.js';
import { inputSeed, Rng } from '../fuzz/rng.js';

const root = join(__dirname, '..', '..', '..');

function shown(a: Analysis): unknown {
  return {
    diagnostics: a.diagnostics.map((d) => [d.code, d.span.start, d.span.end, d.message]),
    traces: a.model.scenarios.map((sc) => {
      const t = a.traces.get(sc);
      return t ? t.records.map((r) => [r.outcome, r.summary, r.events.map((e) => `${e.fn}: ${e.text}`), JSON.stringify(r.views)]) : null;
    }),
  };
}

function bothWays(text: string, file: string): { indexed: unknown; every: unknown } {
  const indexed = shown(analyze(text, 1, { file, uses: new DiskUseResolver() }));
  setWalkEveryIrq(true);
  try {
    return { indexed, every: shown(analyze(text, 1, { file, uses: new DiskUseResolver() })) };
  } finally {
    setWalkEveryIrq(false);
  }
}

test('every sample and simulator fixture: the same trace walking only the IRQs that can change', () => {
  const files = readdirSync(join(root, 'samples')).filter((f) => f.endsWith('.irqd')).map((f) => join(root, 'samples', f));
  for (const f of readdirSync(join(root, 'test', 'sim'))) if (f.endsWith('.irqd')) files.push(join(root, 'test', 'sim', f));
  for (const file of files) {
    const { indexed, every } = bothWays(readFileSync(file, 'utf8'), file);
    assert.deepEqual(indexed, every, file);
  }
});

test('seeded generated programs with hotplug: the same trace both ways', () => {
  let hotplug = 0;
  const file = join(root, 'test', 'fuzz', 'found', 'input.irqd');
  for (let i = 0; i < 400; i++) {
    const text = generateProgram(new Rng(inputSeed(9, i)), []);
    if (!/\b(offline|online) cpu/.test(text)) continue;
    hotplug++;
    const { indexed, every } = bothWays(text, file);
    assert.deepEqual(indexed, every, `program ${i}:\n${text}`);
  }
  assert.ok(hotplug >= 100, `${hotplug} programs with hotplug`);
});
