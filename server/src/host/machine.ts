// A snapshot read as a machine: which kernel, CPUs and APIC mode, which
// irqdomains, devices and IRQs, and where each IRQ stood. This is the one
// place that interprets the host's files; import.ts only writes what it says
// and compare.ts reads the same files as facts.
//
// Every value says where it came from. What the snapshot cannot tell is
// inferred the way the kernel would have chosen it and marked `inferred`,
// with the reason (no debugfs: no vectors; no lspci: no capability sizes).
import type { DomainKind, IrqStatus } from '../model/types.js';
import { deviceName, platformName, uniqueName } from './names.js';
import { classifyIrqs, type IrqSource } from './irq-source.js';
import type { DebugIrq, HostSnapshot, PciFunctionRecord, SnapshotProblem } from './types.js';

/** A value and the snapshot file (and line) it was read from, or why it was inferred. */
export interface Fact<T> {
  readonly value: T;
  /** 'debugfs irqs/35', 'proc/interrupts:20', …, or the inference. */
  readonly from: string;
  readonly inferred?: boolean;
}

export interface MachineDomain {
  readonly name: string;
  readonly kind: DomainKind;
  readonly parent?: string;
  /** `pins 24`, `irtes 65536`, `source-id ff:00.0`. */
  readonly props: readonly { readonly key: string; readonly text: string }[];
  readonly from: string;
}

export interface MachineDevice {
  readonly name: string;
  readonly bus: 'pci' | 'platform';
  /** 'SSSS:BB:DD.F' for PCI functions. */
  readonly address?: string;
  readonly description?: string;
  readonly driver?: Fact<string>;
  readonly msix?: Fact<{ readonly count: number; readonly table?: { readonly bar: number; readonly offset: number }; readonly pba?: { readonly bar: number; readonly offset: number } }>;
  readonly msi?: Fact<{ readonly count: number; readonly maskable: boolean; readonly domain?: string }>;
  readonly intx?: Fact<{ readonly pin: number; readonly domain: string; readonly irq?: number; readonly trigger: 'edge' | 'level' }>;
  readonly bars: readonly { readonly bar: number; readonly size: number }[];
  readonly node?: number;
}

export interface MachineIrq {
  readonly virq: number;
  readonly device: string;
  readonly cap: 'msi' | 'msix' | 'ioapic';
  readonly index: number;
  readonly managed: Fact<boolean>;
  readonly status: Fact<IrqStatus>;
  readonly cpu?: Fact<number>;
  readonly vector?: Fact<number>;
  readonly affinity?: Fact<readonly number[]>;
  readonly pending?: readonly number[];
  readonly previous?: { readonly cpu: number; readonly vector: number };
  readonly irte?: Fact<number>;
  readonly message?: Fact<{ readonly addressLo: number; readonly addressHi: number; readonly data: number }>;
  readonly masked: boolean;
  readonly noBalancing: boolean;
  /** request_irq() names from /proc/interrupts. */
  readonly actions: readonly string[];
  readonly from: string;
}

export interface Machine {
  readonly name: string;
  readonly source: string;
  readonly kernel: Fact<string>;
  readonly possible: Fact<number>;
  readonly online: Fact<readonly number[]>;
  readonly nodes: readonly { readonly id: number; readonly cpus: readonly number[]; readonly from: string }[];
  readonly apic: Fact<'xapic' | 'x2apic'>;
  readonly destMode: Fact<'logical' | 'physical'>;
  /** proc/cmdline, for a `cmdline` item: the options irqd simulates act on the imported machine too. */
  readonly cmdline?: Fact<string>;
  readonly domains: readonly MachineDomain[];
  readonly devices: readonly MachineDevice[];
  readonly irqs: readonly MachineIrq[];
  /** What the snapshot cannot tell, in sentences, for the file's header. */
  readonly notes: readonly string[];
  readonly problems: readonly SnapshotProblem[];
}

/** major.minor of a release string ('6.1.192', '6.8.0-45-generic'). */
export function kernelOf(release: string): { major: number; minor: number } | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}


export { cpuListText } from '../model/values.js';

/** The kernel version: osrelease, else the 'Linux version' banner; 6.1 (irqd's ground truth) when neither says. */
/**
 * The kernel command line as a `cmdline` value: its first line, control
 * characters as spaces. `nr_cpus=` and `maxcpus=` are left out: the
 * snapshot's possible and online CPUs already say what they did, and the
 * declared state is the machine as found.
 */
function cmdlineFact(snap: HostSnapshot, notes: string[]): Fact<string> | undefined {
  const c = snap.cmdline;
  if (!c) return undefined;
  const line = Array.from(c.value.split('\n')[0] ?? '', (ch) => (ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127 ? ' ' : ch)).join('');
  const words = line.split(' ').filter((w) => w !== '');
  const kept = words.filter((w) => !/^(nr_cpus|maxcpus)=/.test(w));
  if (kept.length < words.length) notes.push('nr_cpus= and maxcpus= are left out of cmdline: the possible and online CPUs of the snapshot already show what they did.');
  return kept.length > 0 ? { value: kept.join(' '), from: c.origin.file } : undefined;
}

