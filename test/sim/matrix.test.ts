// irq_matrix (kernel/irq/matrix.c) directly: W23's edge cases and the
// counter bookkeeping the fixtures cannot reach.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IrqMatrix } from '../../server/src/sim/matrix.js';
import { mulberry32 } from '../support/random.js';

/** A 4-CPU 6.1 matrix: window 0x20..0xEB, system bits 0x20, 0x32, 0x80. */
function fresh(cpus = 4): IrqMatrix {
  const m = new IrqMatrix(256, 0x20, 0xec, cpus);
  for (const v of [0x20, 0x32, 0x80]) m.assignSystem(v);
  for (let c = 0; c < cpus; c++) m.online(c);
  return m;
}

test('W6: 201 device vectors per CPU on 6.1', () => {
  const m = fresh();
  assert.equal(m.cpus[1]?.available, 201);
  assert.equal(m.globalAvailable, 804);
});

test('W23: an empty mask is -EINVAL; all CPUs full is -ENOSPC', () => {
  const m = fresh(2);
  assert.equal(m.alloc([], false), 'EINVAL');
  for (let i = 0; i < 402; i++) assert.notEqual(typeof m.alloc([0, 1], false), 'string');
  assert.equal(m.alloc([0, 1], false), 'ENOSPC');
});

test('W23: reserve_managed over {0,1} with CPU 1 full fails and rolls CPU 0 back', () => {
  const m = fresh(2);
  for (let i = 0; i < 201; i++) m.alloc([1], false);
  const before = m.cpus[0]?.available;
  assert.equal(m.reserveManaged([0, 1]), 'ENOSPC');
  assert.equal(m.cpus[0]?.available, before);
  assert.equal(m.cpus[0]?.managed, 0);
});

test('W23: alloc_managed picks the CPU with the fewest managed_allocated even if it has no free managed bit', () => {
  const m = fresh(2);
  // CPU 1 gets two managed reservations, CPU 0 one; CPU 0's is used.
  m.reserveManaged([0, 1]);
  m.reserveManaged([1]);
  assert.deepEqual(m.allocManaged([0]), { cpu: 0, bit: 0x21 });
  // CPU 1 now has the fewest managed_allocated (0) and still a free bit: fine.
  assert.deepEqual(m.allocManaged([0, 1]), { cpu: 1, bit: 0x21 });
  // Both at 1 allocated: the tie goes to the highest CPU, 1, which has one unused bit left.
  assert.deepEqual(m.allocManaged([0, 1]), { cpu: 1, bit: 0x22 });
  // CPU 0 now has the fewest (1 vs 2) but no unused managed bit: -ENOSPC.
  assert.equal(m.allocManaged([0, 1]), 'ENOSPC');
});

test('irq_matrix_free on an offline CPU leaves total_allocated alone (semantics.md §2.3)', () => {
  const m = fresh(2);
  const r = m.alloc([1], false);
  assert.ok(typeof r !== 'string');
  m.offline(1);
  const total = m.totalAllocated;
  m.free(1, r.bit, false);
  assert.equal(m.totalAllocated, total);
});

test('a CPU that comes back keeps its stale available (initialized once)', () => {
  const m = fresh(2);
  m.offline(1);
  m.reserveManaged([1]);
  m.online(1);
  assert.equal(m.cpus[1]?.available, 201);
  assert.equal(m.cpus[1]?.managed, 1);
});

// ---- irqd's indexes and forks (not the kernel's; they must change no result) ----

