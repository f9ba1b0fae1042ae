// The per-IRQ state held as words (server/src/sim/irte-entries.ts,
// msg-table.ts): what is read back is what was written, exactly, for any
// entry a declared state can name, and a fork never changes its base.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SealedWrite } from '../../server/src/sim/cow.js';
import { IrteEntries } from '../../server/src/sim/irte-entries.js';
import { MsgTable } from '../../server/src/sim/msg-table.js';

test('IrteEntries: entries across pages read back as programmed; a fork copies a page on write and leaves its base alone', () => {
  const base = new IrteEntries(65536);
  base.program(5, true, 0x22, 0xffff_fffe, true, 0x0108);
  base.program(300, true, 0x41, 3, false, 0x0100, { guest: 'g', vcpu: 1, vector: 0x30 });
  base.program(65535, false, 0, 0, false, 0);
  assert.deepEqual(base.get(5), { present: true, vector: 0x22, destId: 0xffff_fffe, logical: true, sid: 0x0108 });
  assert.deepEqual(base.get(300)?.posted, { guest: 'g', vcpu: 1, vector: 0x30 });
  assert.equal(base.get(6), undefined);
  assert.equal(base.get(-1), undefined);
  assert.equal(base.get(65536), undefined);
  assert.deepEqual([...base.keys()], [5, 300, 65535]);
  const fork = base.fork();
  fork.program(5, true, 0x23, 1, false, 0x0108);
  fork.delete(300);
  assert.equal(base.get(5)?.vector, 0x22);
  assert.deepEqual(base.get(300)?.posted, { guest: 'g', vcpu: 1, vector: 0x30 });
  assert.deepEqual([...fork.keys()], [5, 65535]);
  assert.equal(fork.ownedPages(), 2);
  assert.throws(() => base.program(7, true, 0x22, 0, false, 0), SealedWrite);
  assert.throws(() => fork.program(65536, true, 0x22, 0, false, 0), RangeError);
  const copy = fork.copy();
  copy.program(65535, true, 0x50, 2, false, 1);
  assert.equal(fork.get(65535)?.present, false);
});

test('MsgTable: words, values past 32 bits and entries past the dense table all read back as written', () => {
  const t = new MsgTable();
  const msgs: [number, { addressLo: number; addressHi: number; data: number }][] = [
    [0, { addressLo: 0xfee0_1000, addressHi: 0, data: 0x4021 }],
    [2047, { addressLo: 0xfee0_0000, addressHi: 0xffff_ffff, data: 0xffff_ffff }],
    // A declared IMSIC or ITS doorbell past 2^64, and entries no table has (a declared state may name them).
    [3, { addressLo: 2 ** 40, addressHi: 2 ** 33, data: 1 }],
    [94_967_295, { addressLo: 1, addressHi: 0, data: 2 }],
    [70_000, { addressLo: 3, addressHi: 0, data: 4 }],
  ];
  for (const [e, m] of msgs) t.set(e, m);
  for (const [e, m] of msgs) assert.deepEqual(t.get(e), m, `entry ${e}`);
  assert.equal(t.size, msgs.length);
  assert.equal(t.get(1), undefined);
  assert.equal(t.get(-1), undefined);
  assert.deepEqual(
    [...t].map(([e]) => e),
    [0, 3, 2047, 94_967_295, 70_000],
  );
  // Rewriting an odd entry with words, and a copy that shares nothing.
  t.set(3, { addressLo: 5, addressHi: 0, data: 6 });
  assert.deepEqual(t.get(3), { addressLo: 5, addressHi: 0, data: 6 });
  const c = t.copy();
  c.set(0, { addressLo: 7, addressHi: 0, data: 8 });
  c.set(94_967_295, { addressLo: 9, addressHi: 0, data: 10 });
  assert.equal(t.get(0)?.data, 0x4021);
  assert.equal(t.get(94_967_295)?.data, 2);
  assert.equal(c.size, t.size);
  t.seal();
  assert.throws(() => t.set(1, { addressLo: 0, addressHi: 0, data: 0 }), SealedWrite);
});
