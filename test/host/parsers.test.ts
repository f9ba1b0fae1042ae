// Each snapshot parser on real files of the lab boots (test/lab, Linux
// 6.1.192 under QEMU q35), with values checked by hand against the files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import type { SnapshotProblem } from '../../server/src/host/types.js';
import { parseBitList, parseHexMask, readCpuListFile, readHexMaskFile } from '../../server/src/host/read/cpulist.js';
import { readDebugDomain } from '../../server/src/host/read/debugfs-domain.js';
import { readDebugIrq } from '../../server/src/host/read/debugfs-irq.js';
import { readDmesg } from '../../server/src/host/read/dmesg.js';
import { readIrTranslationStruct } from '../../server/src/host/read/ir-table.js';
import { readLspci } from '../../server/src/host/read/lspci.js';
import { readMsixTables } from '../../server/src/host/read/msix-tables.js';
import { readProcInterrupts } from '../../server/src/host/read/proc-interrupts.js';
import { readNodeFile, readProcIrq } from '../../server/src/host/read/proc-irq.js';
import { parsePciAddress, readMsiIrqMode } from '../../server/src/host/read/sysfs-pci.js';

const LAB = join(process.cwd(), 'test', 'lab');
const A4 = 'A4-noiommu-traced';
const B4 = 'B4-ir-traced';
const C4 = 'C4-q10-x2apic-ir-traced';

/** Runs a parser on a lab file; returns the record and the problems it reported. */
function parse<T>(boot: string, dump: string, file: string, reader: (text: string, file: string, problems: SnapshotProblem[]) => T | undefined): { value: T | undefined; problems: SnapshotProblem[] } {
  const problems: SnapshotProblem[] = [];
  const value = reader(readFileSync(join(LAB, boot, dump, file), 'utf8'), file, problems);
  return { value, problems };
}

test('cpulist: the %*pbl list syntax and the %*pb hex form', () => {
  assert.deepEqual(parseBitList('0-3,8,10-11'), [0, 1, 2, 3, 8, 10, 11]);
  assert.deepEqual(parseBitList(''), []);
  assert.deepEqual(parseBitList('8191'), [8191]);
  assert.match(String(parseBitList('0-99999')), /beyond 8191/);
  assert.match(String(parseBitList('3-1')), /reversed/);
  assert.match(String(parseBitList('0-3,x')), /not a number/);
  assert.deepEqual(parseHexMask('f'), [0, 1, 2, 3]);
  assert.deepEqual(parseHexMask('0'), []);
  assert.deepEqual(parseHexMask('00000000,00000001'), [0]);
  assert.deepEqual(parseHexMask('1,80000000'), [31, 32]);
  assert.equal((parseHexMask('ff,ffffffff') as readonly number[]).length, 40);
  // 257 words put a set bit at CPU 8192.
  assert.match(String(parseHexMask(['1', ...Array<string>(256).fill('00000000')].join(','))), /beyond CPU 8191/);
  assert.match(String(parseHexMask('xyz')), /not a 32-bit hex word/);
  const problems: SnapshotProblem[] = [];
  assert.deepEqual(readCpuListFile('0,2-3\n', 'sys/devices/system/cpu/online', problems), [0, 2, 3]);
  assert.deepEqual(readCpuListFile('\n', 'proc/irq/2/effective_affinity_list', problems), []);
  assert.deepEqual(readHexMaskFile('f\n', 'proc/irq/default_smp_affinity', problems), [0, 1, 2, 3]);
  assert.deepEqual(problems, []);
});

test('proc/interrupts: columns for the online CPUs only, named rows skipped', () => {
  // C4 dump 04: CPUs 1 and 2 are offline, so the header is 'CPU0 CPU3'.
  const { value: pi, problems } = parse(C4, '04-offline-2-to-2', 'proc/interrupts', readProcInterrupts);
  assert.deepEqual(problems, []);
  assert.ok(pi);
  assert.deepEqual(pi.cpus, [0, 3]);
  assert.equal(pi.rows.size, 31);
  assert.deepEqual(pi.rows.get(35), {
    irq: 35,
    counts: new Map([
      [0, 0],
      [3, 16],
    ]),
    chip: 'IR-PCI-MSI',
    hwirq: 524288,
    flow: 'edge',
    actions: ['nvme0q0'],
    origin: { file: 'proc/interrupts', line: 21 },
  });
  assert.deepEqual(pi.rows.get(25)?.actions, ['PCIe PME']);
  assert.equal(pi.rows.get(24)?.chip, 'DMAR-MSI');
  assert.equal(pi.rows.get(24)?.hwirq, 0);
  assert.deepEqual(pi.rows.get(36)?.actions, ['ahci[0000:00:1f.2]']);
  assert.equal(pi.rows.get(9)?.flow, 'fasteoi');
  // NMI, LOC, ERR, MIS... are not IRQs.
  assert.ok([...pi.rows.keys()].every((k) => Number.isInteger(k)));

  const a4 = parse(A4, '01-boot', 'proc/interrupts', readProcInterrupts).value;
  assert.deepEqual(a4?.cpus, [0, 1, 2, 3]);
  assert.equal(a4?.rows.get(0)?.chip, 'IO-APIC');
  assert.equal(a4?.rows.get(0)?.hwirq, 2);
  assert.equal(a4?.rows.get(4)?.counts.get(0), 5993);
});

