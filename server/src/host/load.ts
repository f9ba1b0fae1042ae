// A machine snapshot, read: every parser of ./read run over the files the
// snapshot holds, into one HostSnapshot (types.ts). Nothing is inferred here;
// a file that is missing leaves its field empty, and a file that is not in
// the kernel's format leaves a problem instead of a value.
import type {
  CpuMasks,
  DebugDomain,
  DebugIrq,
  HostSnapshot,
  IrteTableRecord,
  LspciFunction,
  MsixTableRecord,
  NumaNodeRecord,
  PciFunctionRecord,
  ProcIrqRecord,
  SnapshotProblem,
  VectorMatrixRecord,
} from './types.js';
import { openSnapshot, type SnapshotSource } from './source.js';
import { readCpuListFile, readHexMaskFile } from './read/cpulist.js';
import { readDebugDomain } from './read/debugfs-domain.js';
import { readDebugIrq } from './read/debugfs-irq.js';
import { readDmesg } from './read/dmesg.js';
import { readIrTranslationStruct } from './read/ir-table.js';
import { readLspci } from './read/lspci.js';
import { readMsixTables } from './read/msix-tables.js';
import { readProcInterrupts } from './read/proc-interrupts.js';
import { readNodeFile, readProcIrq } from './read/proc-irq.js';
import { MAX_IRQ, Reporter, parseDecimal } from './read/report.js';
import { driverFromLink, parsePciAddress, pciAddressName, readIrqFile, readMsiIrqMode } from './read/sysfs-pci.js';

/** The file `irqd snapshot` writes about itself (collect.ts). */
export const META_FILE = 'irqd-snapshot-meta.json';

const DEBUG_IRQS = 'sys/kernel/debug/irq/irqs/';
const DEBUG_DOMAINS = 'sys/kernel/debug/irq/domains/';
const PCI_DEVICES = 'sys/bus/pci/devices/';

export function loadSnapshot(path: string): HostSnapshot | { problem: string } {
  const source = openSnapshot(path);
  if ('problem' in source) return source;
  return readSnapshot(source);
}

/** The snapshot in an open source (loadSnapshot without the opening). */
export function readSnapshot(source: SnapshotSource): HostSnapshot | { problem: string } {
  const files = source.files;
  const fileSet = new Set(files);
  const has = (prefix: string): boolean => files.some((f) => f.startsWith(prefix));
  if (!fileSet.has('proc/interrupts') && !has('sys/kernel/debug/irq/') && !has('proc/irq/')) {
    return { problem: `'${source.path}' is not a machine snapshot: it has none of proc/interrupts, proc/irq/ or sys/kernel/debug/irq/` };
  }
  const problems: SnapshotProblem[] = [];
  for (const link of source.links) {
    // The kernel has files here, not links; a link is never followed (it
    // could point anywhere once the snapshot is on another machine).
    if (/^(proc|sys\/kernel\/debug|sys\/devices\/system)\//.test(link) || /^[^/]+\.(txt|json)$/.test(link)) {
      problems.push({ file: link, message: 'a symlink where the kernel has a file; not followed', severity: 'warning' });
    }
  }
  const text = (file: string): string | undefined => (fileSet.has(file) ? source.readText(file) : undefined);
  const parse = <T>(file: string, reader: (text: string, file: string, problems: SnapshotProblem[]) => T | undefined): T | undefined => {
    const t = text(file);
    return t === undefined ? undefined : reader(t, file, problems);
  };

  const osrelease = readOsRelease(text);
  const cmdlineText = text('proc/cmdline');
  const cpus = readCpuMasks(parse);
  const nodes = readNodes(files, parse);
  const interrupts = parse('proc/interrupts', readProcInterrupts);
  const procIrqs = readProcIrqs(files, text, problems);
  const defaultCpus = parse('proc/irq/default_smp_affinity', readHexMaskFile);

  const debugIrqs = new Map<number, DebugIrq>();
  for (const f of files.filter((f) => f.startsWith(DEBUG_IRQS) && !f.slice(DEBUG_IRQS.length).includes('/'))) {
    const d = parse(f, readDebugIrq);
    if (d) debugIrqs.set(d.irq, d);
  }
  const sortedDebugIrqs = new Map([...debugIrqs].sort((a, b) => a[0] - b[0]));

  const debugDomains = new Map<string, DebugDomain>();
  for (const f of files.filter((f) => f.startsWith(DEBUG_DOMAINS) && !f.slice(DEBUG_DOMAINS.length).includes('/'))) {
    const d = parse(f, readDebugDomain);
    if (d) debugDomains.set(d.file, d);
  }
  const vectorMatrix = pickVectorMatrix(debugDomains);

  const irteTables: readonly IrteTableRecord[] = parse('sys/kernel/debug/iommu/intel/ir_translation_struct', readIrTranslationStruct) ?? [];
  const lspci = parse('lspci-vvv-nn.txt', readLspci);
  const pci = readPci(source, files, lspci, parse, problems);
  const msixTables: ReadonlyMap<string, MsixTableRecord> = parse('msix-tables.txt', readMsixTables) ?? new Map();
  const dmesg = parse('dmesg.txt', readDmesg);
  const meta = parse(META_FILE, readMeta);

  return {
    source: source.path,
    files: new Set([...files, ...source.links].sort()),
    problems: [...source.problems, ...problems],
    ...(osrelease ? { osrelease } : {}),
    ...(cmdlineText !== undefined ? { cmdline: { value: cmdlineText.replace(/\n$/, ''), origin: { file: 'proc/cmdline', line: 1 } } } : {}),
    cpus,
    nodes,
    ...(interrupts ? { interrupts } : {}),
    procIrqs,
    ...(defaultCpus ? { defaultAffinity: { cpus: defaultCpus, origin: { file: 'proc/irq/default_smp_affinity', line: 1 } } } : {}),
    debugIrqs: sortedDebugIrqs,
    debugDomains,
    ...(vectorMatrix ? { vectorMatrix } : {}),
    irteTables,
    pci,
    msixTables,
    ...(dmesg ? { dmesg } : {}),
    ...(meta ? { meta } : {}),
  };
}

