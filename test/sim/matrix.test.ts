// irq_matrix (kernel/irq/matrix.c) directly: W23's edge cases and the
// counter bookkeeping the fixtures cannot reach.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IrqMatrix } from '../../server/src/sim/matrix.js';

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
