// Snapshot files that are not what the kernel prints: truncated, garbage,
// absurd numbers. Every parser must report a problem naming the file (and
// the line, for line-based files) and carry on, never throw.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { after } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { SnapshotProblem } from '../../server/src/host/types.js';
import { analyze } from '../../server/src/analysis/analysis.js';
import { importSnapshot } from '../../server/src/host/import.js';
import { loadSnapshot } from '../../server/src/host/load.js';
import { openSnapshot } from '../../server/src/host/source.js';
import { readTar, writeTar } from '../../server/src/host/tar.js';
import { readCpuListFile, readHexMaskFile } from '../../server/src/host/read/cpulist.js';
import { readDebugDomain } from '../../server/src/host/read/debugfs-domain.js';
import { readDebugIrq } from '../../server/src/host/read/debugfs-irq.js';
import { readDmesg } from '../../server/src/host/read/dmesg.js';
import { readIrTranslationStruct } from '../../server/src/host/read/ir-table.js';
import { readLspci } from '../../server/src/host/read/lspci.js';
import { readMsixTables } from '../../server/src/host/read/msix-tables.js';
import { readProcInterrupts } from '../../server/src/host/read/proc-interrupts.js';
import { readNodeFile } from '../../server/src/host/read/proc-irq.js';
import { readIrqFile, readMsiIrqMode } from '../../server/src/host/read/sysfs-pci.js';

const DUMP = join(process.cwd(), 'test', 'lab', 'B4-ir-traced', '01-boot');
const tmp = mkdtempSync(join(tmpdir(), 'irqd-host-robust-'));

/** The lab files are read-only: make the copies writable so that they can be changed and removed. */
function makeWritable(path: string): void {
  // lstat: a symlink in a copy (some tests plant them) must not be followed out of it.
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st || st.isSymbolicLink()) return;
  chmodSync(path, st.mode | (st.isDirectory() ? 0o700 : 0o600));
  if (st.isDirectory()) for (const name of readdirSync(path)) makeWritable(join(path, name));
}

function copyDump(name: string): string {
  const dir = join(tmp, name);
  cpSync(DUMP, dir, { recursive: true });
  makeWritable(dir);
  return dir;
}

after(() => {
  makeWritable(tmp);
  rmSync(tmp, { recursive: true, force: true });
});

type Reader = (text: string, file: string, problems: SnapshotProblem[]) => unknown;

const READERS: readonly [string, Reader][] = [
  ['proc/interrupts', readProcInterrupts],
  ['sys/kernel/debug/irq/irqs/37', readDebugIrq],
  ['sys/kernel/debug/irq/domains/INTEL-IR-MSI-0-3', readDebugDomain],
  ['sys/kernel/debug/iommu/intel/ir_translation_struct', readIrTranslationStruct],
  ['lspci-vvv-nn.txt', readLspci],
  ['msix-tables.txt', readMsixTables],
  ['dmesg.txt', readDmesg],
  ['proc/irq/45/smp_affinity_list', readCpuListFile],
  ['proc/irq/45/affinity_hint', readHexMaskFile],
  ['proc/irq/45/node', readNodeFile],
  ['sys/bus/pci/devices/0000:01:00.0/msi_irqs/35', readMsiIrqMode],
  ['proc/irq/45/node', readIrqFile],
];