type Parse = <T>(file: string, reader: (text: string, file: string, problems: SnapshotProblem[]) => T | undefined) => T | undefined;

/** proc/sys/kernel/osrelease, else the release in proc/version ('Linux version 6.1.192 (...)'). */
function readOsRelease(text: (file: string) => string | undefined): HostSnapshot['osrelease'] {
  const rel = text('proc/sys/kernel/osrelease')?.split('\n')[0].trim();
  if (rel) return { value: rel, origin: { file: 'proc/sys/kernel/osrelease', line: 1 } };
  const m = /^Linux version (\S+)/.exec(text('proc/version') ?? '');
  return m ? { value: m[1], origin: { file: 'proc/version', line: 1 } } : undefined;
}

function readCpuMasks(parse: Parse): CpuMasks {
  const dir = 'sys/devices/system/cpu';
  const possible = parse(`${dir}/possible`, readCpuListFile);
  const present = parse(`${dir}/present`, readCpuListFile);
  const online = parse(`${dir}/online`, readCpuListFile);
  return {
    ...(possible ? { possible } : {}),
    ...(present ? { present } : {}),
    ...(online ? { online } : {}),
    origin: { file: dir },
  };
}

function readNodes(files: readonly string[], parse: Parse): NumaNodeRecord[] {
  const nodes: NumaNodeRecord[] = [];
  for (const f of files) {
    const m = /^sys\/devices\/system\/node\/node(\d{1,5})\/cpulist$/.exec(f);
    if (!m) continue;
    const cpus = parse(f, readCpuListFile);
    if (cpus) nodes.push({ id: Number(m[1]), cpus, origin: { file: f, line: 1 } });
  }
  return nodes.sort((a, b) => a.id - b.id);
}

function readProcIrqs(files: readonly string[], text: (file: string) => string | undefined, problems: SnapshotProblem[]): ReadonlyMap<number, ProcIrqRecord> {
  const irqs = new Set<number>();
  for (const f of files) {
    const m = /^proc\/irq\/(\d+)\/[^/]+$/.exec(f);
    if (!m) continue;
    const irq = parseDecimal(m[1]);
    if (irq === undefined || irq > MAX_IRQ) new Reporter(f, problems).warn(undefined, `IRQ directory ${m[1]} is beyond ${MAX_IRQ}; ignored`);
    else irqs.add(irq);
  }
  const out = new Map<number, ProcIrqRecord>();
  for (const irq of [...irqs].sort((a, b) => a - b)) {
    const dir = `proc/irq/${irq}`;
    out.set(irq, readProcIrq(irq, dir, (name) => text(`${dir}/${name}`), problems));
  }
  return out;
}