test('proc/interrupts: newer chip names, rows without a domain, shared actions', () => {
  const text = [
    '           CPU0       CPU1       ',
    ' 28:          0          7 PCI-MSIX-0000:00:01.0   0-edge      virtio0-config',
    '  2:          0          0    XT-PIC          cascade',
    ' 11:          3          0   IO-APIC  11-fasteoi   uhci_hcd:usb1, ehci_hcd:usb2',
    'ERR:          0',
    '',
  ].join('\n');
  const problems: SnapshotProblem[] = [];
  const pi = readProcInterrupts(text, 'proc/interrupts', problems);
  assert.deepEqual(problems, []);
  assert.equal(pi?.rows.get(28)?.chip, 'PCI-MSIX-0000:00:01.0');
  assert.equal(pi?.rows.get(28)?.hwirq, 0);
  assert.equal(pi?.rows.get(2)?.hwirq, undefined);
  assert.deepEqual(pi?.rows.get(2)?.actions, ['cascade']);
  assert.deepEqual(pi?.rows.get(11)?.actions, ['uhci_hcd:usb1', 'ehci_hcd:usb2']);
});

test('proc/irq/N: lists, node and hint', () => {
  const dir = join(LAB, B4, '01-boot', 'proc', 'irq');
  const read = (irq: number) => (name: string) => readFileSync(join(dir, String(irq), name), 'utf8');
  const problems: SnapshotProblem[] = [];
  assert.deepEqual(readProcIrq(45, 'proc/irq/45', read(45), problems), { irq: 45, affinity: [0, 1, 2, 3], effective: [3], node: -1, hint: [], origin: { file: 'proc/irq/45' } });
  // XT-PIC IRQ 2: an empty effective_affinity_list is an empty mask.
  assert.deepEqual(readProcIrq(2, 'proc/irq/2', read(2), problems).effective, []);
  assert.equal(problems.length, 0);
  const nodeProblems: SnapshotProblem[] = [];
  assert.equal(readNodeFile('-1\n', 'proc/irq/24/node', nodeProblems), -1);
  assert.equal(readNodeFile('99999\n', 'proc/irq/24/node', nodeProblems), undefined);
  assert.deepEqual(nodeProblems.map((p) => [p.file, p.line, p.severity]), [['proc/irq/24/node', 1, 'error']]);
});

test('debugfs irq: B4 01-boot IRQ 37, the three levels of an IR MSI', () => {
  const { value: d, problems } = parse(B4, '01-boot', 'sys/kernel/debug/irq/irqs/37', readDebugIrq);
  assert.deepEqual(problems, []);
  assert.ok(d);
  const file = 'sys/kernel/debug/irq/irqs/37';
  assert.equal(d.irq, 37);
  assert.equal(d.handler, 'handle_edge_irq');
  assert.equal(d.device, '0000:01:00.0');
  assert.equal(d.node, 0);
  assert.ok(d.dstate.has('IRQD_AFFINITY_MANAGED'));
  assert.equal(d.dstate.size, 8);
  assert.deepEqual([d.affinity, d.effective, d.pending], [[0], [0], []]);
  assert.deepEqual(d.levels, [
    { domain: 'INTEL-IR-MSI-0-3', hwirq: 0x80001, chip: 'IR-PCI-MSI', origin: { file, line: 20 } },
    { domain: 'INTEL-IR-0', hwirq: 0x200000, chip: 'INTEL-IR', origin: { file, line: 27 } },
    {
      domain: 'VECTOR',
      hwirq: 0x25,
      chip: 'APIC',
      vector: 35,
      target: 0,
      moveInProgress: false,
      isManaged: true,
      canReserve: false,
      hasReserved: false,
      cleanupPending: false,
      origin: { file, line: 32 },
    },
  ]);
});

