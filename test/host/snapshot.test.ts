// Whole snapshots: every lab dump loads cleanly, `irqd snapshot` copies a
// lab dump used as a fake root into a snapshot that loads to the same
// records (as a directory and as a .tar.gz), and it behaves on this
// machine's real root whatever it may read here.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { after } from 'node:test';
import type { HostSnapshot } from '../../server/src/host/types.js';
import { collectSnapshot, snapshotMain } from '../../server/src/host/collect.js';
import { loadSnapshot } from '../../server/src/host/load.js';
import { openSnapshot } from '../../server/src/host/source.js';
import { TarFormatError, readTar, writeTar } from '../../server/src/host/tar.js';

const LAB = join(process.cwd(), 'test', 'lab');
const BOOTS = ['A4-noiommu-traced', 'B4-ir-traced', 'C4-q10-x2apic-ir-traced'];
const tmp = mkdtempSync(join(tmpdir(), 'irqd-host-snapshot-'));

function makeWritable(path: string): void {
  // lstat: a symlink in a copy (some tests plant them) must not be followed out of it.
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st || st.isSymbolicLink()) return;
  chmodSync(path, st.mode | (st.isDirectory() ? 0o700 : 0o600));
  if (st.isDirectory()) for (const name of readdirSync(path)) makeWritable(join(path, name));
}

after(() => {
  makeWritable(tmp);
  rmSync(tmp, { recursive: true, force: true });
});

/** A writable copy of a lab dump in the temp directory. */
function copyDump(boot: string, dump: string, name: string): string {
  const dir = join(tmp, name);
  cpSync(join(LAB, boot, dump), dir, { recursive: true });
  makeWritable(dir);
  return dir;
}

function load(path: string): HostSnapshot {
  const s = loadSnapshot(path);
  if ('problem' in s) assert.fail(s.problem);
  return s;
}

function run(argv: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = snapshotMain(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out, err };
}

/** Every regular file and symlink under a directory, relative. */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out.sort();
}

test('every dump of every lab boot loads without problems', () => {
  for (const boot of BOOTS) {
    const dumps = readdirSync(join(LAB, boot)).filter((d) => /^\d\d-/.test(d));
    assert.equal(dumps.length, 9, boot);
    for (const dump of dumps) {
      const s = load(join(LAB, boot, dump));
      const where = `${boot}/${dump}`;
      assert.deepEqual(s.problems.filter((p) => p.severity === 'error'), [], where);
      assert.deepEqual(s.problems, [], where);
      assert.equal(s.osrelease?.value, '6.1.192', where);
      assert.ok(s.interrupts && s.interrupts.rows.size > 20, where);
      assert.ok(s.debugIrqs.size > 40, where);
      assert.ok(s.vectorMatrix, where);
      // The header has a column per online CPU, the matrix a row per online CPU.
      assert.deepEqual(s.interrupts.cpus, s.cpus.online, where);
      assert.deepEqual(s.vectorMatrix.cpus.map((c) => c.cpu), s.cpus.online, where);
      const light = dump.startsWith('00-') || dump.startsWith('07-');
      assert.equal(s.debugDomains.size === 1, light, where);
      assert.equal(s.irteTables.length, !light && boot !== 'A4-noiommu-traced' ? 1 : 0, where);
      assert.equal(s.pci.size, light ? (dump.startsWith('00-') ? 9 : 8) : 13, where);
      // The lab's own summary is not a Linux file and is not read.
      assert.ok(s.files.has('irqd-snapshot.json'));
    }
  }
});