/** domains/VECTOR's matrix, else the first other domain file (by name) that prints one. */
function pickVectorMatrix(domains: ReadonlyMap<string, DebugDomain>): VectorMatrixRecord | undefined {
  const vector = domains.get('VECTOR')?.matrix;
  if (vector) return vector;
  for (const name of [...domains.keys()].sort()) {
    const m = domains.get(name)?.matrix;
    if (m) return m;
  }
  return undefined;
}

function readPci(
  source: SnapshotSource,
  files: readonly string[],
  lspci: ReadonlyMap<string, LspciFunction> | undefined,
  parse: Parse,
  problems: SnapshotProblem[],
): ReadonlyMap<string, PciFunctionRecord> {
  // Every directory directly under sys/bus/pci/devices/, even an empty one.
  const dirs = new Set<string>();
  for (const d of source.directories) {
    if (d.startsWith(PCI_DEVICES) && !d.slice(PCI_DEVICES.length).includes('/')) dirs.add(d.slice(PCI_DEVICES.length));
  }
  const out = new Map<string, PciFunctionRecord>();
  for (const name of [...dirs].sort()) {
    const a = parsePciAddress(name);
    const dir = `${PCI_DEVICES}${name}`;
    if (!a || a.segment > 0xffff || pciAddressName(a) !== name.toLowerCase()) {
      new Reporter(dir, problems).warn(undefined, `'${name}' is not a PCI address SSSS:BB:DD.F; ignored`);
      continue;
    }
    const address = pciAddressName(a);
    const msiIrqs = new Map<number, 'msi' | 'msix'>();
    const prefix = `${dir}/msi_irqs/`;
    const irqFiles = files
      .filter((f) => f.startsWith(prefix) && /^\d+$/.test(f.slice(prefix.length)))
      .sort((x, y) => Number(x.slice(prefix.length)) - Number(y.slice(prefix.length)));
    for (const f of irqFiles) {
      const irq = parseDecimal(f.slice(prefix.length));
      if (irq === undefined || irq > MAX_IRQ) {
        new Reporter(f, problems).warn(undefined, `IRQ ${f.slice(prefix.length)} is beyond ${MAX_IRQ}; ignored`);
        continue;
      }
      const mode = parse(f, readMsiIrqMode);
      if (mode) msiIrqs.set(irq, mode);
    }
    const numaNode = parse(`${dir}/numa_node`, readNodeFile);
    const irq = parse(`${dir}/irq`, readIrqFile);
    const link = source.readLink(`${dir}/driver`);
    const driver = link === undefined ? undefined : driverFromLink(link, `${dir}/driver`, problems);
    const l = lspci?.get(address);
    out.set(address, {
      address,
      segment: a.segment,
      bus: a.bus,
      device: a.device,
      fn: a.fn,
      msiIrqs,
      ...(numaNode !== undefined ? { numaNode } : {}),
      ...(irq !== undefined ? { irq } : {}),
      ...(driver !== undefined ? { driver } : {}),
      ...(l ? { lspci: l } : {}),
      origin: { file: dir },
    });
  }
  // A function lspci shows that has nothing in sysfs (the lab records only msi_irqs/).
  for (const [address, l] of lspci ?? []) {
    if (out.has(address)) continue;
    const a = parsePciAddress(address);
    if (!a) continue;
    out.set(address, { address, segment: a.segment, bus: a.bus, device: a.device, fn: a.fn, msiIrqs: new Map(), lspci: l, origin: l.origin });
  }
  return new Map([...out].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)));
}

/** irqd-snapshot-meta.json: { tool, format, root, unreadable: [{ path, reason }] }. */
function readMeta(text: string, file: string, problems: SnapshotProblem[]): HostSnapshot['meta'] {
  const rep = new Reporter(file, problems);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    rep.error(undefined, 'not JSON; ignored');
    return undefined;
  }
  const unreadable = (json as { unreadable?: unknown } | null)?.unreadable;
  if (typeof json !== 'object' || json === null || !Array.isArray(unreadable)) {
    rep.error(undefined, `not an 'irqd snapshot' meta file (no 'unreadable' list); ignored`);
    return undefined;
  }
  const list: { path: string; reason: string }[] = [];
  for (const u of unreadable as unknown[]) {
    const e = u as { path?: unknown; reason?: unknown } | null;
    if (e && typeof e.path === 'string' && typeof e.reason === 'string') list.push({ path: e.path, reason: e.reason });
    else rep.warn(undefined, `an 'unreadable' entry without path and reason; skipped`);
  }
  return { unreadable: list, origin: { file } };
}
