// The ITS's least-loaded CPU (server/src/sim/its.ts itsSelectCpu()): a
// min-tree answers for ranges of CPUs where cpumask_pick_least_loaded()
// walks the mask; both must name the same CPU (the lowest of the least
// loaded online ones) after any sequence of LPI moves and CPU hotplug.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootIts, itsAddLoad, itsSelectCpu, itsSetCpuOnline } from '../../server/src/sim/its.js';
import type { SimState } from '../../server/src/sim/state.js';
import { mulberry32 } from '../support/random.js';

function walked(load: readonly number[], online: readonly boolean[], mask: readonly number[]): number | undefined {
  let best: number | undefined;
  let min = Infinity;
  for (const cpu of mask) {
    if (!online[cpu]) continue;
    if ((load[cpu] ?? 0) < min) {
      best = cpu;
      min = load[cpu] ?? 0;
    }
  }
  return best;
}

test('the tree picks the CPU the walk over the mask picks', () => {
  const rnd = mulberry32(5);
  for (const cpus of [1, 2, 3, 7, 8, 64, 100, 513]) {
    const its = bootIts(cpus);
    const online = Array.from({ length: cpus }, () => true);
    const s = { its, cpuOnline: online } as unknown as SimState;
    for (let i = 0; i < 2000; i++) {
      const cpu = Math.floor(rnd() * cpus);
      const r = rnd();
      if (r < 0.5) itsAddLoad(its, cpu, rnd() < 0.6 ? 1 : -1, online[cpu] === true);
      else if (r < 0.6 && cpu !== 0) {
        online[cpu] = !online[cpu];
        itsSetCpuOnline(its, cpu, online[cpu] === true);
      }
      const lo = Math.floor(rnd() * cpus);
      const hi = lo + Math.floor(rnd() * (cpus - lo));
      const range = Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
      assert.equal(itsSelectCpu(s, range), walked(its.load, online, range), `${cpus} CPUs, step ${i}, range ${lo}-${hi}`);
      const sparse = range.filter(() => rnd() < 0.5);
      assert.equal(itsSelectCpu(s, sparse), walked(its.load, online, sparse), `${cpus} CPUs, step ${i}, sparse`);
    }
  }
});