test('snapshot --root of a lab dump: exactly the host files, loading to the same records', () => {
  const root = copyDump('B4-ir-traced', '01-boot', 'b4-root');
  const out = join(tmp, 'b4-out');
  const r = run(['--root', root, out]);
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.deepEqual(r.err, []);
  const written = walk(out);
  assert.equal(r.out.at(-1), `snapshot: ${written.length} files written to ${out}`);

  // What the brief lists, as the dump has it: no cpuK/online, no irqd-snapshot.json.
  const source = walk(root);
  const copied = source.filter(
    (f) =>
      /^proc\/(interrupts|cmdline|version|sys\/kernel\/osrelease|irq\/default_smp_affinity)$/.test(f) ||
      /^proc\/irq\/\d+\/(smp_affinity_list|effective_affinity_list|node|affinity_hint)$/.test(f) ||
      /^sys\/devices\/system\/cpu\/(online|offline|possible|present)$/.test(f) ||
      /^sys\/kernel\/debug\/irq\/(irqs|domains)\/[^/]+$/.test(f) ||
      f === 'sys/kernel/debug/iommu/intel/ir_translation_struct' ||
      /^sys\/bus\/pci\/devices\/[^/]+\/msi_irqs\/\d+$/.test(f) ||
      /^(lspci-vvv-nn|msix-tables|dmesg)\.txt$/.test(f),
  );
  assert.deepEqual(written, [...copied, 'irqd-snapshot-meta.json'].sort());
  assert.ok(!written.includes('irqd-snapshot.json'));
  assert.ok(!written.some((f) => /cpu\d+\/online$/.test(f)));
  for (const f of copied.filter((f) => f !== 'dmesg.txt')) assert.deepEqual(readFileSync(join(out, f)), readFileSync(join(root, f)), f);
  // dmesg.txt keeps only the APIC/IOMMU lines.
  assert.ok(readFileSync(join(out, 'dmesg.txt'), 'utf8').split('\n').every((l) => l === '' || /apic|dmar|iommu|amd-vi|remapping|smpboot|int_src_ovr/i.test(l)));
  const meta = JSON.parse(readFileSync(join(out, 'irqd-snapshot-meta.json'), 'utf8')) as { tool: string; format: number; root: string; unreadable: unknown[] };
  assert.deepEqual(meta, { tool: 'irqd snapshot', format: 1, root, unreadable: [] });

  const before = load(root);
  const after = load(out);
  assert.deepEqual(after.problems, []);
  assert.deepEqual(after.interrupts, before.interrupts);
  assert.deepEqual(after.debugIrqs, before.debugIrqs);
  assert.deepEqual(after.vectorMatrix, before.vectorMatrix);
  assert.deepEqual(after.irteTables, before.irteTables);
  assert.deepEqual(after.pci, before.pci);
  assert.deepEqual(after.procIrqs, before.procIrqs);
  assert.deepEqual(after.debugDomains, before.debugDomains);
  assert.deepEqual(after.msixTables, before.msixTables);
  assert.deepEqual(after.meta, { unreadable: [], origin: { file: 'irqd-snapshot-meta.json' } });
});