test('debugfs irq: a move in progress, an XT-PIC IRQ without a domain', () => {
  const moving = parse(A4, '02-after-affinity', 'sys/kernel/debug/irq/irqs/43', readDebugIrq);
  assert.deepEqual(moving.problems, []);
  const vector = moving.value?.levels.at(-1);
  assert.equal(moving.value?.device, '0000:00:05.0');
  assert.equal(moving.value?.node, -1);
  assert.deepEqual(
    [vector?.domain, vector?.vector, vector?.target, vector?.prevVector, vector?.prevTarget, vector?.moveInProgress],
    ['VECTOR', 41, 3, 40, 1, true],
  );
  const xtpic = parse(B4, '01-boot', 'sys/kernel/debug/irq/irqs/2', readDebugIrq);
  assert.deepEqual(xtpic.problems, []);
  assert.equal(xtpic.value?.device, undefined);
  assert.deepEqual(xtpic.value?.levels, []);
  assert.deepEqual(xtpic.value?.effective, []);
  assert.deepEqual(xtpic.value?.affinity, [0, 1, 2, 3]);
  assert.ok(xtpic.value?.dstate.has('IRQD_LEVEL'));
});

test('debugfs domain: the VECTOR matrix of B4 01-boot', () => {
  const { value: d, problems } = parse(B4, '01-boot', 'sys/kernel/debug/irq/domains/VECTOR', readDebugDomain);
  assert.deepEqual(problems, []);
  assert.ok(d?.matrix);
  const file = 'sys/kernel/debug/irq/domains/VECTOR';
  assert.deepEqual([d.file, d.name, d.size, d.mapped, d.flags, d.parents], ['VECTOR', 'VECTOR', 0, 43, 3, []]);
  const m = d.matrix;
  assert.deepEqual([m.onlineBitmaps, m.globalAvailable, m.globalReserved, m.totalAllocated], [4, 771, 12, 31]);
  assert.equal(m.systemVectors.length, 38);
  assert.deepEqual(m.systemVectors.slice(19, 24), [19, 32, 50, 128, 236]);
  const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  assert.deepEqual(m.cpus, [
    { cpu: 0, available: 192, managed: 3, managedAllocated: 2, allocated: 8, vectors: [...range(33, 36), 38, 39, 40, 48], origin: { file, line: 11 } },
    { cpu: 1, available: 193, managed: 3, managedAllocated: 3, allocated: 8, vectors: range(33, 40), origin: { file, line: 12 } },
    { cpu: 2, available: 193, managed: 3, managedAllocated: 2, allocated: 7, vectors: [...range(33, 36), 38, 39, 40], origin: { file, line: 13 } },
    { cpu: 3, available: 193, managed: 3, managedAllocated: 3, allocated: 8, vectors: range(33, 40), origin: { file, line: 14 } },
  ]);
});

test('debugfs domain: nested parents, an indented matrix, names as the kernel spells them', () => {
  const ir = parse(B4, '01-boot', 'sys/kernel/debug/irq/domains/INTEL-IR-MSI-0-3', readDebugDomain);
  assert.deepEqual(ir.problems, []);
  assert.deepEqual(ir.value?.parents, ['INTEL-IR-0', 'VECTOR']);
  assert.deepEqual([ir.value?.size, ir.value?.mapped, ir.value?.flags], [0, 22, 0x13]);
  // The table is indented by the nesting; the rows are the same as VECTOR's.
  assert.equal(ir.value?.matrix?.cpus.length, 4);
  assert.equal(ir.value?.matrix?.cpus[2].allocated, 7);
  const sfb = parse(B4, '01-boot', 'sys/kernel/debug/irq/domains/\\_SB.PCI0.SFB', readDebugDomain);
  assert.deepEqual(sfb.problems, []);
  assert.deepEqual([sfb.value?.file, sfb.value?.name, sfb.value?.size, sfb.value?.matrix], ['\\_SB.PCI0.SFB', '\\_SB.PCI0.SFB', 120, undefined]);
  const dflt = parse(B4, '01-boot', 'sys/kernel/debug/irq/domains/default', readDebugDomain);
  assert.deepEqual([dflt.value?.file, dflt.value?.name], ['default', 'VECTOR']);
  // C4 dump 05: only CPU 0 online, one row.
  const only0 = parse(C4, '05-only-cpu0', 'sys/kernel/debug/irq/domains/VECTOR', readDebugDomain);
  assert.deepEqual(only0.value?.matrix?.cpus.map((c) => [c.cpu, c.available, c.allocated]), [[0, 177, 24]]);
});

