// Message and IRTE encodings of semantics.md §4.4 (C1–C4, V1–V3, A1, E1–E4)
// and W1–W5's figures, on the composition functions directly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amdIrteWord, composeAmd, composeCompat, composeVtd, decodeMsg, destApicId, vtdIrteWords } from '../../server/src/sim/compose.js';

test('C1/W1: compat, vector 0x24 to APIC ID 3', () => {
  assert.deepEqual(composeCompat(0x24, 3, false).msg, { addressLo: 0xfee03000, addressHi: 0, data: 0x24 });
});

test('C2/W2: extended destination ID for APIC ID 0x123, truncation without it', () => {
  assert.deepEqual(composeCompat(0x30, 0x123, false, true), { msg: { addressLo: 0xfee23020, addressHi: 0, data: 0x30 }, truncated: false });
  assert.deepEqual(composeCompat(0x30, 0x123, false, false), { msg: { addressLo: 0xfee23000, addressHi: 0, data: 0x30 }, truncated: true });
});

test('C4: 6.1 logical flat, CPU 2, vector 0x41', () => {
  assert.deepEqual(composeCompat(0x41, destApicId('flat', 2), true).msg, { addressLo: 0xfee04004, addressHi: 0, data: 0x41 });
});

test('V1–V3/W3: VT-d remappable messages', () => {
  assert.equal(composeVtd(0x25, 0).addressLo, 0xfee004b8);
  assert.equal(composeVtd(0x8025, 0).addressLo, 0xfee004bc);
  assert.deepEqual(composeVtd(0x28, 0), { addressLo: 0xfee00518, addressHi: 0, data: 0 });
  assert.deepEqual(decodeMsg(composeVtd(0x8025, 0)), { format: 'remappable', handle: 0x8025, shv: true, subhandle: 0 });
});

test('A1/W5: AMD-Vi message and legacy IRTE', () => {
  assert.deepEqual(composeAmd(5), { addressLo: 0xfee00000, addressHi: 0, data: 5 });
  assert.equal(amdIrteWord({ present: true, vector: 0x24, destId: 3, logical: false, sid: 0 }), 0x00240301);
});

test('E1–E3/W4: VT-d IRTE words', () => {
  const irte = { present: true, vector: 0x24, destId: 3, logical: false, sid: 0x0300 };
  assert.deepEqual(vtdIrteWords(irte, true), { low: 0x0000000300240009n, high: 0x0000000000040300n });
  assert.equal(vtdIrteWords(irte, false).low, 0x0000030000240009n);
  const cluster = { ...irte, destId: destApicId('x2apic_cluster', 3), logical: true };
  assert.equal(vtdIrteWords(cluster, true).low, 0x000000080024000dn);
});

test('compat decoding reads back what was composed', () => {
  assert.deepEqual(decodeMsg({ addressLo: 0xfee03000, addressHi: 0, data: 0x24 }), {
    format: 'compat',
    dest: 3,
    logical: false,
    vector: 0x24,
    deliveryMode: 0,
    level: false,
  });
  assert.deepEqual(decodeMsg({ addressLo: 0, addressHi: 0, data: 0 }), { format: 'zero' });
});