test('snapshot to .tar.gz: deterministic, and it round-trips through openSnapshot', () => {
  const root = copyDump('C4-q10-x2apic-ir-traced', '03-offline-cpu1', 'c4-root');
  // A driver symlink, as sysfs has it, and a symlink that leaves the root.
  const dev = join(root, 'sys/bus/pci/devices/0000:01:00.0');
  symlinkSync('../../../../bus/pci/drivers/nvme', join(dev, 'driver'));
  writeFileSync(join(dev, 'numa_node'), '-1\n');
  writeFileSync(join(dev, 'irq'), '16\n');
  rmSync(join(root, 'proc/cmdline'));
  symlinkSync('/etc/hostname', join(root, 'proc/cmdline'));

  const dirOut = join(tmp, 'c4-dir');
  const tgz = join(tmp, 'c4.tar.gz');
  const tgz2 = join(tmp, 'c4-again.tgz');
  const a = run(['--root', root, dirOut]);
  const b = run(['--root', root, tgz]);
  const c = run([`--root=${root}`, tgz2]);
  assert.deepEqual([a.code, b.code, c.code], [0, 0, 0]);
  // The symlink out of the root is not followed, and says so once.
  assert.deepEqual(b.err, ['irqd snapshot: proc/cmdline: a symlink that leaves the root; not followed']);
  assert.deepEqual(readFileSync(tgz), readFileSync(tgz2));

  const src = openSnapshot(tgz);
  assert.ok(!('problem' in src));
  assert.equal(src.kind, 'archive');
  assert.deepEqual(src.problems, []);
  assert.deepEqual([...src.files, ...src.links].sort(), walk(dirOut));
  assert.deepEqual(src.links, ['sys/bus/pci/devices/0000:01:00.0/driver']);
  assert.equal(src.readLink('sys/bus/pci/devices/0000:01:00.0/driver'), '../../../../bus/pci/drivers/nvme');
  for (const f of src.files) assert.equal(src.readText(f), readFileSync(join(dirOut, f), 'utf8'), f);

  const fromDir = load(dirOut);
  const fromTar = load(tgz);
  const original = load(root);
  for (const s of [fromDir, fromTar]) {
    assert.deepEqual(s.problems, []);
    assert.deepEqual(s.interrupts, original.interrupts);
    assert.deepEqual(s.debugIrqs, original.debugIrqs);
    assert.deepEqual(s.vectorMatrix, original.vectorMatrix);
    assert.deepEqual(s.irteTables, original.irteTables);
    assert.deepEqual(s.pci, original.pci);
    assert.equal(s.cmdline, undefined);
    assert.deepEqual(s.meta?.unreadable, [{ path: 'proc/cmdline', reason: 'a symlink that leaves the root; not followed' }]);
  }
  const nvme = fromTar.pci.get('0000:01:00.0');
  assert.deepEqual([nvme?.driver, nvme?.numaNode, nvme?.irq, nvme?.lspci?.driver], ['nvme', -1, 16, 'nvme']);
});

test('tar: long names through the ustar prefix, names the format cannot hold', () => {
  const dir = `${'d'.repeat(60)}/${'e'.repeat(60)}`;
  const long = `${dir}/${'f'.repeat(90)}`;
  // One 120-byte component: the file fits (prefix + name), its parent's own entry cannot.
  const wide = `${'w'.repeat(120)}/file`;
  const tar = writeTar([
    { path: long, type: 'file', content: Buffer.from('long') },
    { path: 'a/link', type: 'symlink', target: '../x' },
    { path: wide, type: 'file', content: Buffer.from('wide') },
  ]);
  const r = readTar(tar, { maxEntries: 10, maxContentBytes: 100 });
  assert.ok('entries' in r);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.entries.map((e) => [e.path, e.type, e.target ?? (e.content && Buffer.from(e.content).toString())]),
    [
      ['a', 'directory', undefined],
      ['a/link', 'symlink', '../x'],
      ['d'.repeat(60), 'directory', undefined],
      [dir, 'directory', undefined],
      [long, 'file', 'long'],
      [wide, 'file', 'wide'],
    ],
  );
  assert.deepEqual(writeTar([{ path: 'x', type: 'file', content: Buffer.from('1') }]), writeTar([{ path: 'x', type: 'file', content: Buffer.from('1') }]));
  assert.throws(() => writeTar([{ path: `${'d'.repeat(160)}/f`, type: 'file' }]), TarFormatError);
  assert.throws(() => writeTar([{ path: `d/${'f'.repeat(101)}`, type: 'file' }]), TarFormatError);
  assert.throws(() => writeTar([{ path: '../up', type: 'file' }]), TarFormatError);
  assert.throws(() => writeTar([{ path: 'l', type: 'symlink', target: 'x'.repeat(101) }]), TarFormatError);
  assert.deepEqual(readTar(tar, { maxEntries: 2, maxContentBytes: 100 }), { error: 'more than 2 entries' });
});

test("snapshot of this machine's root exits 0 whatever it can read", () => {
  const out = join(tmp, 'real');
  const r = run([out]);
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.match(r.out.at(-1) ?? '', /^snapshot: \d+ files written to /);
  for (const line of r.err) assert.match(line, /^irqd snapshot: [^\n]+$/);
  assert.ok(existsSync(join(out, 'irqd-snapshot-meta.json')));
  // Whatever it wrote loads (a container may lack /proc/irq, so no more is asserted).
  const s = loadSnapshot(out);
  if (!('problem' in s)) assert.deepEqual(s.problems.filter((p) => p.severity === 'error'), []);
});