test('ir_translation_struct: B4 (xAPIC) and C4 (x2APIC) IRTEs', () => {
  const { value: tables, problems } = parse(B4, '01-boot', 'sys/kernel/debug/iommu/intel/ir_translation_struct', readIrTranslationStruct);
  assert.deepEqual(problems, []);
  assert.equal(tables?.length, 1);
  const t = tables?.[0];
  assert.equal(t?.iommu, 'dmar0');
  assert.equal(t?.tableAddress, 0x1a00000n);
  assert.equal(t?.entries.size, 30);
  assert.deepEqual(t?.entries.get(16), {
    index: 16,
    sid: 0x0080,
    destId: 0x400,
    vector: 0x21,
    high: 0x0000000000040080n,
    low: 0x000004000021000dn,
    posted: false,
    origin: { file: 'sys/kernel/debug/iommu/intel/ir_translation_struct', line: 10 },
  });
  // The IO-APIC's IRTEs carry SID ff:00.0.
  assert.equal(t?.entries.get(0)?.sid, 0xff00);
  const c4 = parse(C4, '01-boot', 'sys/kernel/debug/iommu/intel/ir_translation_struct', readIrTranslationStruct).value;
  assert.equal(c4?.[0].entries.get(0)?.destId, 4);
  assert.equal(c4?.[0].entries.get(0)?.vector, 0x27);
});

test('ir_translation_struct: several IOMMUs, the posted section, an IOMMU without a table', () => {
  const text = [
    'Remapped Interrupt supported on IOMMU: dmar0',
    ' IR table address:100900000',
    ' Entry SrcID   DstID    Vct IRTE_high\t\tIRTE_low',
    ' 0     00:0a.0 00000080 24  0000000000040050\t000000800024000d',
    '',
    'Remapped Interrupt supported on IOMMU: dmar1',
    'Interrupt Remapping is not enabled',
    '',
    '****',
    '',
    'Posted Interrupt supported on IOMMU: dmar0',
    ' IR table address:100900000',
    ' Entry SrcID   PDA_high PDA_low  Vct IRTE_high\t\tIRTE_low',
    ' 1     03:00.1 00000001 23456080 f7  000000012345678a\t00000000abcdef01',
    '',
  ].join('\n');
  const problems: SnapshotProblem[] = [];
  const tables = readIrTranslationStruct(text, 'ir', problems);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    tables?.map((t) => [t.iommu, t.tableAddress, t.entries.size]),
    [
      ['dmar0', 0x100900000n, 2],
      ['dmar1', undefined, 0],
    ],
  );
  const posted = tables?.[0].entries.get(1);
  assert.deepEqual([posted?.posted, posted?.sid, posted?.vector, posted?.high], [true, 0x0301, 0xf7, 0x12345678an]);
  assert.equal(tables?.[0].entries.get(0)?.posted, false);
});

test('lspci: blocks, MSI and MSI-X capabilities, a stray tool warning', () => {
  const { value: fns, problems } = parse(B4, '01-boot', 'lspci-vvv-nn.txt', readLspci);
  // 'lspci: Unable to load libkmod resources: error -2' inside the first block is not a problem.
  assert.deepEqual(problems, []);
  assert.equal(fns?.size, 13);
  assert.equal(fns?.get('0000:00:00.0')?.classCode, 0x0600);
  const e1000e = fns?.get('0000:00:05.0');
  assert.equal(e1000e?.description, 'Ethernet controller [0200]: Intel Corporation 82574L Gigabit Network Connection [8086:10d3]');
  assert.deepEqual([e1000e?.classCode, e1000e?.vendor, e1000e?.deviceId, e1000e?.driver, e1000e?.intxPin, e1000e?.intxIrq], [0x0200, 0x8086, 0x10d3, 'e1000e', 'A', 21]);
  assert.deepEqual(e1000e?.msi, { enabled: false, count: 1, maxCount: 1, maskable: false, is64: true, address: 0n, data: 0, origin: { file: 'lspci-vvv-nn.txt', line: 108 } });
  assert.deepEqual(e1000e?.msix, { enabled: true, count: 5, masked: false, tableBar: 3, tableOffset: 0, pbaBar: 3, pbaOffset: 0x2000, origin: { file: 'lspci-vvv-nn.txt', line: 117 } });
  assert.deepEqual(e1000e?.regions, [
    { bar: 0, io: false, address: 0xfeac0000n, size: 128 * 1024 },
    { bar: 1, io: false, address: 0xfeae0000n, size: 128 * 1024 },
    { bar: 2, io: true, address: 0xc160n, size: 32 },
    { bar: 3, io: false, address: 0xfeb50000n, size: 16 * 1024 },
  ]);
  // A 32-bit MSI prints an 8-digit address.
  const rootPort = fns?.get('0000:00:10.0')?.msi;
  assert.deepEqual([rootPort?.enabled, rootPort?.count, rootPort?.maxCount, rootPort?.maskable, rootPort?.is64, rootPort?.address], [true, 1, 2, true, false, 0xfee00218n]);
  assert.equal(fns?.get('0000:00:1f.2')?.msi?.address, 0xfee003f8n);
  assert.equal(fns?.get('0000:01:00.0')?.msix?.count, 65);
});

