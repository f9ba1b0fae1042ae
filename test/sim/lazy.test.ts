// What a trace formats lazily (server/src/sim/trace.ts): per-IRQ event texts
// and step views are made on first read, once, and read the same as if they
// had been made at once, through a spread copy and in JSON too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze } from '../../server/src/analysis/analysis.js';
import { recordAtStep } from '../../server/src/sim/engine.js';
import { LazyEvent } from '../../server/src/sim/trace.js';

test('a lazy event formats once and serialises as { fn, text }', () => {
  let calls = 0;
  const format = (virq: number, cpu: number): string => {
    calls++;
    return `IRQ ${virq}: CPU ${cpu}`;
  };
  const e = new LazyEvent('irq_matrix_alloc', format as (a: unknown, b: unknown) => string, 35, 2, undefined, undefined, undefined);
  assert.equal(calls, 0);
  assert.equal(e.text, 'IRQ 35: CPU 2');
  assert.equal(e.text, 'IRQ 35: CPU 2');
  assert.equal(calls, 1);
  assert.equal(JSON.stringify(e), JSON.stringify({ fn: 'irq_matrix_alloc', text: 'IRQ 35: CPU 2' }));
});

const text = `system box {
  cpus 4
  domain VECTOR vector
  domain MSI pci-msi parent VECTOR
  device nic0 pci 01:00.0 { msix 4 domain MSI }
}
scenario s on box {
  alloc nic0 4
  request nic0[0-1]
  affinity nic0[0] 3
  fire nic0[0]
}`;

test('step views are the state as of their step, formatted on first read, the same through a spread copy or recordAtStep()', () => {
  const a = analyze(text, 1);
  const trace = [...a.traces.values()][0];
  assert.ok(trace && !trace.skipped);
  const [alloc, request, move, fire] = trace.records;
  assert.ok(alloc && request && move && fire);
  // As of the allocation: reserved, no vector; of the request: a vector; of the affinity write: a pending move (no
  // interrupt remapping); of the interrupt: on CPU 3.
  assert.equal(alloc.views[0]?.vector, undefined);
  assert.ok(request.views[0]?.vector !== undefined);
  assert.match(move.views[0]?.state ?? '', /move to CPUs 3 pending/);
  assert.notEqual(move.views[0]?.cpu, 3);
  assert.equal(fire.views[0]?.cpu, 3);
  assert.equal(alloc.views, alloc.views, 'formatted once, then kept');
  const spread = { ...request, step: move.step };
  assert.deepEqual(spread.views, request.views);
  const moved = recordAtStep(request, move.step);
  assert.equal(moved.step, move.step);
  assert.equal(JSON.stringify(moved.views), JSON.stringify(request.views));
  assert.equal(JSON.stringify(Object.keys(moved)), JSON.stringify(['step', 'ordinal', 'outcome', 'summary', 'events', 'moreEvents', 'views']));
});