/** A deterministic pseudo-random generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('no parser throws on truncations, garbage or random text', () => {
  const rnd = random(42);
  for (const [file, reader] of READERS) {
    const real = readFileSync(join(DUMP, file), 'utf8');
    const inputs = ['', '\n', '\u0000\u0001\u0002', 'x'.repeat(10_000), ':::\n:::', '0x\n-\n'];
    for (let cut = 0; cut < real.length; cut += Math.max(1, Math.floor(real.length / 97))) inputs.push(real.slice(0, cut));
    for (let i = 0; i < 50; i++) {
      const chars = Array.from({ length: Math.floor(rnd() * 400) }, () => String.fromCharCode(Math.floor(rnd() * 0x80)));
      inputs.push(chars.join(''));
      // The real file with a few characters replaced.
      const arr = [...real];
      for (let k = 0; k < 5; k++) arr[Math.floor(rnd() * arr.length)] = String.fromCharCode(Math.floor(rnd() * 0x80));
      inputs.push(arr.join(''));
    }
    for (const text of inputs) {
      const problems: SnapshotProblem[] = [];
      assert.doesNotThrow(() => reader(text, file, problems), `${file} on ${JSON.stringify(text.slice(0, 40))}`);
      for (const p of problems) assert.equal(p.file, file);
    }
  }
});

test('a truncated debugfs irq file: a problem with file and line', () => {
  const file = 'sys/kernel/debug/irq/irqs/37';
  const full = readFileSync(join(DUMP, file), 'utf8');
  // Cut in the middle of 'Vector:    35' on line 36.
  const cut = full.slice(0, full.indexOf('Vector:') + 'Vector:    3'.length);
  const problems: SnapshotProblem[] = [];
  const d = readDebugIrq(cut, file, problems);
  assert.deepEqual(problems, [{ file, line: 36, severity: 'warning', message: 'the last line has no newline (the file looks truncated); it is skipped' }]);
  // The cut-off vector is not a value: the VECTOR level has none.
  assert.equal(d?.levels.at(-1)?.vector, undefined);
  // Cut before any 'domain:' line: nothing that matters is left.
  const early: SnapshotProblem[] = [];
  assert.equal(readDebugIrq(full.slice(0, full.indexOf('node:')), file, early), undefined);
  assert.ok(early.some((p) => p.severity === 'error' && p.file === file && /truncated/.test(p.message)));
  // A dangling 'parent:'.
  const dangling: SnapshotProblem[] = [];
  readDebugIrq(full.slice(0, full.indexOf('    domain:  INTEL-IR-0')), file, dangling);
  assert.ok(dangling.some((p) => p.line === 26 && /parent/.test(p.message)));
});

test('a /proc/interrupts row that is not in the kernel format', () => {
  const text = ['           CPU0       CPU1', '  0:        305          0  IR-IO-APIC   2-edge      timer', '  1:        nine  IR-IO-APIC   1-edge      i8042', ' 99999999:  1 2 X 1-edge a', ' 4: 99999999999999999 0 IO-APIC 4-edge ttyS0', 'garbage', 'ERR:          0', ''].join('\n');
  const problems: SnapshotProblem[] = [];
  const pi = readProcInterrupts(text, 'proc/interrupts', problems);
  assert.deepEqual([...(pi?.rows.keys() ?? [])], [0]);
  assert.deepEqual(
    problems.map((p) => [p.file, p.line, p.severity]),
    [
      ['proc/interrupts', 3, 'warning'],
      ['proc/interrupts', 4, 'warning'],
      ['proc/interrupts', 5, 'warning'],
      ['proc/interrupts', 6, 'warning'],
    ],
  );
  assert.match(problems[2].message, /2\^53/);
  const none: SnapshotProblem[] = [];
  assert.equal(readProcInterrupts('not the file at all\n', 'proc/interrupts', none), undefined);
  assert.equal(none[0]?.severity, 'error');
});

test('random bytes in a domain file: an error for it, the matrix from another domain', () => {
  const dir = copyDump('random-domain');
  const rnd = random(7);
  writeFileSync(join(dir, 'sys/kernel/debug/irq/domains/VECTOR'), Buffer.from(Array.from({ length: 2000 }, () => Math.floor(rnd() * 256))));
  const s = loadSnapshot(dir);
  assert.ok(!('problem' in s));
  const p = s.problems.find((x) => x.file === 'sys/kernel/debug/irq/domains/VECTOR');
  assert.equal(p?.severity, 'error');
  assert.equal(s.debugDomains.has('VECTOR'), false);
  // vectorMatrix falls back to the next domain file that prints it.
  assert.equal(s.vectorMatrix?.origin.file, 'sys/kernel/debug/irq/domains/DMAR-MSI');
  assert.equal(s.vectorMatrix?.globalAvailable, 771);
  // Random text that is valid UTF-8 but not the format.
  const problems: SnapshotProblem[] = [];
  assert.equal(readDebugDomain('%%%% nothing\nat all\n', 'sys/kernel/debug/irq/domains/X', problems), undefined);
  assert.deepEqual(problems.map((x) => [x.file, x.line, x.severity]), [['sys/kernel/debug/irq/domains/X', 1, 'error']]);
});

test('a truncated matrix is an error, the domain is kept', () => {
  const file = 'sys/kernel/debug/irq/domains/VECTOR';
  const full = readFileSync(join(DUMP, file), 'utf8');
  const problems: SnapshotProblem[] = [];
  const d = readDebugDomain(full.slice(0, full.indexOf('System:')), file, problems);
  assert.equal(d?.name, 'VECTOR');
  assert.equal(d?.matrix, undefined);
  assert.deepEqual(problems.map((p) => [p.line, p.severity]), [[5, 'error']]);
});

test("an affinity list '0-99999': a problem, not a value", () => {
  const problems: SnapshotProblem[] = [];
  assert.equal(readCpuListFile('0-99999\n', 'proc/irq/45/smp_affinity_list', problems), undefined);
  assert.deepEqual(problems.map((p) => [p.file, p.line, p.severity]), [['proc/irq/45/smp_affinity_list', 1, 'error']]);
  assert.match(problems[0].message, /beyond 8191/);

  const dir = copyDump('bad-affinity');
  writeFileSync(join(dir, 'proc/irq/45/smp_affinity_list'), '0-99999\n');
  const debug = join(dir, 'sys/kernel/debug/irq/irqs/45');
  writeFileSync(debug, readFileSync(debug, 'utf8').replace(/^affinity: .*$/m, 'affinity: 0-99999'));
  const s = loadSnapshot(dir);
  assert.ok(!('problem' in s));
  assert.equal(s.procIrqs.get(45)?.affinity, undefined);
  assert.deepEqual(s.procIrqs.get(45)?.effective, [3]);
  assert.ok(s.problems.some((p) => p.file === 'proc/irq/45/smp_affinity_list' && p.line === 1));
  assert.ok(s.problems.some((p) => p.file === 'sys/kernel/debug/irq/irqs/45' && p.line === 16 && p.severity === 'error'));
  assert.equal(s.debugIrqs.has(45), false);
});

test('IRQ and CPU numbers beyond the bounds are problems', () => {
  const problems: SnapshotProblem[] = [];
  assert.equal(readProcInterrupts('   CPU0 CPU9000\n', 'proc/interrupts', problems), undefined);
  assert.equal(readDebugIrq('handler: x\n', 'sys/kernel/debug/irq/irqs/2000000', problems), undefined);
  assert.equal(readHexMaskFile('zz\n', 'proc/irq/default_smp_affinity', problems), undefined);
  assert.deepEqual(
    problems.map((p) => p.severity),
    ['error', 'error', 'error'],
  );
});

test('snapshot sources: missing, not a snapshot, not UTF-8, entries escaping the archive', () => {
  assert.deepEqual(openSnapshot(join(tmp, 'nope')), { problem: `'${join(tmp, 'nope')}': no such file or directory` });
  const plain = join(tmp, 'plain.txt');
  writeFileSync(plain, 'hello');
  assert.deepEqual(openSnapshot(plain), { problem: `'${plain}' is not a directory or a .tar.gz snapshot` });
  const empty = mkdtempSync(join(tmp, 'empty-'));
  assert.deepEqual(loadSnapshot(empty), { problem: `'${empty}' is not a machine snapshot: it has none of proc/interrupts, proc/irq/ or sys/kernel/debug/irq/` });
  const badGz = join(tmp, 'bad.tar.gz');
  writeFileSync(badGz, 'not gzip');
  assert.match((openSnapshot(badGz) as { problem: string }).problem, /not gzip/);

  // A non-UTF-8 /proc/interrupts is reported, not read.
  const dir = copyDump('latin1');
  writeFileSync(join(dir, 'proc/interrupts'), Buffer.from([0x43, 0x50, 0x55, 0x30, 0xff, 0xfe, 0x0a]));
  const s = loadSnapshot(dir);
  assert.ok(!('problem' in s));
  assert.equal(s.interrupts, undefined);
  assert.ok(s.problems.some((p) => p.file === 'proc/interrupts' && /UTF-8/.test(p.message)));

  // An archive whose entries climb out with '..' or are absolute.
  const tar = writeTar([
    { path: 'proc/interrupts', type: 'file', content: Buffer.from('           CPU0\n  0:  1  IO-APIC 2-edge timer\n') },
    { path: 'zz/evil', type: 'file', content: Buffer.from('x') },
    { path: 'zz/abs', type: 'file', content: Buffer.from('y') },
  ]);
  renameEntry(tar, 'zz/evil', '../evil');
  renameEntry(tar, 'zz/abs', '/etc/abs');
  const archive = join(tmp, 'evil.tgz');
  writeFileSync(archive, gzipSync(tar));
  const src = openSnapshot(archive);
  assert.ok(!('problem' in src));
  assert.deepEqual(src.files, ['proc/interrupts']);
  assert.deepEqual(
    src.problems.map((p) => p.message),
    // writeTar sorts its entries: zz/abs came before zz/evil.
    ["'/etc/abs': an absolute path or one with '..'; ignored", "'../evil': an absolute path or one with '..'; ignored"],
  );
  const loaded = loadSnapshot(archive);
  assert.ok(!('problem' in loaded));
  assert.equal(loaded.interrupts?.rows.get(0)?.actions[0], 'timer');

  // A truncated archive: what precedes the cut is read, the cut is reported.
  const cutTar = readTar(tar.subarray(0, 700), { maxEntries: 10, maxContentBytes: 1000 });
  assert.ok('entries' in cutTar);
  assert.deepEqual(cutTar.entries.map((e) => e.path), ['proc']);
  assert.match(cutTar.problems[0], /truncated/);
  // A symlink in a snapshot directory is never followed as a file.
  const linked = copyDump('linked');
  rmSync(join(linked, 'proc/cmdline'));
  symlinkSync('/etc/hostname', join(linked, 'proc/cmdline'));
  const ls = loadSnapshot(linked);
  assert.ok(!('problem' in ls));
  assert.equal(ls.cmdline, undefined);
  assert.ok(ls.problems.some((p) => p.file === 'proc/cmdline' && p.severity === 'warning' && /symlink/.test(p.message)));
});

/** Rename a tar entry in place (same length or shorter) and fix its header checksum. */
function renameEntry(tar: Buffer, from: string, to: string): void {
  for (let off = 0; off + 512 <= tar.length; off += 512) {
    const name = tar.subarray(off, off + 100).toString('latin1').split('\u0000')[0];
    if (name !== from || tar.subarray(off + 257, off + 262).toString('latin1') !== 'ustar') continue;
    tar.fill(0, off, off + 100);
    tar.write(to, off, 'latin1');
    tar.write('        ', off + 148, 8, 'latin1');
    let sum = 0;
    for (let i = off; i < off + 512; i++) sum += tar[i];
    tar.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, off + 148, 8, 'latin1');
    return;
  }
  throw new Error(`no entry ${from}`);
}

test('damaged snapshots the fuzzer found import as clean files, each fact no kernel state has left out with its reason', () => {
  const dir = join(process.cwd(), 'test', 'host', 'damaged');
  for (const name of readdirSync(dir)) {
    const r = importSnapshot(join(dir, name), 'damaged');
    assert.ok(!('problem' in r), `${name}: ${'problem' in r ? r.problem : ''}`);
    const errors = analyze(r.text, 0).diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map((d) => `${d.code} ${d.message}`), [], name);
  }
  // An IRTE on an IRQ whose hierarchy has no remapping is left out, and says why.
  const irte = importSnapshot(join(dir, 'irte-without-remapping'), 'damaged');
  assert.ok(!('problem' in irte));
  assert.match(irte.text, /\/\/ left out, the snapshot is inconsistent here \(IRQD050 IRQ (\d+) is not remapped: .*\): irq \1 /);
});