function kernelFact(snap: HostSnapshot, notes: string[]): Fact<string> | { problem: string } {
  const rel = snap.osrelease;
  if (!rel) {
    notes.push('The snapshot has no kernel version (proc/sys/kernel/osrelease): the import assumes 6.1.');
    return { value: '6.1', from: 'no osrelease in the snapshot', inferred: true };
  }
  const v = kernelOf(rel.value);
  if (!v) return { problem: `${rel.origin.file}:1: '${rel.value}' is not a kernel version irqd can read (expected MAJOR.MINOR[.PATCH…])` };
  // irqd's versions are MAJOR.MINOR[.PATCH]; a distribution suffix ('-45-generic') only names the build.
  const text = /^\d+\.\d+(\.\d+)?/.exec(rel.value)?.[0] ?? `${v.major}.${v.minor}`;
  if (v.major < 6 || (v.major === 6 && v.minor < 1)) notes.push(`Kernel ${rel.value} is older than 6.1, the oldest irqd models: it is simulated as 6.1.`);
  return { value: text, from: rel.origin.file };
}

/** The CPUs: possible and online from sysfs, else what /proc/interrupts and the matrix show. */
function cpuFacts(snap: HostSnapshot, notes: string[]): { possible: Fact<number>; online: Fact<readonly number[]> } {
  const cpus = snap.cpus;
  // Every CPU the snapshot names counts: an offline CPU has no column in
  // proc/interrupts and no matrix row, but an IRQ's mask or target may name it.
  let highest = -1;
  const see = (list: readonly number[] | undefined): void => {
    for (const c of list ?? []) if (c > highest) highest = c;
  };
  see(cpus.possible);
  see(cpus.present);
  see(cpus.online);
  see(snap.interrupts?.cpus);
  see(snap.vectorMatrix?.cpus.map((c) => c.cpu));
  for (const irq of snap.debugIrqs.values()) {
    see(irq.affinity);
    see(irq.effective);
    see(irq.pending);
    for (const level of irq.levels) if (level.target !== undefined) see([level.target]);
  }
  for (const r of snap.procIrqs.values()) {
    see(r.affinity);
    see(r.effective);
  }
  const possible: Fact<number> = cpus.possible
    ? { value: cpus.possible.reduce((m, c) => Math.max(m, c), -1) + 1, from: 'sys/devices/system/cpu/possible' }
    : { value: Math.max(1, highest + 1), from: 'the highest CPU the snapshot names (no sys/devices/system/cpu/possible)', inferred: true };
  if (!cpus.possible) notes.push('The snapshot has no sys/devices/system/cpu/possible: the CPU count is the highest CPU it shows.');
  let online: Fact<readonly number[]>;
  // The boot CPU is always online (it has no cpu0/online file): a mask without it is a damaged file.
  const usable = cpus.online && cpus.online.includes(0) ? cpus.online : undefined;
  if (cpus.online && !usable) notes.push(`sys/devices/system/cpu/online ${cpus.online.length === 0 ? 'is empty' : 'leaves out CPU 0, the boot CPU'}: the import reads the online CPUs from elsewhere.`);
  if (usable) online = { value: usable, from: 'sys/devices/system/cpu/online' };
  else if (snap.interrupts) online = { value: snap.interrupts.cpus, from: 'the CPU columns of proc/interrupts', inferred: true };
  else online = { value: range(possible.value), from: 'no online mask in the snapshot: every CPU', inferred: true };
  return { possible, online };
}

/** The interrupt remapping unit, if any: debugfs domains, the IRTE dump, 'IR-' chips, the kernel log. */
function remappingOf(snap: HostSnapshot): { kind: 'intel-ir' | 'amd-ir'; name: string; size?: number; from: string; inferred?: boolean } | undefined {
  for (const d of snap.debugDomains.values()) {
    const m = /^(INTEL|AMD)-IR-(\d+)$/.exec(d.name);
    if (m) return { kind: m[1] === 'AMD' ? 'amd-ir' : 'intel-ir', name: d.name, ...(d.size ? { size: d.size } : {}), from: `debugfs domains/${d.file}` };
  }
  if (snap.irteTables.length > 0) return { kind: 'intel-ir', name: 'INTEL-IR-0', from: 'sys/kernel/debug/iommu/intel/ir_translation_struct' };
  const ir = snap.dmesg?.remapping;
  if (ir) return { kind: ir.iommu === 'amd' ? 'amd-ir' : 'intel-ir', name: ir.iommu === 'amd' ? 'AMD-IR-0' : 'INTEL-IR-0', from: `${ir.origin.file}:${ir.origin.line ?? ''}` };
  const chips = [...(snap.interrupts?.rows.values() ?? [])].map((r) => r.chip);
  if (chips.some((c) => c.startsWith('IR-'))) {
    return { kind: 'intel-ir', name: 'INTEL-IR-0', from: "'IR-' chips in proc/interrupts (Intel assumed: the snapshot does not say which IOMMU)", inferred: true };
  }
  return undefined;
}

/**
 * The APIC mode and destination mode. With remapping the IRTEs tell both
 * (x2APIC mode has full 32-bit destination IDs, xAPIC mode puts the 8-bit ID
 * in bits 15:8; DM is bit 2); without, the MSI addresses tell the mode (bit
 * 2); the kernel log names the driver. Otherwise the default 6.1 picks
 * (default_setup_apic_routing(): flat logical up to 8 CPUs in xAPIC, physical
 * flat above; x2APIC cluster with remapping).
 */