test('snapshot refuses an existing non-empty OUT, a missing root and bad usage', () => {
  const root = join(LAB, 'A4-noiommu-traced', '07-after-offline-affinity');
  const busy = join(tmp, 'busy');
  mkdirSync(busy);
  writeFileSync(join(busy, 'keep'), 'mine');
  const refused = run(['--root', root, busy]);
  assert.equal(refused.code, 2);
  assert.equal(refused.err.length, 1);
  assert.match(refused.err[0], /already exists and is not empty/);
  assert.deepEqual(readdirSync(busy), ['keep']);
  const busyTar = join(tmp, 'busy.tar.gz');
  writeFileSync(busyTar, 'x');
  assert.equal(run(['--root', root, busyTar]).code, 2);

  const missing = run(['--root', '/nonexistent', join(tmp, 'never')]);
  assert.deepEqual([missing.code, missing.err], [2, ["irqd snapshot: --root '/nonexistent': no such directory"]]);
  assert.equal(existsSync(join(tmp, 'never')), false);

  for (const argv of [['--bogus'], ['a', 'b'], ['--root']]) {
    const u = run(argv);
    assert.equal(u.code, 2, argv.join(' '));
    assert.match(u.err[0], /^irqd snapshot: /);
    assert.match(u.err[1], /^usage: irqd snapshot/);
  }
  assert.equal(run(['--help']).code, 0);

  // An existing empty directory is fine.
  const empty = join(tmp, 'empty-out');
  mkdirSync(empty);
  assert.equal(run(['--root', root, empty]).code, 0);
});

// Root reads everything whatever the modes say: as root the CLI runs as
// nobody (setpriv from util-linux) on a world-readable copy.
test('snapshot without permission for debugfs: one line for the area, exit 0', () => {
  const asRoot = process.getuid?.() === 0;
  const shared = mkdtempSync(join(tmpdir(), 'irqd-host-nobody-'));
  try {
    chmodSync(shared, 0o777);
    const root = join(shared, 'root');
    cpSync(join(LAB, 'A4-noiommu-traced', '01-boot'), root, { recursive: true });
    makeWritable(root);
    const debug = join(root, 'sys/kernel/debug');
    chmodSync(debug, 0o000);
    const outDir = join(shared, 'no-debugfs-out');
    let r: { code: number; err: string[] };
    if (asRoot) {
      const cli = join(process.cwd(), 'dist', 'cli.js');
      const p = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, 'snapshot', '--root', root, outDir], { encoding: 'utf8' });
      assert.equal(p.error, undefined, `setpriv is needed to test this as root: ${String(p.error)}`);
      r = { code: p.status ?? -1, err: p.stderr.split('\n').filter((l) => l !== '') };
    } else {
      r = run(['--root', root, outDir]);
    }
    chmodSync(debug, 0o755);
    assert.equal(r.code, 0);
    assert.deepEqual(r.err, ['irqd snapshot: sys/kernel/debug: permission denied (run as root for vectors, IRTEs and the vector matrix)']);
  } finally {
    makeWritable(shared);
    rmSync(shared, { recursive: true, force: true });
  }
});

test('snapshot stops at its bounds and writes nothing', () => {
  const root = join(LAB, 'B4-ir-traced', '01-boot');
  const out = join(tmp, 'bounded');
  const few = collectSnapshot({ root, out, maxFiles: 10 });
  assert.deepEqual(few, { ok: false, exitCode: 1, message: `more than 10 files to copy under '${root}'; stopped, nothing written` });
  const small = collectSnapshot({ root, out, maxBytes: 4096 });
  assert.equal(small.ok, false);
  assert.equal(existsSync(out), false);
});