test('the best-CPU tree finds what matrix_find_best_cpu() finds over cpu_online_mask, through allocations, frees and hotplug', () => {
  for (const cpus of [1, 3, 8, 37]) {
    const m = fresh(cpus);
    const next = mulberry32(cpus);
    const online = new Set(Array.from({ length: cpus }, (_, i) => i));
    const held: { cpu: number; bit: number }[] = [];
    for (let i = 0; i < 3000; i++) {
      const mask = [...online].sort((a, b) => a - b);
      assert.equal(m.findBestOnlineCpu(), m.findBestCpu(mask), `${cpus} CPUs, operation ${i}`);
      const r = next();
      if (r < 0.6) {
        const got = m.alloc(mask, false, true);
        if (typeof got !== 'string') held.push(got);
      } else if (r < 0.9 && held.length > 0) {
        const [h] = held.splice(Math.floor(next() * held.length), 1);
        if (h) m.free(h.cpu, h.bit, false);
      } else {
        // A CPU goes (cpu_online_mask first, the matrix later, as fixup_irqs() and lapic_offline() do) or comes back.
        const cpu = Math.floor(next() * cpus);
        if (online.has(cpu) && online.size > 1) {
          online.delete(cpu);
          m.setCpuOnline(cpu, false);
          assert.equal(m.findBestOnlineCpu(), m.findBestCpu([...online].sort((a, b) => a - b)));
          m.offline(cpu);
        } else if (!online.has(cpu)) {
          m.online(cpu);
          m.setCpuOnline(cpu, true);
          online.add(cpu);
        }
      }
    }
  }
});

test('a long mask searched by runs on the tree finds what the scan of mask ∩ cpu_online_mask finds', () => {
  // The reference: matrix_find_best_cpu() over the intersection, made first (findBestCpu() of it).
  for (const cpus of [70, 200, 513]) {
    const m = fresh(cpus);
    const next = mulberry32(cpus + 1);
    const online = Array.from({ length: cpus }, () => true);
    for (let i = 0; i < 1500; i++) {
      // A mask of a few runs, 64 CPUs or more, so the run search is the one taken.
      const mask: number[] = [];
      for (let c = 0; c < cpus; c++) if ((c * 7 + i) % 97 < 60 || next() < 0.1) mask.push(c);
      if (mask.length < 64) continue;
      const inter = mask.filter((c) => online[c]);
      const expected = inter.length === 0 ? 'EINVAL' : m.findBestCpu(inter);
      const got = m.alloc(mask, false, false, online);
      if (typeof got === 'string') assert.equal(got, expected === undefined ? 'ENOSPC' : expected, `${cpus} CPUs, step ${i}`);
      else assert.equal(got.cpu, expected, `${cpus} CPUs, step ${i}`);
      // Now and then a CPU goes or comes back, as hotplug does (cpu_online_mask first, then the matrix).
      if (next() < 0.05) {
        const cpu = 1 + Math.floor(next() * (cpus - 1));
        online[cpu] = !online[cpu];
        m.setCpuOnline(cpu, online[cpu] === true);
        if (online[cpu]) m.online(cpu);
        else m.offline(cpu);
      }
    }
  }
});

test('matrix_alloc_area() with the search hint takes the lowest free bit, after frees too', () => {
  const m = fresh(1);
  const bits = Array.from({ length: 10 }, () => (m.alloc([0], false) as { bit: number }).bit);
  assert.deepEqual(bits, [0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a]);
  m.free(0, 0x24, false);
  m.free(0, 0x22, false);
  assert.equal((m.alloc([0], false) as { bit: number }).bit, 0x22);
  assert.equal(m.lowestFree(0), 0x24);
  m.reserveManaged([0]);
  assert.equal(m.lowestFree(0), 0x2b);
  m.removeManaged([0]);
  assert.equal(m.lowestFree(0), 0x24);
});

test('a fork of the matrix shares the CPU maps until it writes one; the sealed base refuses writes', () => {
  const base = fresh(4);
  base.alloc([0, 1, 2, 3], false);
  const before = base.cpus.map((c) => ({ ...c, allocMap: [...c.allocMap], managedMap: [...c.managedMap] }));
  const fork = base.fork();
  assert.equal(fork.cpus[2], base.cpus[2], 'an untouched CPU map is shared');
  const got = fork.alloc([0, 1, 2, 3], false, true);
  assert.notEqual(typeof got, 'string');
  const cpu = (got as { cpu: number }).cpu;
  assert.notEqual(fork.cpus[cpu], base.cpus[cpu], 'the written CPU map is the fork’s own');
  assert.deepEqual(base.cpus.map((c) => ({ ...c, allocMap: [...c.allocMap], managedMap: [...c.managedMap] })), before);
  assert.equal(fork.globalAvailable, base.globalAvailable - 1);
  assert.throws(() => base.alloc([0], false), /sealed/);
  const copy = fork.clone();
  copy.alloc([0], false);
  assert.notEqual(copy.cpus[0]?.allocated, fork.cpus[0]?.allocated);
});