test('msix-tables.txt: base, count and entries per function', () => {
  const { value: tables, problems } = parse(B4, '01-boot', 'msix-tables.txt', readMsixTables);
  assert.deepEqual(problems, []);
  const t = tables?.get('0000:00:02.0');
  assert.deepEqual([t?.base, t?.offset, t?.count, t?.entries.size], [0xfeb59000n, 0, 5, 5]);
  assert.deepEqual(t?.entries.get(0), { addressLo: 0xfee002b8, addressHi: 0, data: 0, ctrl: 0, origin: { file: 'msix-tables.txt', line: 2 } });
  const nvme = tables?.get('0000:01:00.0');
  assert.deepEqual([nvme?.offset, nvme?.count, nvme?.entries.size], [0x2000, 65, 16]);
  assert.equal(tables?.get('0000:00:04.0')?.entries.get(3)?.ctrl, 1);
});

test('dmesg: the lines that fix the APIC and remapping mode', () => {
  const c4 = parse(C4, '00-pre-ifup', 'dmesg.txt', readDmesg);
  assert.deepEqual(c4.problems, []);
  const f = c4.value;
  assert.deepEqual(f?.remapping && [f.remapping.iommu, f.remapping.mode], ['intel', 'x2apic']);
  assert.equal(f?.apicRouting?.name, 'cluster x2apic');
  assert.ok(f?.x2apic);
  assert.deepEqual(f?.allowedCpus && [f.allowedCpus.cpus, f.allowedCpus.hotplug], [4, 0]);
  assert.deepEqual(f?.ioapics.map((a) => [a.index, a.apicId, a.address, a.gsiBase, a.gsiEnd]), [[0, 0, 0xfec00000n, 0, 23]]);
  assert.deepEqual(f?.overrides.map((o) => [o.isaIrq, o.gsi, o.trigger, o.polarity]), [
    [0, 2, undefined, undefined],
    [5, 5, 'level', 'high'],
    [9, 9, 'level', 'high'],
    [10, 10, 'level', 'high'],
    [11, 11, 'level', 'high'],
  ]);
  const b4 = parse(B4, '00-pre-ifup', 'dmesg.txt', readDmesg).value;
  assert.equal(b4?.remapping?.mode, 'xapic');
  assert.equal(b4?.x2apic, undefined);
  const a4 = parse(A4, '00-pre-ifup', 'dmesg.txt', readDmesg).value;
  assert.equal(a4?.remapping, undefined);
  // 6.6+ spells the routing line 'APIC: Switched APIC routing to: physical x2apic'.
  const problems: SnapshotProblem[] = [];
  const newer = readDmesg('[    0.267850] APIC: Switched APIC routing to: physical x2apic\n[    1.0] AMD-Vi: Interrupt remapping enabled\n', 'dmesg.txt', problems);
  assert.deepEqual([newer?.apicRouting?.name, newer?.remapping?.iommu, newer?.remapping?.mode], ['physical x2apic', 'amd', undefined]);
});

test('sysfs PCI: addresses and msi_irqs modes', () => {
  assert.deepEqual(parsePciAddress('0000:01:00.0'), { segment: 0, bus: 1, device: 0, fn: 0 });
  assert.deepEqual(parsePciAddress('00:1f.2'), { segment: 0, bus: 0, device: 0x1f, fn: 2 });
  assert.equal(parsePciAddress('00:20.0'), undefined);
  const { value, problems } = parse(B4, '01-boot', 'sys/bus/pci/devices/0000:01:00.0/msi_irqs/35', readMsiIrqMode);
  assert.deepEqual([value, problems], ['msix', []]);
  assert.equal(parse(B4, '01-boot', 'sys/bus/pci/devices/0000:00:1f.2/msi_irqs/36', readMsiIrqMode).value, 'msi');
});