function apicFacts(snap: HostSnapshot, cpus: number, remapped: boolean): { apic: Fact<'xapic' | 'x2apic'>; destMode: Fact<'logical' | 'physical'> } {
  const routing = snap.dmesg?.apicRouting;
  const x2Log = snap.dmesg?.x2apic ?? (snap.dmesg?.remapping?.mode === 'x2apic' ? snap.dmesg.remapping.origin : undefined);
  const irtes = snap.irteTables.flatMap((t) => [...t.entries.values()].filter((e) => !e.posted));
  let apic: Fact<'xapic' | 'x2apic'> | undefined;
  let destMode: Fact<'logical' | 'physical'> | undefined;
  if (x2Log) apic = { value: 'x2apic', from: `${x2Log.file}:${x2Log.line ?? ''}` };
  else if (snap.dmesg?.remapping?.mode === 'xapic') apic = { value: 'xapic', from: `${snap.dmesg.remapping.origin.file}:${snap.dmesg.remapping.origin.line ?? ''}` };
  if (irtes.length > 0) {
    const file = 'sys/kernel/debug/iommu/intel/ir_translation_struct';
    if (!apic) {
      const x2 = irtes.some((e) => (e.destId & 0xff) !== 0 || e.destId > 0xffff);
      apic = { value: x2 ? 'x2apic' : 'xapic', from: `${file}: destination IDs ${x2 ? 'use all 32 bits' : 'in bits 15:8'}` };
    }
    destMode = { value: (irtes[0] as (typeof irtes)[number]).low & 4n ? 'logical' : 'physical', from: `${file}: the IRTEs' DM bit` };
  }
  if (!destMode) {
    const msgs = [...snap.msixTables.values()].flatMap((t) => [...t.entries.values()]).filter((e) => e.addressLo >>> 20 === 0xfee && !(e.addressLo & 0x10));
    const msis = [...snap.pci.values()].map((p) => p.lspci?.msi).filter((m) => m?.enabled && m.address !== undefined && Number(m.address & 0xfff00000n) === 0xfee00000 && !(m.address & 0x10n));
    const logical = msgs.length > 0 ? (msgs[0]?.addressLo ?? 0) & 4 : msis.length > 0 ? Number((msis[0]?.address ?? 0n) & 4n) : undefined;
    if (logical !== undefined) destMode = { value: logical ? 'logical' : 'physical', from: msgs.length > 0 ? 'msix-tables.txt: MSI address bit 2' : 'lspci: MSI address bit 2' };
  }
  if (routing && !destMode) {
    const logical = /cluster|logical|flat/i.test(routing.name) && !/physical/i.test(routing.name);
    destMode = { value: logical ? 'logical' : 'physical', from: `${routing.origin.file}:${routing.origin.line ?? ''}` };
    if (!apic && /x2apic/i.test(routing.name)) apic = { value: 'x2apic', from: `${routing.origin.file}:${routing.origin.line ?? ''}` };
  }
  apic ??= { value: cpus > 255 ? 'x2apic' : 'xapic', from: 'nothing in the snapshot says (the kernel uses xAPIC below 256 APIC IDs without x2APIC firmware)', inferred: true };
  destMode ??= {
    value: (apic.value === 'xapic' && cpus <= 8) || (apic.value === 'x2apic' && remapped) ? 'logical' : 'physical',
    from: "the kernel's default (default_setup_apic_routing(): flat up to 8 CPUs, x2APIC cluster with remapping)",
    inferred: true,
  };
  return { apic, destMode };
}

/** The IO-APICs: debugfs IO-APIC-N domains (size = pins), else the kernel log's IOAPIC[n] lines, else one of 24 pins. */
function ioapicsOf(snap: HostSnapshot, sources: readonly IrqSource[]): { name: string; pins: number; gsiBase: number; from: string; inferred?: boolean }[] {
  const out: { name: string; pins: number; gsiBase: number; from: string; inferred?: boolean }[] = [];
  const logged = snap.dmesg?.ioapics ?? [];
  for (const d of snap.debugDomains.values()) {
    const m = /^IO-APIC-(\d+)$/.exec(d.name);
    if (!m) continue;
    const index = Number(m[1]);
    const log = logged.find((l) => l.index === index);
    out.push({ name: d.name, pins: d.size ?? (log ? log.gsiEnd - log.gsiBase + 1 : 24), gsiBase: log?.gsiBase ?? 0, from: `debugfs domains/${d.file}` });
  }
  if (out.length === 0) {
    for (const l of logged) out.push({ name: `IO-APIC-${l.index}`, pins: l.gsiEnd - l.gsiBase + 1, gsiBase: l.gsiBase, from: `${l.origin.file}:${l.origin.line ?? ''}` });
  }
  if (out.length === 0 && sources.some((s) => s.kind === 'ioapic')) out.push({ name: 'IO-APIC-0', pins: 24, gsiBase: 0, from: 'IO-APIC lines in proc/interrupts (one IO-APIC of 24 pins assumed)', inferred: true });
  // The GSI bases follow the declaration order, as irqd numbers the pins of each IO-APIC after the previous ones.
  out.sort((a, b) => a.gsiBase - b.gsiBase);
  return out;
}

/** An IRQ's VECTOR level in its debugfs file. */
function vectorLevel(d: DebugIrq | undefined): DebugIrq['levels'][number] | undefined {
  return d?.levels.find((l) => l.domain === 'VECTOR');
}

