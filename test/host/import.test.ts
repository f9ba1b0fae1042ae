// `irqd import` and `irqd compare` on the lab's real boots: every dump imports
// as a clean file whose simulated state agrees with the dump on every fact
// it checks — with the lab's extra files gone, and without debugfs too —
// and bad snapshots get a one-line reason naming the file and line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { after } from 'node:test';
import { analyze } from '../../server/src/analysis/analysis.js';
import { compareState } from '../../server/src/host/compare.js';
import { importSnapshot } from '../../server/src/host/import.js';
import { loadSnapshot } from '../../server/src/host/load.js';
import { bootState } from '../../server/src/sim/engine.js';

const LAB = join(process.cwd(), 'test', 'lab');
const BOOTS = ['A4-noiommu-traced', 'B4-ir-traced', 'C4-q10-x2apic-ir-traced'];
const CLI = join(process.cwd(), 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'irqd-host-import-'));

function writable(path: string): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st || st.isSymbolicLink()) return;
  chmodSync(path, st.mode | (st.isDirectory() ? 0o700 : 0o600));
  if (st.isDirectory()) for (const n of readdirSync(path)) writable(join(path, n));
}

after(() => {
  writable(tmp);
  rmSync(tmp, { recursive: true, force: true });
});

function copy(boot: string, dump: string, name: string): string {
  const dir = join(tmp, name);
  cpSync(join(LAB, boot, dump), dir, { recursive: true });
  writable(dir);
  return dir;
}

