// The cpumask operations of server/src/sim/state.ts on ascending lists of
// CPUs: andMasks() takes shortcuts for ranges (node masks, the default
// affinity), and must answer what a plain merge answers on any masks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze } from '../../server/src/analysis/analysis.js';
import { stateAfter } from '../../server/src/sim/engine.js';
import { andMasks, inMask } from '../../server/src/sim/state.js';
import { mulberry32 } from '../support/random.js';

function mergeAnd(a: readonly number[], b: readonly number[]): number[] {
  const inB = new Set(b);
  return a.filter((c) => inB.has(c));
}

function randomMask(rand: () => number, cpus: number): number[] {
  const shape = rand();
  if (shape < 0.3) {
    // A range, as node masks and the default affinity are.
    const lo = Math.floor(rand() * cpus);
    const hi = lo + Math.floor(rand() * (cpus - lo));
    return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  }
  const density = rand();
  const out: number[] = [];
  for (let c = 0; c < cpus; c++) if (rand() < density) out.push(c);
  return out;
}

test('andMasks equals a plain intersection on ranges, sparse and empty masks', () => {
  const rand = mulberry32(2026);
  for (let i = 0; i < 5000; i++) {
    const cpus = 1 + Math.floor(rand() * 80);
    const a = randomMask(rand, cpus);
    const b = randomMask(rand, cpus);
    assert.deepEqual([...andMasks(a, b)], mergeAnd(a, b), `${JSON.stringify(a)} & ${JSON.stringify(b)}`);
  }
});

test('andMasks shares a mask that lies within a range instead of copying it', () => {
  const node = [64, 65, 66, 67];
  const all = Array.from({ length: 512 }, (_, i) => i);
  assert.equal(andMasks(node, all), node);
  assert.deepEqual(andMasks(all, node), node);
  assert.deepEqual([...andMasks([1, 5, 9, 70], [4, 5, 6, 7, 8, 9])], [5, 9]);
});

test('inMask finds members of an ascending mask by bisection', () => {
  const m = [0, 3, 4, 9, 511];
  for (let c = -1; c < 513; c++) assert.equal(inMask(m, c), m.includes(c));
});

test('an affinity step gives all its IRQs one mask: no copy per IRQ (fuzz memory-4f55fad8: 65,536 IRQs × 3,028 CPUs were 1.6 GB)', () => {
  for (const arch of ['x86_64', 'arm64']) {
    const domains =
      arch === 'arm64'
        ? '  arch arm64\n  domain GIC gic\n  domain ITS its parent GIC\n  domain M pci-msi parent ITS\n'
        : '  apic x2apic\n  domain VECTOR vector\n  domain IR intel-ir parent VECTOR { irtes 65536 }\n  domain M pci-msi parent IR\n';
    const a = analyze(`system s {\n  cpus 4096\n${domains}  device d pci 01:00.0 { msix 512 domain M }\n}\nscenario t on s {\n  alloc d 512\n  request d[*]\n  affinity d[*] 100-3000\n}\n`, 1);
    assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [], arch);
    const sc = a.model.scenarios[0];
    assert.ok(sc);
    const s = stateAfter(sc, 3);
    assert.ok(s);
    const masks = new Set([...s.irqs.values()].map((irq) => irq.affinity));
    assert.equal(masks.size, 1, `${arch}: ${masks.size} affinity arrays for 512 IRQs`);
    assert.equal([...masks][0]?.length, 2901, arch);
  }
});
