// The expression language of breakpoint conditions and watches
// (server/src/debug/conditions.ts), evaluated on a state the simulator made:
// the values compared are read from that state, not written here.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkNames, ExpressionError, holds, parseExpression, resolvePath } from '../../server/src/debug/conditions.js';
import { Program } from '../../server/src/debug/program.js';

const root = join(__dirname, '..', '..', '..');
const file = join(root, 'test', 'debug', 'queues.irqd.txt');
const program = Program.load({ program: file, scenario: 'queues' });
// After `alloc`, `request nvme0[0-3]` and `affinity nvme0[3] 2`.
const s = program.stateAt(3);
assert.ok(s);
const irq3 = s.irqs.get(s.devices.get('nvme0')?.virqs[3] ?? -1);
assert.ok(irq3);

function truth(text: string): boolean {
  assert.ok(s);
  return holds(s, parseExpression(text));
}

test('paths read the state: an entry, an IRQ by number, a CPU and its debugfs aliases', () => {
  assert.equal(truth(`nvme0[3].cpu == ${irq3.apic.cpu}`), true);
  assert.equal(truth(`nvme0[3].vector == 0x${irq3.apic.vector.toString(16)}`), true);
  assert.equal(truth(`irq ${irq3.virq}.device == "nvme0" && irq ${irq3.virq}.index == 3`), true);
  const c = s.matrix.cpus[2];
  assert.ok(c);
  assert.equal(truth(`cpu 2 .available == ${c.available}`), true);
  assert.equal(truth(`cpu 2.avl == ${c.available} && cpu 2 .act == ${c.allocated}`), true);
  assert.equal(truth(`cpu 2 .available < ${c.available}`), false);
  assert.equal(truth(`nvme0[3].affinity == '${irq3.affinity.join(',')}'`), irq3.affinity.length === 1);
});

test('precedence: ! binds tighter than &&, && tighter than ||; parentheses group', () => {
  assert.equal(truth('true || false && false'), true);
  assert.equal(truth('(true || false) && false'), false);
  assert.equal(truth('!false && !(1 > 2)'), true);
  assert.equal(truth('0x10 == 16 && 3 <= 3 && (4 >= 5) == false'), true);
  // Comparisons do not chain: `1 < 2 < 3` means nothing a user would want.
  assert.throws(() => parseExpression('1 < 2 < 3'), /unexpected '<' at column 7/);
});

test('a path with no value at this step equals nothing', () => {
  assert.equal(truth('nvme0[7].cpu == 0'), false);
  assert.equal(truth('nvme0[7].cpu != 0'), true);
  assert.equal(truth('irq 9999.vector > 0'), false);
  assert.equal(typeof resolvePath(s, parseExpression('nvme0[9]') as Extract<ReturnType<typeof parseExpression>, { kind: 'path' }>), 'string');
});

test('bad expressions are errors with a column, never exceptions of another kind', () => {
  for (const [text, message] of [
    ['nvme0[3].cpu ==', /expected a value, a path or \( at the end/],
    ['nvme0[3.cpu', /expected '\]' at column 8/],
    ['cpu 1 .online = true', /unexpected '=' at column 15/],
    ['"open', /string at column 1 is not closed/],
    ['3abc == 1', /'3abc' at column 1 is not a number/],
    ['', /empty/],
    ['('.repeat(40) + '1' + ')'.repeat(40), /nests deeper than 32/],
    ['x'.repeat(1001), /longer than 1000/],
  ] as const) {
    assert.throws(() => parseExpression(text), (e: unknown) => e instanceof ExpressionError && message.test(e.message), text);
  }
  assert.throws(() => truth('nvme0[3].cpu'), /is a number, not true or false/);
  assert.throws(() => truth('nvme0[3].state < 3'), /cannot order a string and a number/);
});

test('names are checked against the system before any step runs', () => {
  const devices = new Set(['nvme0']);
  assert.equal(checkNames(parseExpression('nvme0[3].cpu == 1 && cpu 3 .online'), devices, 4), undefined);
  assert.match(checkNames(parseExpression('nvme9[3].cpu == 1'), devices, 4) ?? '', /'nvme9' is not a device of this system \(devices: nvme0\)/);
  assert.match(checkNames(parseExpression('cpu 4 .online'), devices, 4) ?? '', /CPUs 0-3, not CPU 4/);
  assert.match(checkNames(parseExpression('!(irq 16.vectr == 1)'), devices, 4) ?? '', /'vectr' is not a field of an IRQ/);
});