/** Interprets a snapshot; a problem when it cannot be read as a machine at all. */
export function interpretSnapshot(snap: HostSnapshot, options: { name?: string } = {}): Machine | { problem: string } {
  const notes: string[] = [];
  const kernel = kernelFact(snap, notes);
  if ('problem' in kernel) return kernel;
  const { possible, online } = cpuFacts(snap, notes);
  const ir = remappingOf(snap);
  const { apic, destMode } = apicFacts(snap, possible.value, ir !== undefined);
  const v = kernelOf(kernel.value) ?? { major: 6, minor: 1 };
  const sources = classifyIrqs(snap, v);
  const ioapics = ioapicsOf(snap, sources);
  if (snap.debugIrqs.size === 0) {
    notes.push('The snapshot has no sys/kernel/debug/irq (no root, or no CONFIG_GENERIC_IRQ_DEBUGFS): vectors, managed flags and IRTEs are inferred as the kernel would have chosen them, and compare cannot check them.');
  }
  if (snap.pci.size > 0 && ![...snap.pci.values()].some((p) => p.lspci)) {
    notes.push('The snapshot has no lspci output: capability sizes are the vectors in use, BARs and drivers are unknown.');
  }
  for (const s of sources) if (s.kind === 'skipped') notes.push(s.why);

  const domains = domainsOf(snap, ir, ioapics, sources, v);
  const { devices, irqs } = devicesAndIrqs(snap, sources, ioapics, domains, possible.value, online.value, notes);
  const nodes = snap.nodes.map((n) => ({ id: n.id, cpus: n.cpus, from: n.origin.file }));
  const name = uniqueName(options.name ?? (snap.source.replace(/\/+$/, '').replace(/^.*\//, '').replace(/\.(tar\.gz|tgz|tar)$/, '') || 'machine'), new Set());
  const cmdline = cmdlineFact(snap, notes);
  return { name, source: snap.source, kernel, possible, online, nodes, apic, destMode, ...(cmdline ? { cmdline } : {}), domains, devices, irqs, notes, problems: snap.problems };
}

/** The IO-APIC an IRQ's GSI belongs to, and its pin. */
export function pinOf(ioapics: readonly { name: string; pins: number; gsiBase: number }[], gsi: number): { name: string; pin: number } | undefined {
  const io = ioapics.find((a) => gsi >= a.gsiBase && gsi < a.gsiBase + a.pins);
  return io ? { name: io.name, pin: gsi - io.gsiBase } : undefined;
}

function domainsOf(
  snap: HostSnapshot,
  ir: ReturnType<typeof remappingOf>,
  ioapics: ReturnType<typeof ioapicsOf>,
  sources: readonly IrqSource[],
  v: { major: number; minor: number },
): MachineDomain[] {
  const out: MachineDomain[] = [{ name: 'VECTOR', kind: 'vector', props: [], from: snap.debugDomains.has('VECTOR') ? 'debugfs domains/VECTOR' : 'every x86 kernel has the vector domain' }];
  if (ir) out.push({ name: ir.name, kind: ir.kind, parent: 'VECTOR', props: ir.size ? [{ key: ir.kind === 'amd-ir' ? 'entries' : 'irtes', text: String(ir.size) }] : [], from: ir.from });
  const top = ir?.name ?? 'VECTOR';
  // The IO-APIC's requester ID: what its remapped lines' IRTEs carry (set_ioapic_sid()).
  const sid = ioapicSourceId(snap, sources);
  for (const io of ioapics) {
    const props = [{ key: 'pins', text: String(io.pins) }, ...(sid && ir ? [{ key: 'source-id', text: sid.text }] : [])];
    out.push({ name: io.name, kind: 'ioapic', parent: top, props, from: `${io.from}${sid && ir ? `; source-id: ${sid.from}` : ''}` });
  }
  const msiDomains = [...snap.debugDomains.values()].filter((d) => /PCI-MSI|IR-MSI|PCI-MSIX/.test(d.name)).map((d) => d.file);
  if (sources.some((s) => s.kind === 'msi') || msiDomains.length > 0 || snap.pci.size > 0) {
    const perDevice = v.major > 6 || (v.major === 6 && v.minor >= 2);
    out.push({
      name: 'PCI-MSI',
      kind: 'pci-msi',
      parent: top,
      props: [],
      from: msiDomains.length > 0 ? `debugfs domains/${msiDomains.slice(0, 3).join(', ')}${msiDomains.length > 3 ? ', …' : ''}` : perDevice ? 'per-device MSI domains (6.2+)' : 'the PCI MSI domain',
    });
  }
  if (snap.debugDomains.has('DMAR-MSI') || sources.some((s) => s.kind === 'dmar')) {
    out.push({ name: 'DMAR-MSI', kind: 'dmar-msi', parent: 'VECTOR', props: [], from: snap.debugDomains.has('DMAR-MSI') ? 'debugfs domains/DMAR-MSI' : "proc/interrupts: a 'DMAR-MSI' chip" });
  }
  for (const d of snap.debugDomains.values()) {
    const m = /^HPET-MSI-(\d+)$/.exec(d.name);
    if (!m) continue;
    out.push({ name: d.name, kind: 'hpet-msi', parent: d.parents[0] && d.parents[0] !== 'VECTOR' && ir ? top : 'VECTOR', props: [], from: `debugfs domains/${d.file}` });
  }
  return out;
}

/** The source ID of the IO-APIC's IRTEs, as a PCI address ('ff:00.0'), when the snapshot shows one. */
function ioapicSourceId(snap: HostSnapshot, sources: readonly IrqSource[]): { text: string; from: string } | undefined {
  for (const s of sources) {
    if (s.kind !== 'ioapic' || s.irte === undefined) continue;
    for (const t of snap.irteTables) {
      const e = t.entries.get(s.irte);
      if (!e) continue;
      const h = (n: number, w: number): string => n.toString(16).padStart(w, '0');
      return { text: `${h(e.sid >> 8, 2)}:${h((e.sid >> 3) & 0x1f, 2)}.${e.sid & 7}`, from: `the SID of IRTE ${s.irte} (IRQ ${s.virq}) in ir_translation_struct` };
    }
  }
  return undefined;
}

/** Devices (PCI functions and kernel-owned sources) and every IRQ's state. */
function devicesAndIrqs(
  snap: HostSnapshot,
  sources: readonly IrqSource[],
  ioapics: ReturnType<typeof ioapicsOf>,
  domains: readonly MachineDomain[],
  cpus: number,
  online: readonly number[],
  notes: string[],
): { devices: MachineDevice[]; irqs: MachineIrq[] } {
  const taken = new Set<string>(domains.map((d) => d.name));
  const byAddress = new Map<string, PciFunctionRecord>(snap.pci);
  for (const s of sources) {
    if (s.kind === 'msi' && s.address && !byAddress.has(s.address)) {
      const [seg, bus, dev, fn] = s.address.split(/[:.]/).map((x) => parseInt(x, 16));
      byAddress.set(s.address, { address: s.address, segment: seg ?? 0, bus: bus ?? 0, device: dev ?? 0, fn: fn ?? 0, msiIrqs: new Map(), origin: { file: `debugfs irqs/${s.virq}` } });
    }
  }
  const actionsOf = (virq: number): readonly string[] => snap.interrupts?.rows.get(virq)?.actions ?? [];
  const msiUsers = new Set(sources.filter((s) => s.kind === 'msi').map((s) => s.address));
  // INTx routing of PCI functions: the GSI each one's pin maps to (lspci "routed to IRQ", sysfs irq).
  const routedTo = new Map<number, PciFunctionRecord[]>();
  for (const p of byAddress.values()) {
    const irq = p.lspci?.intxIrq ?? p.irq;
    if (irq === undefined || irq === 0 || !p.lspci?.intxPin) continue;
    // With MSI enabled pdev->irq is the first MSI IRQ (msi_capability_init()), not the INTx route.
    if (p.msiIrqs.has(irq) || sources.some((s) => s.kind === 'msi' && s.virq === irq)) continue;
    const list = routedTo.get(irq) ?? [];
    list.push(p);
    routedTo.set(irq, list);
  }
  const ioapicByGsi = new Map<number, IrqSource>();
  for (const s of sources) if (s.kind === 'ioapic') ioapicByGsi.set(s.gsi, s);
  // The owner of a GSI line: the routed function that has a driver and no MSI (it uses INTx), else the first routed.
  const lineOwner = new Map<number, PciFunctionRecord>();
  for (const [gsi, fns] of routedTo) {
    if (!ioapicByGsi.has(gsi)) continue;
    const user = fns.find((f) => !msiUsers.has(f.address) && (f.lspci?.driver ?? f.driver));
    lineOwner.set(gsi, user ?? (fns[0] as PciFunctionRecord));
  }

  const devices: MachineDevice[] = [];
  const nameOf = new Map<string, string>();
  const pciSorted = [...byAddress.values()].sort((a, b) => a.address.localeCompare(b.address));
  const driverCount = new Map<string, number>();
  for (const p of pciSorted) {
    const mine = sources.filter((s) => (s.kind === 'msi' && s.address === p.address) || (s.kind === 'ioapic' && lineOwner.get(s.gsi) === p));
    const actions = mine.flatMap((s) => actionsOf(s.virq));
    const driver = p.lspci?.driver ?? p.driver;
    const name = deviceName({ actions: mine.filter((s) => s.kind === 'msi').flatMap((s) => actionsOf(s.virq)), intxActions: actions, driver, address: p.address }, taken, driverCount);
    nameOf.set(p.address, name);
    devices.push(pciDevice(p, name, sources, ioapics, routedTo, notes));
  }
  const irqs: MachineIrq[] = [];
  for (const s of sources) {
    if (s.kind === 'skipped') continue;
    let device: string | undefined;
    if (s.kind === 'msi') device = s.address ? nameOf.get(s.address) : undefined;
    else if (s.kind === 'ioapic') {
      const owner = lineOwner.get(s.gsi);
      device = owner ? nameOf.get(owner.address) : undefined;
      if (!device) {
        const pin = pinOf(ioapics, s.gsi);
        device = platformName(actionsOf(s.virq), s.virq, s.gsi < 16 ? 'isa' : 'gsi', taken);
        devices.push({
          name: device,
          bus: 'platform',
          description: s.gsi < 16 || s.virq < 16 ? `ISA IRQ ${s.virq}` : `GSI ${s.gsi}`,
          intx: {
            value: { pin: pin?.pin ?? s.gsi, domain: pin?.name ?? 'IO-APIC-0', ...(s.virq !== s.gsi ? { irq: s.virq } : {}), trigger: s.trigger.value },
            from: s.trigger.from,
            ...(s.trigger.inferred ? { inferred: true } : {}),
          },
          bars: [],
        });
      }
    } else {
      device = platformName(actionsOf(s.virq), s.virq, s.kind === 'dmar' ? 'dmar' : 'hpet', taken);
      devices.push({
        name: device,
        bus: 'platform',
        description: s.kind === 'dmar' ? 'the IOMMU fault interrupt' : 'an HPET channel',
        msi: { value: { count: 1, maskable: false, domain: s.domain }, from: s.from },
        bars: [],
      });
    }
    if (!device) continue;
    irqs.push(irqOf(snap, s, device, cpus, online));
  }
  if (snap.debugIrqs.size === 0) inferManaged(irqs, cpus, online, notes);
  inferMissingVectors(irqs, online, notes);
  return { devices, irqs };
}

function pciDevice(
  p: PciFunctionRecord,
  name: string,
  sources: readonly IrqSource[],
  ioapics: ReturnType<typeof ioapicsOf>,
  routedTo: ReadonlyMap<number, readonly PciFunctionRecord[]>,
  notes: string[],
): MachineDevice {
  const ls = p.lspci;
  const mine = sources.filter((s): s is Extract<IrqSource, { kind: 'msi' }> => s.kind === 'msi' && s.address === p.address);
  const usedMsix = mine.filter((s) => s.mode === 'msix');
  const usedMsi = mine.filter((s) => s.mode === 'msi');
  const driver = driverOf(p, mine.map((s) => s.virq));
  let msix: MachineDevice['msix'];
  if (ls?.msix) {
    msix = {
      value: {
        count: ls.msix.count,
        ...(ls.msix.tableBar !== undefined && ls.msix.tableOffset !== undefined ? { table: { bar: ls.msix.tableBar, offset: ls.msix.tableOffset } } : {}),
        ...(ls.msix.pbaBar !== undefined && ls.msix.pbaOffset !== undefined ? { pba: { bar: ls.msix.pbaBar, offset: ls.msix.pbaOffset } } : {}),
      },
      from: `lspci line ${ls.msix.origin.line ?? '?'}: MSI-X Count=${ls.msix.count}`,
    };
  } else if (usedMsix.length > 0) {
    msix = { value: { count: usedMsix.reduce((m, s) => Math.max(m, s.index), -1) + 1 }, from: 'the vectors in use (no lspci: the table may be larger)', inferred: true };
  }
  let msi: MachineDevice['msi'];
  if (ls?.msi) {
    msi = { value: { count: ls.msi.maxCount, maskable: ls.msi.maskable }, from: `lspci line ${ls.msi.origin.line ?? '?'}: MSI Count=${ls.msi.count}/${ls.msi.maxCount} Maskable${ls.msi.maskable ? '+' : '-'}` };
  } else if (usedMsi.length > 0) {
    const n = usedMsi.reduce((m, s) => Math.max(m, s.index), -1) + 1;
    // msi_init_virq() clears can_reserve of an MSI without mask bits once it is activated.
    const maskable = usedMsi.some((s) => s.canReserve === true);
    msi = { value: { count: 2 ** Math.ceil(Math.log2(n)), maskable }, from: 'the vectors in use (no lspci)', inferred: true };
  }
  let intx: MachineDevice['intx'];
  const gsi = [...routedTo.entries()].find(([, fns]) => fns.includes(p))?.[0];
  const line = gsi === undefined ? undefined : sources.find((s): s is Extract<IrqSource, { kind: 'ioapic' }> => s.kind === 'ioapic' && s.gsi === gsi);
  if (gsi !== undefined && line) {
    const pin = pinOf(ioapics, gsi);
    intx = {
      value: { pin: pin?.pin ?? gsi, domain: pin?.name ?? 'IO-APIC-0', trigger: line.trigger.value },
      from: `lspci: pin ${ls?.intxPin ?? '?'} routed to IRQ ${gsi}`,
    };
  } else if (gsi !== undefined) {
    notes.push(`${p.address} routes INTx to IRQ ${gsi}, which the snapshot does not show as an IO-APIC line; the route is left out.`);
  }
  const bars = (ls?.regions ?? []).filter((r) => r.size !== undefined && r.size >= 16 && (r.size & (r.size - 1)) === 0).map((r) => ({ bar: r.bar, size: r.size as number }));
  return {
    name,
    bus: 'pci',
    address: p.address,
    ...(ls ? { description: ls.description } : {}),
    ...(driver ? { driver } : {}),
    ...(msix ? { msix } : {}),
    ...(msi ? { msi } : {}),
    ...(intx ? { intx } : {}),
    bars,
    ...(p.numaNode !== undefined && p.numaNode >= 0 ? { node: p.numaNode } : {}),
  };
}

/** The virtio driver of a virtio device type (include/uapi/linux/virtio_ids.h). */
const VIRTIO_DRIVERS: Readonly<Record<number, string>> = { 1: 'virtio_net', 2: 'virtio_blk', 8: 'virtio_scsi' };

/**
 * The driver bound to the function: lspci's "Kernel driver in use" or the
 * sysfs link. For virtio-pci the driver that acts on the interrupts is the
 * virtio one (virtio_net sets its queues' affinity on hotplug): the PCI ID
 * names the virtio device type, and its queue names confirm it.
 */
function driverOf(p: PciFunctionRecord, _irqs: readonly number[]): Fact<string> | undefined {
  const ls = p.lspci;
  const bound = ls?.driver ? { value: ls.driver, from: 'lspci: Kernel driver in use' } : p.driver ? { value: p.driver, from: `${p.origin.file}/driver` } : undefined;
  if (bound?.value !== 'virtio-pci' || ls?.vendor !== 0x1af4 || ls.deviceId === undefined) return bound;
  const id = ls.deviceId;
  // Transitional IDs (virtio spec 4.1.2.1) map to types by table; modern ones are 0x1040 + type.
  const transitional: Readonly<Record<number, number>> = { 0x1000: 1, 0x1001: 2, 0x1002: 5, 0x1003: 3, 0x1004: 8, 0x1005: 4, 0x1009: 9 };
  const type = id >= 0x1040 ? id - 0x1040 : transitional[id];
  const virtio = type === undefined ? undefined : VIRTIO_DRIVERS[type];
  return virtio ? { value: virtio, from: `lspci: virtio-pci on a virtio device of type ${type} [1af4:${id.toString(16)}]: its virtio driver` } : bound;
}

function irqOf(snap: HostSnapshot, s: Exclude<IrqSource, { kind: 'skipped' }>, device: string, cpus: number, online: readonly number[]): MachineIrq {
  const d = snap.debugIrqs.get(s.virq);
  const vl = vectorLevel(d);
  const proc = snap.procIrqs.get(s.virq);
  const actions = snap.interrupts?.rows.get(s.virq)?.actions ?? [];
  const dfile = `debugfs irqs/${s.virq}`;
  const managed: Fact<boolean> = d
    ? { value: d.dstate.has('IRQD_AFFINITY_MANAGED') || vl?.isManaged === true, from: dfile }
    : { value: false, from: 'no debugfs', inferred: true };
  let status: Fact<IrqStatus>;
  if (d) {
    const started = d.dstate.has('IRQD_IRQ_STARTED');
    const value: IrqStatus = d.dstate.has('IRQD_MANAGED_SHUTDOWN') ? 'shutdown' : started ? 'requested' : d.dstate.has('IRQD_ACTIVATED') ? 'allocated' : 'reserved';
    status = { value, from: dfile };
  } else {
    status = actions.length > 0 ? { value: 'requested', from: `proc/interrupts: ${actions.join(', ')}` } : { value: 'reserved', from: 'no handler in proc/interrupts', inferred: true };
  }
  const hasVector = status.value === 'requested' || status.value === 'allocated';
  let cpu: Fact<number> | undefined;
  let vector: Fact<number> | undefined;
  if (vl && hasVector && vl.vector !== undefined && vl.vector > 0 && vl.target !== undefined) {
    cpu = { value: vl.target, from: dfile };
    vector = { value: vl.vector, from: dfile };
  } else if (!d && hasVector) {
    const eff = proc?.effective;
    if (eff && eff.length === 1) cpu = { value: eff[0] as number, from: `proc/irq/${s.virq}/effective_affinity_list` };
  }
  // A shut-down managed IRQ keeps its last CPU in apicd->cpu.
  if (vl && status.value === 'shutdown' && vl.target !== undefined) cpu = { value: vl.target, from: dfile };
  const affinity: Fact<readonly number[]> | undefined = d
    ? { value: d.affinity, from: dfile }
    : proc?.affinity
      ? { value: proc.affinity, from: `proc/irq/${s.virq}/smp_affinity_list` }
      : undefined;
  const pending = d && d.dstate.has('IRQD_SETAFFINITY_PENDING') && d.pending.length > 0 ? d.pending : undefined;
  const previous = vl && (vl.moveInProgress || vl.cleanupPending) && vl.prevVector && vl.prevTarget !== undefined && hasVector ? { cpu: vl.prevTarget, vector: vl.prevVector } : undefined;
  const msg = s.kind === 'msi' ? messageOf(snap, s) : undefined;
  const table = s.kind === 'msi' && s.address ? snap.msixTables.get(s.address) : undefined;
  const masked = s.kind === 'msi' && s.mode === 'msix' && ((table?.entries.get(s.index)?.ctrl ?? 0) & 1) === 1;
  void cpus;
  void online;
  return {
    virq: s.virq,
    device,
    cap: s.kind === 'ioapic' ? 'ioapic' : s.kind === 'msi' ? s.mode : 'msi',
    index: s.kind === 'msi' ? s.index : 0,
    managed,
    status,
    ...(cpu ? { cpu } : {}),
    ...(vector ? { vector } : {}),
    ...(affinity ? { affinity } : {}),
    ...(pending ? { pending } : {}),
    ...(previous ? { previous } : {}),
    ...(s.irte !== undefined ? { irte: { value: s.irte, from: `${dfile}: the remapping level's hwirq` } } : msg?.irte !== undefined ? { irte: { value: msg.irte, from: msg.from } } : {}),
    ...(msg ? { message: { value: msg.msg, from: msg.from } } : {}),
    masked,
    noBalancing: d?.dstate.has('IRQD_NO_BALANCING') === true,
    actions,
    from: d ? dfile : s.from,
  };
}

/** The message the device holds: its MSI-X table entry, or its MSI capability (lspci); with the IRTE a remappable one names. */
function messageOf(snap: HostSnapshot, s: Extract<IrqSource, { kind: 'msi' }>): { msg: { addressLo: number; addressHi: number; data: number }; from: string; irte?: number } | undefined {
  if (!s.address) return undefined;
  let msg: { addressLo: number; addressHi: number; data: number } | undefined;
  let from = '';
  if (s.mode === 'msix') {
    const e = snap.msixTables.get(s.address)?.entries.get(s.index);
    if (e) {
      msg = { addressLo: e.addressLo, addressHi: e.addressHi, data: e.data };
      from = `msix-tables.txt line ${e.origin.line ?? '?'}`;
    }
  } else if (s.index === 0) {
    const m = snap.pci.get(s.address)?.lspci?.msi;
    if (m?.enabled && m.address !== undefined && m.data !== undefined) {
      msg = { addressLo: Number(m.address & 0xffffffffn), addressHi: Number(m.address >> 32n), data: m.data };
      from = `lspci line ${m.origin.line ?? '?'}: MSI Address/Data`;
    }
  }
  if (!msg) return undefined;
  // A remappable message (bit 4) names its IRTE: handle in bits 19:5 and 2, plus the sub-handle with SHV.
  const remappable = msg.addressLo >>> 20 === 0xfee && (msg.addressLo & 0x10) !== 0;
  const handle = ((msg.addressLo >>> 5) & 0x7fff) | (((msg.addressLo >>> 2) & 1) << 15);
  const irte = remappable ? handle + ((msg.addressLo & 0x8) !== 0 ? msg.data & 0xffff : 0) : undefined;
  return { msg, from, ...(irte !== undefined ? { irte } : {}) };
}

/**
 * Without debugfs the managed flag is not in the snapshot. A driver's
 * managed vectors are the ones irq_create_affinity_masks() spread: their
 * masks split the CPUs between them (every CPU in exactly one mask, set by
 * set), while unmanaged ones keep the default affinity of every CPU.
 */
function inferManaged(irqs: MachineIrq[], cpus: number, online: readonly number[], notes: string[]): void {
  const byDevice = new Map<string, number[]>();
  irqs.forEach((irq, i) => {
    if (irq.cap === 'ioapic') return;
    const list = byDevice.get(irq.device) ?? [];
    list.push(i);
    byDevice.set(irq.device, list);
  });
  let n = 0;
  for (const list of byDevice.values()) {
    const partial = list.filter((i) => {
      const aff = irqs[i]?.affinity?.value;
      return aff !== undefined && aff.length > 0 && aff.length < cpus;
    });
    // Each CPU must be covered the same number of times (once per affinity set). Pre vectors come
    // first and may have had their affinity written, so leading vectors drop out until the rest spread.
    const spreads = (ids: number[]): boolean => {
      const cover = new Map<number, number>();
      for (const i of ids) for (const c of irqs[i]?.affinity?.value ?? []) cover.set(c, (cover.get(c) ?? 0) + 1);
      return ids.length >= 2 && cover.size === cpus && new Set(cover.values()).size === 1;
    };
    let spread = partial;
    while (spread.length >= 2 && !spreads(spread)) spread = spread.slice(1);
    if (!spreads(spread)) continue;
    for (const i of spread) {
      const irq = irqs[i] as MachineIrq;
      const managed: Fact<boolean> = { value: true, from: "its mask is one part of a spread over every CPU (irq_create_affinity_masks()'s pattern)", inferred: true };
      // migrate_one_irq() shuts a managed IRQ down when the last CPU of its mask goes offline.
      const down = irq.status.value === 'requested' && !(irq.affinity?.value ?? []).some((c) => online.includes(c));
      const rest = { ...irq };
      delete (rest as { cpu?: unknown }).cpu;
      irqs[i] = down
        ? { ...rest, managed, status: { value: 'shutdown', from: 'managed, and no CPU of its mask is online (irq_shutdown() at unplug)', inferred: true } }
        : { ...irq, managed };
      n++;
    }
  }
  if (n > 0) notes.push(`${n} vector${n === 1 ? '' : 's'} inferred managed: their masks spread the CPUs as irq_create_affinity_masks() does.`);
}

/**
 * Without debugfs the vectors are not in the snapshot. Each requested IRQ
 * gets, on the CPU its effective affinity names, the lowest vector no
 * earlier IRQ took — matrix_alloc_area()'s choice in IRQ order, which is the
 * order a boot allocates in.
 */
function inferMissingVectors(irqs: MachineIrq[], online: readonly number[], notes: string[]): void {
  const used = new Map<number, Set<number>>();
  const take = (cpu: number, v: number): void => {
    const set = used.get(cpu) ?? new Set<number>();
    set.add(v);
    used.set(cpu, set);
  };
  for (const irq of irqs) {
    if (irq.vector && irq.cpu) take(irq.cpu.value, irq.vector.value);
    if (irq.previous) take(irq.previous.cpu, irq.previous.vector);
  }
  let inferred = 0;
  for (let i = 0; i < irqs.length; i++) {
    const irq = irqs[i] as MachineIrq;
    const wants = irq.status.value === 'requested' || irq.status.value === 'allocated';
    if (!wants || irq.vector) continue;
    const cpu = irq.cpu?.value ?? online[0] ?? 0;
    const legacy = irq.cap === 'ioapic' && irq.virq === 0 ? 0x30 : undefined;
    let v = legacy ?? 0x21;
    const set = used.get(cpu) ?? new Set<number>();
    // 6.1's system vectors inside the window: 0x20 (cleanup), 0x32 (cascade), 0x80 (syscall).
    while (legacy === undefined && (set.has(v) || v === 0x32 || v === 0x80)) v++;
    take(cpu, v);
    irqs[i] = { ...irq, cpu: irq.cpu ?? { value: cpu, from: 'no effective affinity: the first online CPU', inferred: true }, vector: { value: v, from: `the lowest free vector on CPU ${cpu} in IRQ order (no debugfs)`, inferred: true } };
    inferred++;
  }
  if (inferred > 0) notes.push(`${inferred} vector${inferred === 1 ? '' : 's'} inferred (lowest free in IRQ order on the CPU of the effective affinity).`);
}