/** Imports a snapshot, checks the file is clean and compares the dump with the state it declares. */
function roundTrip(path: string): { agree: number; total: number; unchecked: readonly string[]; differ: string[] } {
  const imp = importSnapshot(path, 'lab');
  if ('problem' in imp) assert.fail(imp.problem);
  // A real kernel's snapshot is consistent: the import leaves nothing out.
  assert.doesNotMatch(imp.text, /\/\/ left out/, `${path}: the import left facts out`);
  const a = analyze(imp.text, 1);
  const errors = a.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${a.lines.position(d.span.start).line + 1}: ${d.code} ${d.message}`);
  assert.deepEqual(errors, [], `${path}: the imported file has problems`);
  const system = a.model.systems.get('lab');
  assert.ok(system?.state, `${path}: no system 'lab' with a state`);
  const snap = loadSnapshot(path);
  if ('problem' in snap) assert.fail(snap.problem);
  const c = compareState(snap, bootState(system));
  const differ = c.facts.filter((f) => !f.agree).map((f) => `${f.subject} ${f.kind}: ${f.snapshot} · ${f.simulated}`);
  return { agree: c.facts.length - differ.length, total: c.facts.length, unchecked: c.unchecked, differ };
}

for (const boot of BOOTS) {
  test(`every dump of ${boot} imports clean and agrees with itself on every fact`, () => {
    for (const dump of readdirSync(join(LAB, boot)).filter((n) => /^\d\d-/.test(n)).sort()) {
      const r = roundTrip(join(LAB, boot, dump));
      assert.deepEqual(r.differ, [], `${boot}/${dump}`);
      assert.ok(r.total > 400, `${boot}/${dump}: only ${r.total} facts checked`);
    }
  });
}

test('without the lab\'s own files and without debugfs the import is still clean, and compare says what it cannot check', () => {
  const dir = copy('B4-ir-traced', '03-offline-cpu1', 'bare');
  for (const f of ['irqd-snapshot.json', 'lspci-vvv-nn.txt', 'msix-tables.txt', 'dmesg.txt', 'ftrace-since-last-dump.txt']) rmSync(join(dir, f), { force: true });
  const bare = roundTrip(dir);
  assert.deepEqual(bare.differ, []);
  assert.ok(bare.unchecked.some((u) => u.includes('msix-tables')));
  rmSync(join(dir, 'sys', 'kernel', 'debug'), { recursive: true, force: true });
  const nodebug = roundTrip(dir);
  assert.deepEqual(nodebug.differ, []);
  assert.ok(nodebug.unchecked.some((u) => u.startsWith('no sys/kernel/debug/irq/irqs')), nodebug.unchecked.join('\n'));
  assert.ok(nodebug.unchecked.some((u) => u.includes('vector matrix')));
  const imp = importSnapshot(dir, 'lab');
  if ('problem' in imp) assert.fail(imp.problem);
  // What the snapshot cannot tell is marked, the kernel's choice written.
  assert.match(imp.text, /inferred: .*lowest free vector/);
  assert.match(imp.text, /irq 37 nvme0\[1\] managed /);
});

test('a tar.gz snapshot imports like its directory', () => {
  const out = join(tmp, 'snap.tar.gz');
  const r = spawnSync(process.execPath, [CLI, 'snapshot', '--root', join(LAB, 'C4-q10-x2apic-ir-traced', '05-only-cpu0'), out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const fromTar = importSnapshot(out, 'lab');
  const fromDir = importSnapshot(join(LAB, 'C4-q10-x2apic-ir-traced', '05-only-cpu0'), 'lab');
  if ('problem' in fromTar || 'problem' in fromDir) assert.fail('import failed');
  // Everything but the header line naming the source.
  const body = (t: string): string => t.split('\n').filter((l) => !l.includes('05-only-cpu0') && !l.includes('snap.tar.gz')).join('\n');
  assert.equal(body(fromTar.text), body(fromDir.text));
});

test('bad snapshots: one line naming the file and line, never a stack trace', () => {
  const cli = (args: string[]): { code: number; out: string; err: string } => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  };
  const empty = join(tmp, 'empty');
  cpSync(join(LAB, 'README.md'), join(empty, 'README.md'));
  const notSnap = cli(['import', empty]);
  assert.equal(notSnap.code, 2);
  assert.equal(notSnap.err.trim().split('\n').length, 1);
  assert.match(notSnap.err, /is not a machine snapshot/);

  const odd = copy('A4-noiommu-traced', '01-boot', 'odd-kernel');
  writeFileSync(join(odd, 'proc', 'sys', 'kernel', 'osrelease'), 'banana\n');
  const badKernel = cli(['import', odd]);
  assert.equal(badKernel.code, 2);
  assert.equal(badKernel.err.trim(), "irqd import: proc/sys/kernel/osrelease:1: 'banana' is not a kernel version irqd can read (expected MAJOR.MINOR[.PATCH…])");

  // A truncated debugfs file and garbage in a domain file: the import still works and says where.
  const broken = copy('B4-ir-traced', '01-boot', 'broken');
  writeFileSync(join(broken, 'sys/kernel/debug/irq/irqs/44'), 'handler:  handle_edge_irq\ndevice:   0000:00:05.0\nstatus:   0x0000');
  writeFileSync(join(broken, 'sys/kernel/debug/irq/domains/HPET-MSI-0'), '\u0000\u0001\u0002garbage');
  const out = join(tmp, 'broken.irqd');
  const imp = cli(['import', broken, '-o', out]);
  assert.equal(imp.code, 0, imp.err);
  const check = cli(['check', out]);
  assert.equal(check.code, 0, check.out);
  const text = spawnSync('cat', [out], { encoding: 'utf8' }).stdout;
  assert.match(text, /Snapshot (warning|error): sys\/kernel\/debug\/irq\/irqs\/44(:\d+)?: /);
  assert.match(text, /Snapshot (warning|error): sys\/kernel\/debug\/irq\/domains\/HPET-MSI-0/);

  const usage = cli(['compare', broken]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /^irqd compare: compare needs a snapshot and an .irqd file/);
  const missing = cli(['compare', broken, join(tmp, 'nope.irqd')]);
  assert.equal(missing.code, 2);
  assert.equal(missing.err.trim().split('\n').length, 1);
});

test('compare of a later dump against an earlier import lists the disagreements and exits 1', () => {
  const out = join(tmp, 'early.irqd');
  const imp = spawnSync(process.execPath, [CLI, 'import', join(LAB, 'B4-ir-traced', '01-boot'), '-o', out, '--name', 'lab'], { encoding: 'utf8' });
  assert.equal(imp.status, 0, imp.stderr);
  const r = spawnSync(process.execPath, [CLI, 'compare', join(LAB, 'B4-ir-traced', '03-offline-cpu1'), out, '--format', 'json'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  const j = JSON.parse(r.stdout) as { agree: number; total: number; facts: { kind: string; subject: string; agree: boolean }[] };
  assert.ok(j.agree < j.total);
  // CPU 1 is offline in the dump and online in the state as found.
  assert.ok(j.facts.some((f) => f.kind === 'online' && !f.agree));
  const text = spawnSync(process.execPath, [CLI, 'compare', join(LAB, 'B4-ir-traced', '03-offline-cpu1'), out], { encoding: 'utf8' });
  assert.equal(text.status, 1);
  assert.match(text.stdout, /^disagreements \(snapshot · simulated\):$/m);
  assert.match(text.stdout, /^compare: \d+\/\d+ facts agree/m);
});
