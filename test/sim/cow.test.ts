// The copy-on-write containers of a state (server/src/sim/cow.ts): a fork
// sees its base, writes its own copies, and never changes the base, which
// refuses every write once it is shared.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CowMap, PagedBytes, PagedMap, SealedWrite } from '../../server/src/sim/cow.js';

interface Box {
  n: number;
}
const boxes = { clone: (b: Box): Box => ({ ...b }) };

test('PagedMap: ascending keys across pages, size, delete', () => {
  const m = new PagedMap<Box>(boxes);
  for (const k of [700, 3, 256, 255, 70000, 0]) m.set(k, { n: k });
  assert.equal(m.size, 6);
  assert.deepEqual([...m.keys()], [0, 3, 255, 256, 700, 70000]);
  const scanned: number[] = [];
  m.scan((b) => scanned.push(b.n));
  assert.deepEqual(scanned, [0, 3, 255, 256, 700, 70000]);
  assert.equal(m.delete(256), true);
  assert.equal(m.delete(256), false);
  assert.equal(m.size, 5);
  assert.equal(m.get(-1), undefined);
  assert.equal(m.get(1.5), undefined);
  // A key far past the pages (an ISA override may name any IRQ) is kept beside them, in order.
  m.set(2 ** 30, { n: 2 ** 30 });
  m.set(2 ** 25, { n: 2 ** 25 });
  assert.deepEqual([...m.keys()], [0, 3, 255, 700, 70000, 2 ** 25, 2 ** 30]);
  assert.equal(m.size, 7);
  const fork = m.fork();
  (fork.writable(2 ** 30) as Box).n = 1;
  assert.equal(m.get(2 ** 30)?.n, 2 ** 30);
  assert.throws(() => m.delete(2 ** 25), SealedWrite);
  assert.equal(fork.delete(2 ** 25), true);
  assert.equal(fork.size, 6);
});

test('PagedMap: a fork clones a value on its first writable() and leaves the base alone', () => {
  const base = new PagedMap<Box>(boxes);
  for (let k = 0; k < 600; k++) base.set(k, { n: k });
  const fork = base.fork();
  assert.equal(fork.get(5), base.get(5), 'shared until written');
  const mine = fork.writable(5) as Box;
  mine.n = -5;
  assert.equal(fork.writable(5), mine, 'cloned once');
  assert.equal(base.get(5)?.n, 5);
  fork.set(601, { n: 601 });
  fork.delete(0);
  assert.equal(base.size, 600);
  assert.equal(fork.size, 600);
  assert.equal(base.has(0), true);
  assert.equal(fork.ownedPages(), 2, 'only the two written pages are copied');
  for (const write of [() => base.set(1, { n: 0 }), () => base.delete(1), () => base.writable(1)]) assert.throws(write, SealedWrite);
  // A fork of a fork: the grandchild still sees the first fork's writes and copies them on write.
  const grand = fork.fork();
  assert.equal(grand.get(5)?.n, -5);
  (grand.writable(5) as Box).n = 55;
  assert.equal(fork.get(5)?.n, -5);
});

test('CowMap: insertion order, fork isolation, sealed base', () => {
  const base = new CowMap<string, Box>(boxes);
  base.set('b', { n: 1 }).set('a', { n: 2 });
  const fork = base.fork();
  (fork.writable('b') as Box).n = 10;
  fork.set('c', { n: 3 });
  assert.deepEqual([...fork.keys()], ['b', 'a', 'c']);
  assert.equal(base.get('b')?.n, 1);
  assert.equal(base.has('c'), false);
  assert.throws(() => base.set('d', { n: 0 }), SealedWrite);
  assert.throws(() => base.writable('a'), SealedWrite);
});

test('PagedBytes: fill across pages, fork and copy', () => {
  const base = new PagedBytes(10000);
  base.fill(1, 4090, 4100);
  base.fill(1, 9999, 10001);
  const fork = base.fork();
  fork.fill(0, 4095, 4097);
  fork.fill(1, 7, 8);
  const read = (b: PagedBytes): number[] => [...Array(b.length).keys()].filter((i) => b.get(i));
  assert.deepEqual(read(base), [4090, 4091, 4092, 4093, 4094, 4095, 4096, 4097, 4098, 4099, 9999]);
  assert.deepEqual(read(fork), [7, 4090, 4091, 4092, 4093, 4094, 4097, 4098, 4099, 9999]);
  assert.throws(() => base.fill(0, 0, 1), SealedWrite);
  const copy = fork.copy();
  copy.fill(1, 0, 1);
  assert.equal(fork.get(0), 0);
  assert.equal(base.get(-1), 0);
  assert.equal(base.get(10000), 0);
});
