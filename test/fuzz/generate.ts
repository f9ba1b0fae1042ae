// Generated inputs: plausible .irqd programs written from the language
// (docs/language.md), not from a corpus. Every construct of the grammar
// appears with some probability, but the generator keeps a small model of what
// it declared (devices and their capabilities, CPUs, guests, PASID sets, what
// is allocated) and mostly writes steps that pass the static checks, because a
// scenario with a static error is not simulated and the kernel model is where
// most of the code is. A few percent of the choices are deliberately wrong
// (a bad parent, a CPU past the end, an index outside a capability, a word
// that is not a value) so that the error paths run too.
import { backportNames, migrationFlags, vfioStates } from '../../server/src/model/values.js';
import type { Rng } from './rng.js';

/** A device as the step generator sees it. */
export interface DeviceDesc {
  readonly name: string;
  readonly bus: 'pci' | 'vf' | 'platform';
  readonly msix?: number;
  readonly msi?: number;
  readonly ims?: number;
  readonly ioapic?: boolean;
  /** BAR index → size in bytes. */
  readonly bars: ReadonlyMap<number, number>;
  readonly migration?: boolean;
  readonly pasid?: boolean;
}

export interface GuestDesc {
  readonly name: string;
  readonly cpus: number;
  /** The devices its steps may name: assigned, sub-devices and its own. */
  readonly devices: readonly DeviceDesc[];
}

/** A system as the scenario generator sees it: declared here, or in a used file. */
export interface SystemDesc {
  readonly name: string;
  readonly arch: string;
  readonly cpus: number;
  readonly devices: readonly DeviceDesc[];
  readonly guests: readonly GuestDesc[];
  readonly pasidSets: readonly string[];
  /** IRQ numbers the system's state declares (for `irq N` selections). */
  readonly irqs: readonly number[];
  /** What the state has allocated when a scenario starts: device → its declared indices, and which are requested. */
  readonly declared: ReadonlyMap<string, { readonly count: number; readonly requested: readonly number[] }>;
  /** Scenario names on it, for `after`. */
  readonly scenarios: string[];
}

/** A file a generated program may `use`: its path relative to the program, and what it declares. */
export interface Library {
  readonly path: string;
  readonly systems: readonly SystemDesc[];
}

const DEVICE_NAMES = ['nvme0', 'nvme1', 'eth0', 'eth1', 'mlx0', 'ahci', 'dsa0', 'idxd0', 'nic0', 'vnet0', 'vblk0', 'gpu0', 'acc0', 'qat0', 'ice0', 'e1000e0', 'xhci0', 'i40e0', 'bnxt0'];
const ODD_NAMES = ['vector', 'device', 'msi', 'cpu', 'fail', 'memory', 'on', 'system', 'constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'x', 'A-B.C', 'd_1', 'IR-PCI-MSI'];
const SYSTEM_NAMES = ['host', 'box', 'srv', 'q35', 'numa', 'big', 'edge', 'virt', 'lab', 'rack1'];
const DRIVERS = ['nvme', 'virtio-net', 'virtio_net', 'virtio-pci', 'e1000e', 'mlx5_core', 'ahci', 'idxd', 'vfio-pci', 'i40e'];
const KERNELS = ['6.1', '6.1', '6.1', '6.6', '6.6', '6.10', 'mainline', '6.1.55', '6.1.94', '6.1.192', '6.8', '6.2', '6.17', '5.15', '4.19', '7.0', '6'];
const ERRNOS = ['-ENOSPC', '-EINVAL', '-EBUSY', '-EIO', '-ENODEV', '-ENOENT', '-EPERM', '-ENXIO', '-EFAULT', '-E2BIG'];

/**
 * How wrong this program may be: 0 for a program meant to be free of errors
 * (most of them, so that the simulator runs), 1 for one with deliberate
 * mistakes at the rates the calls to oops() give. Set per program by
 * generateProgram(); the generator is synchronous, so one module-wide value
 * is enough.
 */
let mistakes = 1;

/** A deliberate mistake, with probability p in a program that may have them. */
function oops(rng: Rng, p: number): boolean {
  // The draw is made either way, so that a program's other choices do not depend on whether it may be wrong.
  const r = rng.float();
  return r < p * mistakes;
}

/** A number in one of the forms the lexer takes: decimal, hex, or a size when it is one. */
function num(rng: Rng, n: number): string {
  const r = rng.float();
  if (r < 0.7 || n < 0) return String(n);
  if (r < 0.9) return '0x' + (rng.chance(0.5) ? n.toString(16) : n.toString(16).toUpperCase());
  if (n >= 1024 && n % 1024 === 0) {
    if (n % 2 ** 30 === 0) return `${n / 2 ** 30}G`;
    if (n % 2 ** 20 === 0) return `${n / 2 ** 20}M`;
    return `${n / 1024}K`;
  }
  return String(n);
}

/** A CPU count: mostly small machines, some big ones, now and then the largest a kernel has. */
function cpuCount(rng: Rng): number {
  return rng.weighted<() => number>([
    [55, () => rng.int(1, 8)],
    [20, () => rng.int(9, 64)],
    [12, () => rng.int(65, 512)],
    [6, () => rng.int(513, 8192)],
    [4, () => rng.pick([256, 1024, 4096, 8192, 8192])],
    [1, () => rng.pick([0, 8193, 65536])],
  ])();
}

/** A cpulist inside [0, n): one CPU, a range, or a few of both; rarely outside or backwards. */
export function cpuList(rng: Rng, n: number, allowZero = true): string {
  const lo = allowZero ? 0 : Math.min(1, n - 1);
  const max = Math.max(0, n - 1);
  if (oops(rng, 0.01)) return rng.pick([`${n}`, `${max}-${lo}`, `0-${n + 5}`, '0-4294967295', `${2 ** 53 + 1}`]);
  const one = (): string => {
    const a = rng.int(lo, max);
    if (rng.chance(0.5) || a === max) return String(a);
    return `${a}-${rng.int(a, max)}`;
  };
  const r = rng.float();
  if (r < 0.15) return `${lo}-${max}`;
  if (r < 0.75) return one();
  const parts: string[] = [];
  const k = rng.int(2, 4);
  for (let i = 0; i < k; i++) parts.push(one());
  return parts.join(rng.chance(0.9) ? ',' : ', ');
}

class Names {
  private readonly used = new Set<string>();
  constructor(private readonly rng: Rng) {}

  take(pool: readonly string[], prefix: string): string {
    if (this.rng.chance(0.03)) {
      // Odd but legal names (keywords, JavaScript's property names); the ones `expect` and `dma` read as words only in a program that may be wrong.
      const odd = this.rng.pick(mistakes > 0 ? ODD_NAMES : ODD_NAMES.filter((n) => !['fail', 'cpu', 'memory'].includes(n)));
      if (!this.used.has(odd)) {
        this.used.add(odd);
        return odd;
      }
    }
    for (let i = 0; i < 4; i++) {
      const n = this.rng.pick(pool);
      if (!this.used.has(n)) {
        this.used.add(n);
        return n;
      }
    }
    for (let i = 0; ; i++) {
      const n = `${prefix}${i}`;
      if (!this.used.has(n)) {
        this.used.add(n);
        return n;
      }
    }
  }

  /** A name that is used already: a duplicate declaration. */
  /** A name taken elsewhere that this namespace must not declare. */
  reserve(name: string): void {
    this.used.add(name);
  }

  duplicate(): string | undefined {
    const all = [...this.used];
    return all.length ? this.rng.pick(all) : undefined;
  }
}

interface DomainSet {
  /** IO-APIC pins taken in this scope: a shared pin is a shared IRQ, and requesting it twice is -EBUSY. */
  pins: Set<number>;
  /** NUMA nodes the system declares (0: none), for a device's `node`. */
  nodes: number;
  /** How many IO-APICs the scope has: with two, each pin names its domain. */
  ioapics: number;
  msi?: string;
  ims?: string;
  ioapic?: string;
  ioapicPins?: number;
  dmarMsi?: string;
  hpetMsi?: string;
  remapped: boolean;
}

/** The domain hierarchy of one scope, as text lines, and the names its devices allocate from. */
function domains(rng: Rng, arch: string, names: Names, lines: string[], indent: string, inGuest: boolean, nodes: number): DomainSet {
  const d = (name: string, kind: string, parent?: string, props?: string): void => {
    lines.push(`${indent}domain ${name} ${kind}${parent ? ` parent ${parent}` : ''}${props ? ` { ${props} }` : ''}`);
  };
  const out: DomainSet = { remapped: false, nodes, ioapics: 0, pins: new Set([0, 1, 2, 4, 8, 9, 12]) };
  const broken = oops(rng, 0.06);
  if (arch === 'arm64') {
    const gic = names.take(['GIC', 'GICv3'], 'GIC');
    const its = names.take(['ITS', 'ITS0'], 'ITS');
    d(gic, 'gic');
    d(its, 'its', broken ? rng.pick([its, 'nowhere', '']) || undefined : gic, rng.chance(0.7) ? `base ${num(rng, rng.pick([0x08080000, 0x10000000, 2 ** 48 - 4096, 2 ** 48]))}` : undefined);
    out.msi = names.take(['ITS-PCI-MSI', 'ITS-MSI', 'PCI-MSI'], 'MSI');
    d(out.msi, 'pci-msi', its);
    if (rng.chance(0.3)) {
      out.ims = names.take(['ITS-IMS', 'IMS'], 'IMS');
      d(out.ims, 'ims', its);
    }
    return out;
  }
  if (arch === 'riscv64') {
    const imsic = names.take(['IMSIC', 'IMSIC0'], 'IMSIC');
    const props = [rng.chance(0.6) ? `base ${num(rng, rng.pick([0x28000000, 0x24000000, 2 ** 56 - 4096]))}` : '', rng.chance(0.4) ? `guest-bits ${rng.int(0, broken ? 9 : 6)}` : ''].filter(Boolean).join(' ');
    d(imsic, 'imsic', broken ? imsic : undefined, props || undefined);
    out.msi = names.take(['PCI-MSI', 'IMSIC-PCI-MSI'], 'MSI');
    d(out.msi, 'pci-msi', imsic);
    if (rng.chance(0.3)) d(names.take(['APLIC'], 'APLIC'), 'aplic', imsic);
    if (rng.chance(0.3)) {
      out.ims = names.take(['IMSIC-IMS', 'IMS'], 'IMS');
      d(out.ims, 'ims', imsic);
    }
    return out;
  }
  const vector = names.take(['VECTOR'], 'VECTOR');
  d(vector, broken && rng.chance(0.3) ? rng.pick(['vectr', 'gic', 'constructor']) : 'vector', broken && rng.chance(0.3) ? vector : undefined);
  let virtualIommu = false;
  let top = vector;
  if (inGuest) {
    if (rng.chance(0.75)) {
      const hcall = names.take(['HCALL'], 'HCALL');
      d(hcall, 'hcall', vector);
      top = hcall;
      out.remapped = true;
    } else if (rng.chance(0.3)) {
      const vir = names.take(['vIR'], 'vIR');
      d(vir, 'intel-ir', vector);
      top = vir;
      out.remapped = true;
      virtualIommu = true;
    }
  } else if (rng.chance(0.65)) {
    const amd = rng.chance(0.2);
    const ir = names.take(amd ? ['AMD-VI', 'AMD-IR-0'] : ['IR0', 'INTEL-IR-0', 'DMAR-IR'], 'IR');
    const size = amd ? `entries ${rng.pick(broken ? [100, 4096] : [256, 512, 2048])}` : `irtes ${num(rng, broken ? rng.pick([3, 0, 131072]) : 2 ** rng.int(rng.chance(0.2) ? 0 : 8, 16))}`;
    d(ir, amd ? 'amd-ir' : 'intel-ir', broken && rng.chance(0.5) ? rng.pick(['PCI-MSI', ir]) : vector, rng.chance(0.6) ? size : undefined);
    top = ir;
    out.remapped = true;
  }
  out.msi = names.take(out.remapped ? ['IR-PCI-MSI', 'PCI-MSI'] : ['PCI-MSI', 'MSI'], 'MSI');
  d(out.msi, 'pci-msi', top);
  // IMS under a guest's virtual IOMMU fails on 6.2-6.9 (IRQD047): only as a mistake.
  if (out.remapped && rng.chance(0.35) && (!virtualIommu || oops(rng, 0.3))) {
    out.ims = names.take(['IR-IMS', 'IMS0', 'GUEST-IMS'], 'IMS');
    d(out.ims, 'ims', top);
  }
  if (!inGuest && rng.chance(0.35)) {
    out.ioapic = names.take(['IOAPIC', 'IOAPIC-0', 'IR-IO-APIC'], 'IOAPIC');
    const pins = rng.chance(0.5) ? rng.pick([24, 24, 32, 120, 240, broken ? 241 : 8]) : undefined;
    out.ioapicPins = pins ?? 24;
    const props = [pins !== undefined ? `pins ${pins}` : '', rng.chance(0.3) ? `source-id ${rng.pick(['ff:00.0', 'f0:1f.0', '00:1f.0'])}` : ''].filter(Boolean).join(' ');
    d(out.ioapic, 'ioapic', top, props || undefined);
    out.ioapics = 1;
    if (rng.chance(0.15)) {
      out.ioapics = 2;
      const second = names.take(['IOAPIC-1'], 'IOAPIC');
      d(second, 'ioapic', top, 'pins 24');
    }
  }
  if (!inGuest && rng.chance(0.2)) {
    out.dmarMsi = names.take(['DMAR-MSI'], 'DMAR');
    d(out.dmarMsi, 'dmar-msi', vector);
  }
  if (!inGuest && rng.chance(0.1)) {
    out.hpetMsi = names.take(['HPET-MSI'], 'HPET');
    d(out.hpetMsi, 'hpet-msi', top);
  }
  if (broken && rng.chance(0.4)) {
    // A cycle, a kind of the wrong architecture, a parent of the wrong kind.
    const a = names.take(['LOOP-A'], 'LA');
    const b = names.take(['LOOP-B'], 'LB');
    d(a, rng.pick(['intel-ir', 'pci-msi', 'its', 'gic']), b);
    d(b, 'intel-ir', a);
  }
  return out;
}

/** Sizes of MSI-X tables: mostly small, some at the PCI limit. */
function msixCount(rng: Rng): number {
  return rng.weighted<() => number>([
    [50, () => rng.int(1, 16)],
    [25, () => rng.pick([32, 64, 65, 128, 129])],
    [15, () => rng.int(17, 1024)],
    [8, () => rng.pick([1024, 2048])],
    [2, () => rng.pick([0, 2049, 4096])],
  ])();
}

function pciAddress(rng: Rng, n: number): string {
  const bus = (1 + (n >> 5)) & 0xff;
  const dev = n & 31;
  const fn = rng.chance(0.9) ? 0 : rng.int(1, 7);
  const short = `${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${fn}`;
  return rng.chance(0.5) ? `0000:${short}` : short;
}

interface Pending {
  lines: string[];
  devices: DeviceDesc[];
}

/** One PCI function (and its VFs when it is a PF), as text and descriptions. */
function pciDevice(rng: Rng, doms: DomainSet, names: Names, addr: () => string, indent: string, out: Pending): void {
  const name = names.take(DEVICE_NAMES, 'dev');
  const items: string[] = [];
  let msix: number | undefined;
  let msi: number | undefined;
  let ims: number | undefined;
  let ioapic = false;
  const bars = new Map<number, number>();
  if (doms.msi && rng.chance(0.85)) {
    msix = msixCount(rng);
    items.push(`msix ${num(rng, msix)} domain ${oops(rng, 0.01) ? (doms.ims ?? 'NOPE') : doms.msi}${rng.chance(0.1) ? ` maskable ${oops(rng, 0.05) ? 'maybe' : rng.pick(['yes', 'no'])}` : ''}`);
  }
  if (doms.msi && rng.chance(0.25)) {
    msi = !oops(rng, 0.03) ? 2 ** rng.int(0, 5) : rng.pick([3, 64, 0]);
    items.push(`msi ${msi} domain ${doms.msi}${rng.chance(0.5) ? ` maskable ${rng.pick(['yes', 'no'])}` : ''}`);
  }
  if (doms.ims && rng.chance(0.4)) {
    ims = !oops(rng, 0.05) ? rng.pick([1, 2, 8, 64, 512, 2048, 65536]) : rng.pick([0, 65537]);
    items.push(`ims ${num(rng, ims)} domain ${doms.ims}${rng.chance(0.5) ? ` storage ${rng.pick(['device', 'guest-memory'])}` : ''}`);
  }
  if (doms.ioapic && rng.chance(0.2)) {
    ioapic = true;
    // With two IO-APICs a pin must say which (IRQD017).
    let pin = rng.int(0, (doms.ioapicPins ?? 24) - (!oops(rng, 0.03) ? 1 : -3));
    for (let k = 0; k < 8 && doms.pins.has(pin) && !oops(rng, 0.1); k++) pin = rng.int(0, (doms.ioapicPins ?? 24) - 1);
    doms.pins.add(pin);
    items.push(`ioapic pin ${pin}${doms.ioapics > 1 || rng.chance(0.3) ? ` domain ${doms.ioapic}` : ''}${rng.chance(0.2) ? ` ${rng.pick(['edge', 'level'])}` : ''}`);
  }
  if (rng.chance(0.3)) items.push(`driver ${rng.pick(DRIVERS)}`);
  if (rng.chance(0.35)) {
    // BARs laid out as the PCI rules want them (IRQD027, IRQD044): the MSI-X table at 0 of its BAR,
    // the PBA on the next 4 KiB page, registers on a page of their own; now and then a misplacement.
    const page = 4096;
    const tablePages = msix !== undefined ? Math.ceil((16 * msix) / page) : 0;
    const pbaPages = msix !== undefined ? Math.ceil((8 * Math.ceil(msix / 64)) / page) : 0;
    const need = (tablePages + pbaPages + 1) * page;
    let size = 16 * 1024;
    while (size < need) size *= 2;
    if (rng.chance(0.3)) size *= 2 ** rng.int(1, 6);
    const bar = rng.int(0, 5);
    const badSize = oops(rng, 0.03);
    bars.set(bar, badSize ? rng.pick([3, 0, 2 ** 40]) : size);
    items.push(`bar ${oops(rng, 0.01) ? 7 : bar} size ${num(rng, badSize ? (bars.get(bar) as number) : size)}`);
    if (msix !== undefined && rng.chance(0.6)) {
      const misplaced = oops(rng, 0.05);
      items.push(`msix-table bar ${bar} offset ${num(rng, misplaced ? rng.int(0, size * 2) : 0)}`);
      if (rng.chance(0.6)) items.push(`msix-pba bar ${bar} offset ${num(rng, tablePages * page)}`);
    }
    if (rng.chance(0.5)) {
      const offset = (tablePages + pbaPages) * page + 4 * rng.int(0, 255);
      items.push(`register ${rng.pick(['doorbell', 'ctrl', 'status', 'r0'])} bar ${bar} offset ${num(rng, offset)}${rng.chance(0.5) ? ` size ${rng.pick([4, 8, 1])}` : ''}`);
    }
    if (rng.chance(0.2)) {
      const other = (bar + 1) % 6;
      bars.set(other, 2 ** rng.int(4, 20));
      items.push(`bar ${other} size ${num(rng, bars.get(other) as number)}`);
    }
  }
  const pasid = rng.chance(0.15);
  if (pasid) items.push('pasid');
  const migration = rng.chance(0.2);
  if (migration) items.push(`migration${rng.some(migrationFlags, 0.4).map((f) => ' ' + f).join('')}${oops(rng, 0.03) ? ' warp-speed' : ''}`);
  if (doms.nodes > 0 ? rng.chance(0.3) : oops(rng, 0.03)) items.push(`node ${rng.int(0, Math.max(1, doms.nodes - 1))}`);
  const sriov = rng.chance(0.15) ? rng.int(1, rng.chance(0.9) ? 8 : 65535) : undefined;
  if (sriov !== undefined) items.push(`sriov ${sriov}`);
  const body = items.length === 0 && rng.chance(0.5) ? '' : rng.chance(0.6) ? ` { ${items.join('  ')} }` : ` {\n${items.map((i) => `${indent}  ${i}`).join('\n')}\n${indent}}`;
  out.lines.push(`${indent}device ${name} pci ${addr()}${body}`);
  const desc: DeviceDesc = { name, bus: 'pci', bars, pasid, migration, ioapic, ...(msix !== undefined ? { msix } : {}), ...(msi !== undefined ? { msi } : {}), ...(ims !== undefined ? { ims } : {}) };
  out.devices.push(desc);
  if (sriov !== undefined) {
    const vfs = Math.min(sriov, rng.int(1, 3));
    for (let i = 0; i < vfs; i++) {
      const vname = names.take([`vf${i}`, `${name}v${i}`], 'vf');
      const vmsix = doms.msi ? rng.int(1, 16) : undefined;
      const vitems = [vmsix !== undefined ? `msix ${vmsix} domain ${doms.msi}` : '', rng.chance(0.3) ? 'migration p2p' : '', rng.chance(0.2) ? 'bar 0 size 64K' : ''].filter(Boolean);
      const index = !oops(rng, 0.02) ? i : sriov + 1;
      out.lines.push(`${indent}device ${vname} vf of ${!oops(rng, 0.01) ? name : 'nvme9'} index ${index}${vitems.length ? ` { ${vitems.join('  ')} }` : ''}`);
      out.devices.push({ name: vname, bus: 'vf', bars: vitems.some((v) => v.startsWith('bar')) ? new Map([[0, 65536]]) : new Map(), migration: vitems.includes('migration p2p'), ...(vmsix !== undefined ? { msix: vmsix } : {}) });
    }
  }
}

/** Kernel-owned sources: the timer and ISA lines on IO-APIC pins, the IOMMU's fault MSI. */
function platformDevices(rng: Rng, doms: DomainSet, names: Names, indent: string, out: Pending): void {
  if (doms.ioapic && rng.chance(0.6)) {
    const name = names.take(['timer'], 'isa');
    const dom = doms.ioapics > 1 ? ` domain ${doms.ioapic}` : '';
    out.lines.push(`${indent}device ${name} platform { ioapic pin 2${dom} irq 0 edge }`);
    out.devices.push({ name, bus: 'platform', ioapic: true, bars: new Map() });
    for (const [pin, n] of rng.some([[1, 'i8042'], [4, 'ttyS0'], [8, 'rtc0'], [9, 'acpi'], [12, 'mouse']] as const, 0.4)) {
      const nm = names.take([n], 'isa');
      out.lines.push(`${indent}device ${nm} platform { ioapic pin ${pin}${dom}${pin === 9 ? ' level' : rng.chance(0.5) ? ' edge' : ''} }`);
      out.devices.push({ name: nm, bus: 'platform', ioapic: true, bars: new Map() });
    }
  }
  if (doms.dmarMsi && rng.chance(0.8)) {
    const name = names.take(['dmar0'], 'dmar');
    out.lines.push(`${indent}device ${name} platform { msi 1 domain ${doms.dmarMsi} }`);
    out.devices.push({ name, bus: 'platform', msi: 1, bars: new Map() });
  }
  if (doms.hpetMsi && rng.chance(0.8)) {
    const name = names.take(['hpet2'], 'hpet');
    out.lines.push(`${indent}device ${name} platform { msi 1 domain ${doms.hpetMsi} }`);
    out.devices.push({ name, bus: 'platform', msi: 1, bars: new Map() });
  }
  if (oops(rng, 0.01)) out.lines.push(`${indent}device bad platform { msix 4 domain ${doms.msi ?? 'X'}  bar 0 size 4K }`);
}

/** A `state { … }` block that is mostly one the kernel can be in, and the IRQ numbers it declares. */
function stateBlock(rng: Rng, cpus: number, devices: readonly DeviceDesc[], remapped: boolean, gsis: number, indent: string, lines: string[], declared: Map<string, { count: number; requested: number[] }>): number[] {
  const online = new Set<number>();
  for (let c = 0; c < cpus; c++) online.add(c);
  let onlineText = `0-${cpus - 1}`;
  if (cpus > 2 && rng.chance(0.3)) {
    const off = rng.int(1, cpus - 1);
    online.delete(off);
    onlineText = off === cpus - 1 ? `0-${off - 1}` : off === 1 ? `0,2-${cpus - 1}` : `0-${off - 1},${off + 1}-${cpus - 1}`;
  }
  if (cpus === 1) onlineText = '0';
  const out: string[] = [];
  if (rng.chance(0.8)) out.push(`online cpu ${!oops(rng, 0.03) ? onlineText : cpuList(rng, cpus)}`);
  const taken = new Set<string>();
  const onlineList = [...online];
  // MSI IRQ numbers come after the IO-APICs' GSIs (arch_dynirq_lower_bound()).
  let virq = Math.max(gsis, rng.pick([24, 25, 32, 40, 48]));
  let irte = 0;
  const irqs: number[] = [];
  for (const dev of devices) {
    const cap = dev.msix !== undefined ? 'msix' : dev.msi !== undefined ? 'msi' : dev.ims !== undefined ? 'ims' : undefined;
    const count = dev.msix ?? dev.msi ?? dev.ims ?? 0;
    if (!cap || count <= 0 || rng.chance(0.3)) continue;
    const n = Math.min(count, rng.int(1, 6));
    for (let i = 0; i < n; i++) {
      const parts = [`irq ${!oops(rng, 0.02) ? virq : rng.pick([0, 2 ** 20 + 1, virq - 1])}`, i === 0 && rng.chance(0.3) ? dev.name : `${dev.name}[${i}]`];
      if (rng.chance(0.2)) parts.push(`via ${cap}`);
      const managed = rng.chance(0.2);
      const status = rng.weighted<string>([
        [70, 'requested'],
        [12, 'reserved'],
        [8, 'allocated'],
        [5, managed ? 'shutdown' : 'requested'],
        [5, ''],
      ]);
      if (managed) parts.push('managed');
      if (status) parts.push(status);
      let cpu: number | undefined;
      if (status === 'requested' || status === 'allocated' || (status === '' && rng.chance(0.5))) {
        cpu = rng.pick(onlineList);
        let vector = rng.int(0x21, 0xdf);
        for (let k = 0; k < 8 && (taken.has(`${cpu}:${vector}`) || (vector >= 0x30 && vector <= 0x3f) || vector === 0x80); k++) vector = rng.int(0x40, 0xdf);
        taken.add(`${cpu}:${vector}`);
        parts.push(`cpu ${cpu} vector ${num(rng, !oops(rng, 0.02) ? vector : rng.pick([0x20, 0xec, 0x100]))}`);
      }
      const affinity = managed && cpu !== undefined ? String(cpu) : rng.chance(0.8) || cpu === undefined ? `0-${cpus - 1}` : String(cpu);
      if (rng.chance(0.6)) parts.push(`affinity ${!oops(rng, 0.03) ? affinity : cpuList(rng, cpus)}`);
      // A pending move is for an unmanaged IRQ only (IRQD050), and names online CPUs.
      if (!managed && cpu !== undefined && rng.chance(0.05)) parts.push(`pending ${rng.pick(onlineList)}`);
      if (oops(rng, 0.05)) parts.push(`previous cpu ${rng.pick(onlineList)} vector ${num(rng, rng.int(0x40, 0xdf))}`);
      if (remapped && rng.chance(0.7)) parts.push(`irte ${irte++}`);
      else if (!remapped && oops(rng, 0.02)) parts.push('irte 3');
      if (oops(rng, 0.1)) parts.push(`message ${num(rng, 0xfee00000 + (cpu ?? 0) * 4096)} ${num(rng, rng.int(0, 255))}`);
      if (rng.chance(0.05)) parts.push('masked');
      if (rng.chance(0.03)) parts.push('no-balancing');
      if (oops(rng, 0.01)) parts.push(rng.pick(['sideways', 'constructor']));
      out.push(parts.join(' '));
      irqs.push(virq);
      virq += 1;
      const dd = declared.get(dev.name) ?? { count: 0, requested: [] };
      dd.count = Math.max(dd.count, i + 1);
      if (status === 'requested' || (status === '' && cpu !== undefined)) dd.requested.push(i);
      declared.set(dev.name, dd);
    }
  }
  for (const dev of devices) {
    if (dev.bus === 'platform' && dev.ioapic && rng.chance(0.5)) {
      const irq = dev.name === 'timer' ? 0 : rng.int(1, 15);
      out.push(`irq ${irq} ${dev.name} requested cpu ${rng.pick(onlineList)} vector ${num(rng, 0x30 + (irq & 15))}${dev.name === 'timer' ? ' no-balancing' : ''}`);
      irqs.push(irq);
      declared.set(dev.name, { count: 1, requested: [0] });
    }
  }
  lines.push(`${indent}state {`);
  for (const l of out) lines.push(`${indent}  ${l}`);
  lines.push(`${indent}}`);
  return irqs;
}

/** One system declaration, as lines, and its description for the scenarios. */
/** A kernel command line: the options irqd models, with the kernel's own mistakes now and then. */
function cmdline(rng: Rng, cpus: number): string {
  const range = (): string => {
    const a = rng.int(0, Math.max(0, cpus - 1));
    const b = rng.int(a, Math.max(a, cpus - 1));
    return oops(rng, 0.1) ? `${a}-${cpus + rng.int(0, 3)}` : rng.chance(0.2) ? `${a}-${b}:1/2` : `${a}-${b}`;
  };
  const opts: string[] = [];
  if (rng.chance(0.6)) opts.push(`irqaffinity=${range()}${rng.chance(0.3) ? ',' + range() : ''}`);
  if (rng.chance(0.5)) opts.push(`isolcpus=${rng.chance(0.7) ? 'managed_irq,' : ''}${rng.chance(0.3) ? 'domain,' : ''}${oops(rng, 0.1) ? 'no-such,' : ''}${range()}`);
  if (rng.chance(0.4)) opts.push(rng.pick(['console=ttyS0', 'intremap=off', 'nox2apic', 'e1000e.IntMode=2', 'quiet', '--', 'dyndbg=\\"x y\\"']));
  return opts.join(' ');
}

function system(rng: Rng, names: Names, sysNames: Names, lines: string[]): SystemDesc {
  const name = sysNames.take(SYSTEM_NAMES, 'sys');
  const arch = rng.weighted<string>([
    [78, 'x86_64'],
    [11, 'arm64'],
    [10, 'riscv64'],
    [1, rng.pick(['sparc', 'x86', 'ARM64'])],
  ]);
  const cpus = cpuCount(rng);
  const effectiveCpus = Math.max(1, Math.min(cpus, 8192));
  const desc = rng.chance(0.4) ? ` "${rng.pick(['a box', `${cpus} CPUs`, 'Linux 6.1, VT-d', 'ünïcødé ✓', 'quote \\" inside'])}"` : '';
  lines.push(`system ${name}${desc} {`);
  const items: string[] = [];
  if (arch !== 'x86_64' || rng.chance(0.5)) items.push(`  arch ${arch}`);
  // The IMSIC driver is 6.10+ (IRQD022): a RISC-V system says so, or it is a mistake.
  const kernel = arch === 'riscv64' && !oops(rng, 0.2) ? rng.pick(['6.10', 'mainline', '6.17']) : rng.pick(KERNELS.filter((k) => mistakes > 0 || !['5.15', '4.19'].includes(k)));
  if (rng.chance(0.8) || arch === 'riscv64') items.push(`  kernel ${kernel}`);
  if (!oops(rng, 0.01)) items.push(`  cpus ${num(rng, cpus)}`);
  if (arch === 'x86_64') {
    if (cpus > 255) {
      if (rng.chance(0.95)) items.push('  apic x2apic');
    } else if (rng.chance(0.5)) items.push(`  apic ${rng.pick(['xapic', 'x2apic', 'x2apic'])}`);
    if (rng.chance(0.4)) items.push(`  dest-mode ${rng.pick(['physical', 'logical'])}`);
  }
  if (rng.chance(0.1)) items.push(`  page-size ${oops(rng, 0.2) ? '8K' : rng.pick(['4K', '16K', '64K'])}`);
  if (rng.chance(0.1)) items.push(`  backport ${rng.some(backportNames, 0.5).join(' ') || 'vector-leak-fix'}`);
  if (rng.chance(0.15)) items.push(`  cmdline "${cmdline(rng, effectiveCpus)}"`);
  if (rng.chance(0.15)) items.push(`  smt ${oops(rng, 0.1) ? rng.pick(['3', '0', '16']) : rng.pick(['1', '2', '2', '4'])}`);
  let nodes = 0;
  if (effectiveCpus >= 2 && rng.chance(0.12)) {
    const half = Math.floor(effectiveCpus / 2);
    items.push(`  node 0 cpus 0-${half - 1}`, `  node 1 cpus ${half}-${effectiveCpus - 1}`);
    nodes = 2;
  }
  for (const i of rng.shuffle(items)) lines.push(i);
  const doms = domains(rng, arch, names, lines, '  ', false, nodes);
  const pending: Pending = { lines: [], devices: [] };
  let nextAddr = 0;
  const addr = (): string => pciAddress(rng, nextAddr++);
  const ndev = rng.weighted<number>([
    [10, 1],
    [30, 2],
    [30, 3],
    [20, 5],
    [8, 8],
    [2, 24],
  ]);
  for (let i = 0; i < ndev; i++) pciDevice(rng, doms, names, addr, '  ', pending);
  platformDevices(rng, doms, names, '  ', pending);
  if (oops(rng, 0.02)) {
    const dup = names.duplicate();
    if (dup) pending.lines.push(`  device ${dup} pci ${addr()}`);
  }
  for (const l of pending.lines) lines.push(l);
  // PASID space.
  const pasidSets: string[] = [];
  if (rng.chance(0.15)) {
    const cap = rng.pick([1024, 65536, 2 ** 20, oops(rng, 0.1) ? 2 ** 20 + 1 : 100]);
    const k = rng.int(0, 3);
    const sets: string[] = [];
    let left = cap;
    for (let i = 0; i < k; i++) {
      const s = rng.pick(['system', 'vm1', 'vm2', 'vm3', 'svm', 'host']);
      if (pasidSets.includes(s)) continue;
      const q = !oops(rng, 0.05) ? rng.int(1, Math.max(1, Math.floor(left / 2))) : left + 1;
      left -= q;
      pasidSets.push(s);
      sets.push(`    set ${s} quota ${num(rng, q)}`);
    }
    lines.push(`  pasid capacity ${num(rng, cap)}${sets.length ? ' {' : ''}`);
    if (sets.length) {
      for (const s of sets) lines.push(s);
      lines.push('  }');
    }
  }
  // Guests with assigned devices (x86: the hypercall domain is x86 only).
  const guests: GuestDesc[] = [];
  if (arch === 'x86_64' && rng.chance(0.2)) {
    const ng = rng.int(1, 2);
    let guestAddr = 4;
    for (let g = 0; g < ng; g++) {
      const gname = names.take(['vm1', 'vm2', 'vm3', 'guest0'], 'vm');
      const gcpus = !oops(rng, 0.1) ? rng.int(1, rng.chance(0.9) ? 8 : 300) : rng.pick([256, 0]);
      lines.push(`  guest ${gname} {`);
      lines.push(`    cpus ${gcpus}`);
      if (rng.chance(0.6)) lines.push(`    hypervisor ${rng.pick(['visible', 'visible', 'hidden'])}`);
      if (gcpus > 255 && !oops(rng, 0.2)) lines.push('    apic x2apic');
      const gnames = new Names(rng);
      const gd = domains(rng, 'x86_64', gnames, lines, '    ', true, 0);
      const visible: DeviceDesc[] = [];
      const candidates = pending.devices.filter((d) => d.bus !== 'platform');
      const assigned = rng.some(candidates, 0.4).slice(0, 3);
      // The names the guest sees come from the host too: its own declarations must not clash with them (IRQD011).
      for (const dev of assigned) gnames.reserve(dev.name);
      for (const dev of assigned) {
        if (dev.ims !== undefined && gd.ims && rng.chance(0.5)) {
          const sub = gnames.take(['wq1', 'wq2', 'sub0'], 'wq');
          // mode pasid needs a host device that says `pasid` (IRQD048).
          lines.push(`    assign ${dev.name} sub ${sub} mode ${dev.pasid || oops(rng, 0.2) ? rng.pick(['pasid', 'emulated']) : 'emulated'}${rng.chance(0.5) ? ` domain ${gd.ims}` : ''}`);
          visible.push({ name: sub, bus: 'pci', ims: dev.ims, bars: new Map() });
        } else if (gd.msi) {
          lines.push(`    assign ${dev.name} as 00:${(guestAddr++).toString(16).padStart(2, '0')}.0${rng.chance(0.3) ? ` domain ${gd.msi}` : ''}`);
          visible.push(dev);
        }
      }
      if (gd.msi && rng.chance(0.2)) {
        const own: Pending = { lines: [], devices: [] };
        pciDevice(rng, gd, gnames, () => `00:${(guestAddr++).toString(16).padStart(2, '0')}.0`, '    ', own);
        for (const l of own.lines) lines.push(l);
        for (const d of own.devices) visible.push(d);
      }
      if (oops(rng, 0.02)) lines.push('    guest nested { cpus 1 }');
      lines.push('  }');
      guests.push({ name: gname, cpus: Math.max(1, gcpus), devices: visible });
    }
  }
  let irqs: number[] = [];
  const declared = new Map<string, { count: number; requested: number[] }>();
  if (arch === 'x86_64' && effectiveCpus <= 1024 && rng.chance(0.12)) irqs = stateBlock(rng, effectiveCpus, pending.devices, doms.remapped, doms.ioapics * (doms.ioapicPins ?? 24), '  ', lines, declared);
  if (oops(rng, 0.02)) lines.push(`  ${rng.pick(['hypervisor visible', 'assign nvme0 as 00:04.0', 'frobnicate 3', 'cpus 4'])}`);
  lines.push('}');
  return { name, arch, cpus: effectiveCpus, devices: pending.devices, guests, pasidSets, irqs, declared, scenarios: [] };
}

/** The largest capability of a device: what selection indices must stay inside. */
function largest(d: DeviceDesc): number {
  return Math.max(d.msix ?? 0, d.msi ?? 0, d.ims ?? 0, d.ioapic ? 1 : 0);
}

/** What the scenario generator remembers between steps: what each device has allocated, and how. */
class StepState {
  /** Vectors allocated per device (at most its largest capability). */
  readonly allocated = new Map<string, number>();
  readonly managed = new Set<string>();
  /** Indices requested per device (request_irq() done). */
  readonly requested = new Map<string, Set<number>>();
  /** Devices whose affinity a step changed: `expect … affinity 0-N` no longer holds. */
  readonly moved = new Set<string>();
  /** Vectors allocated in all, against what the CPUs have. */
  total = 0;

  requestedOf(name: string): Set<number> {
    let r = this.requested.get(name);
    if (!r) {
      r = new Set();
      this.requested.set(name, r);
    }
    return r;
  }

  forget(name: string): void {
    this.total -= this.allocated.get(name) ?? 0;
    this.allocated.delete(name);
    this.managed.delete(name);
    this.requested.delete(name);
    this.moved.delete(name);
  }
}

interface Selected {
  readonly text: string;
  /** The indices selected; all of them for `DEV`, `DEV[*]` and `irq N`. */
  readonly indices: readonly number[];
}

function selected(rng: Rng, d: DeviceDesc, st: StepState, irqs: readonly number[], inGuest: boolean, from?: readonly number[]): Selected {
  const max = Math.max(1, largest(d));
  const top = Math.max(1, Math.min(max, st.allocated.get(d.name) ?? max));
  const every = Array.from({ length: top }, (_, i) => i);
  if (!from && !inGuest && irqs.length && rng.chance(0.05)) return { text: `irq ${rng.pick(irqs)}`, indices: every };
  if (oops(rng, 0.01)) return { text: `${d.name}[${rng.pick([max, max + 100, 2 ** 32, 2 ** 53 + 1])}]`, indices: [] };
  if (from) {
    // A run of indices out of `from` (the ones not requested yet, for request).
    if (from.length === 0) return { text: `${d.name}[0]`, indices: [0] };
    if (from.length === top && rng.chance(0.3)) return { text: rng.chance(0.5) ? d.name : `${d.name}[*]`, indices: every };
    const sorted = [...from].sort((a, b) => a - b);
    const i = rng.int(0, sorted.length - 1);
    let j = i;
    const len = rng.chance(0.5) ? 1 : rng.int(1, 16);
    while (j + 1 < sorted.length && j - i + 1 < len && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    const a = sorted[i] as number;
    const b = sorted[j] as number;
    return { text: `${d.name}[${a === b ? a : `${a}-${b}`}]`, indices: sorted.slice(i, j + 1) };
  }
  const r = rng.float();
  if (r < 0.15) return { text: d.name, indices: every };
  if (r < 0.25) return { text: `${d.name}[*]`, indices: every };
  const a = rng.int(0, top - 1);
  const b = rng.chance(0.5) ? a : rng.int(a, top - 1);
  return { text: `${d.name}[${a === b ? a : `${a}-${b}`}]`, indices: Array.from({ length: b - a + 1 }, (_, k) => a + k) };
}

/** The alloc options: min, managed with pre/post/sets, via. */
function allocStep(rng: Rng, d: DeviceDesc, st: StepState, cpus: number): string {
  const caps: [string, number][] = [];
  if (d.msix !== undefined && d.msix > 0) caps.push(['msix', d.msix]);
  if (d.msi !== undefined && d.msi > 0) caps.push(['msi', d.msi]);
  if (d.ims !== undefined && d.ims > 0) caps.push(['ims', d.ims]);
  if (d.ioapic) caps.push(['ioapic', 1]);
  const [via, cap] = caps.length ? rng.pick(caps) : ['msix', 1];
  // Mostly a count the capability has and the CPUs' vectors can take (about 180 each), now and then more.
  const room = Math.max(1, 150 * cpus - st.total);
  const fit = Math.max(1, Math.min(cap, rng.chance(0.95) ? room : cap));
  const n = !oops(rng, 0.03) ? (rng.chance(0.4) ? fit : rng.int(1, Math.max(1, Math.min(fit, rng.chance(0.9) ? 64 : fit)))) : rng.pick([0, cap + 1, 2 ** 53 + 1]);
  const opts: string[] = [];
  if (rng.chance(0.2)) opts.push(`min ${rng.int(1, Math.max(1, n))}`);
  let managed = false;
  if (via !== 'ioapic' && rng.chance(0.3)) {
    managed = true;
    opts.push('managed');
    if (n >= 3 && rng.chance(0.3)) {
      const pre = rng.int(0, 1);
      const post = rng.chance(0.3) ? 1 : 0;
      if (pre) opts.push(`pre ${pre}`);
      if (post) opts.push(`post ${post}`);
      const spread = n - pre - post;
      if (spread >= 2 && rng.chance(0.4)) {
        const a = rng.int(1, spread - 1);
        opts.push(`sets ${a},${spread - a}`);
      }
    }
  } else if (oops(rng, 0.01)) opts.push('pre 1');
  if (caps.length > 1 || rng.chance(0.2)) opts.push(`via ${via}`);
  st.allocated.set(d.name, Math.min(n, Math.max(1, largest(d))));
  st.total += st.allocated.get(d.name) ?? 0;
  if (managed) st.managed.add(d.name);
  return `alloc ${d.name} ${num(rng, n)}${rng.shuffle(opts).map((o) => ' ' + o).join('')}`;
}

interface StepContext {
  /** What each guest's blocks have done so far in this scenario: a guest's allocations outlive its block. */
  readonly guests: Map<string, StepState>;
  readonly sys: SystemDesc;
  readonly cpus: number;
  readonly devices: readonly DeviceDesc[];
  readonly inGuest: boolean;
  readonly st: StepState;
  readonly fired: Set<string>;
}

/** One step (without `expect`): what the devices can do next, given what is allocated. */
function plainStep(rng: Rng, c: StepContext): string {
  const withCaps = c.devices.filter((d) => largest(d) > 0);
  const allocated = withCaps.filter((d) => c.st.allocated.has(d.name));
  const free = withCaps.filter((d) => !c.st.allocated.has(d.name));
  const movable = allocated.filter((d) => !c.st.managed.has(d.name));
  const migratable = c.devices.filter((d) => d.migration);
  const withBars = c.devices.filter((d) => d.bars.size > 0);
  const some = (xs: readonly unknown[], w: number): number => (xs.length ? w : 0);
  const kind = rng.weighted<string>([
    [free.length ? (allocated.length ? 8 : 40) : 0, 'alloc'],
    [some(allocated, 2), 'free'],
    [some(allocated, 20), 'request'],
    [some(allocated, 4), 'release'],
    [some(movable, 10) + (oops(rng, 0.5) ? some(allocated, 1) : 0), 'affinity'],
    [c.cpus > 1 ? 7 : 0, 'offline'],
    [c.cpus > 1 ? 6 : 0, 'online'],
    [some(allocated, 2), 'mask'],
    [some(allocated, 2), 'unmask'],
    [some(allocated, 10), 'fire'],
    [some(migratable, 4), 'vfio'],
    [some(withBars, 2), 'mmio'],
    [some(c.devices, 2), 'dma'],
    [c.sys.pasidSets.length ? 4 : 0, 'pasid'],
    [1, 'idle'],
  ]);
  const on = (): DeviceDesc => rng.pick(allocated);
  switch (kind) {
    case 'alloc':
      return allocStep(rng, rng.pick(free), c.st, c.cpus);
    case 'free': {
      const d = on();
      // Now and then one MSI-X entry, added past the allocated ones or freed (6.2+, pci_msix_alloc_irq_at()).
      const n = c.st.allocated.get(d.name) ?? 0;
      if (rng.chance(0.1)) return `alloc ${d.name}[${n + rng.int(0, 3)}]`;
      if (rng.chance(0.1) && n > 0) return `free ${d.name}[${rng.int(0, n - 1)}]`;
      c.st.forget(d.name);
      return `free ${d.name}`;
    }
    case 'request': {
      // The vectors not requested yet: requesting one twice is -EBUSY.
      const candidates = allocated.filter((d) => c.st.requestedOf(d.name).size < (c.st.allocated.get(d.name) ?? 0));
      const d = candidates.length && !oops(rng, 0.1) ? rng.pick(candidates) : on();
      const req = c.st.requestedOf(d.name);
      const open = Array.from({ length: c.st.allocated.get(d.name) ?? 0 }, (_, i) => i).filter((i) => !req.has(i));
      const sel = selected(rng, d, c.st, c.sys.irqs, c.inGuest, open);
      for (const i of sel.indices) req.add(i);
      return `request ${sel.text}`;
    }
    case 'release': {
      // The vectors requested: releasing a free one has no handler to free.
      const candidates = allocated.filter((d) => c.st.requestedOf(d.name).size > 0);
      const d = candidates.length && !oops(rng, 0.1) ? rng.pick(candidates) : on();
      const req = c.st.requestedOf(d.name);
      const sel = selected(rng, d, c.st, c.sys.irqs, c.inGuest, [...req]);
      for (const i of sel.indices) req.delete(i);
      return `release ${sel.text}`;
    }
    case 'mask':
    case 'unmask':
    case 'fire': {
      const d = on();
      if (kind === 'fire') c.fired.add(d.name);
      // Now and then a storm: many interrupts, claimed or not (note_interrupt()'s windows of 100,000).
      const storm = kind === 'fire' && rng.chance(0.1) ? ` ${rng.pick(['2', '99999', '100000', '250000', '1000000000', '0'])}${rng.chance(0.6) ? ' unhandled' : ''}` : '';
      return `${kind} ${selected(rng, d, c.st, c.sys.irqs, c.inGuest).text}${storm}`;
    }
    case 'affinity': {
      const d = movable.length ? rng.pick(movable) : on();
      c.st.moved.add(d.name);
      return `affinity ${selected(rng, d, c.st, c.sys.irqs, c.inGuest).text} ${cpuList(rng, c.cpus)}`;
    }
    case 'offline':
      // Unplugging moves what was on the CPU: affinities may change.
      for (const d of allocated) c.st.moved.add(d.name);
      return `offline cpu ${!oops(rng, 0.03) ? cpuList(rng, c.cpus, false) : '0'}`;
    case 'online':
      return `online cpu ${cpuList(rng, c.cpus)}`;
    case 'vfio':
      // The states every migration driver has (STOP_COPY), mostly; the others need flags or a newer kernel.
      return `vfio ${rng.pick(migratable).name} ${oops(rng, 0.03) ? rng.pick(['paused', 'RUNNING', 'constructor']) : rng.chance(0.85) ? rng.pick(['stop', 'running', 'stop-copy', 'resuming']) : rng.pick(vfioStates)}`;
    case 'mmio': {
      const d = rng.pick(withBars);
      const rw = rng.pick(['read', 'write']);
      const [b, size] = rng.pick([...d.bars.entries()]);
      if (rng.chance(0.2)) return `mmio ${d.name} ${rw}`;
      return `mmio ${d.name} ${rw} bar ${b} offset ${num(rng, !oops(rng, 0.05) ? rng.int(0, Math.max(0, size - 4)) & ~3 : size + 4)}`;
    }
    case 'dma':
      return `dma ${rng.pick(c.devices).name} -> ${rng.chance(0.3) ? 'memory' : rng.pick(c.devices).name}`;
    case 'pasid': {
      const set = !oops(rng, 0.05) ? rng.pick(c.sys.pasidSets) : 'nosuchset';
      const op = rng.weighted<string>([
        [6, 'alloc'],
        [2, 'free'],
        [2, 'quota'],
      ]);
      if (op === 'alloc') return `pasid alloc ${set}${rng.chance(0.7) ? ` ${num(rng, !oops(rng, 0.03) ? rng.int(1, 200) : rng.pick([0, 2 ** 20, 2 ** 53 + 1]))}` : ''}`;
      if (op === 'free') return `pasid free ${set}`;
      return `pasid quota ${set} ${num(rng, rng.int(1, 1000))}`;
    }
    default:
      return c.cpus > 1 ? `online cpu ${c.cpus - 1}` : `expect cpu 0 available ${rng.int(180, 202)}`;
  }
}

/** An assertion: mostly ones that hold (full CPU lists, delivered after fire, states reached), some that do not. */
function expectStep(rng: Rng, c: StepContext, depth: number): string {
  const allocated = c.devices.filter((d) => largest(d) > 0 && c.st.allocated.has(d.name));
  const migratable = c.devices.filter((d) => d.migration);
  const kind = rng.weighted<string>([
    [allocated.length ? 20 : 0, 'sel'],
    [1, 'available'],
    [migratable.length ? 1 : 0, 'vfio'],
    [c.sys.pasidSets.length ? 2 : 0, 'pasid'],
    [depth < 3 ? 8 : 0, 'fail'],
  ]);
  switch (kind) {
    case 'sel': {
      const d = rng.pick(allocated);
      const req = [...c.st.requestedOf(d.name)];
      // `cpu` of a requested vector (a reserved one has none); `affinity` of one nothing moved.
      const sel = selected(rng, d, c.st, c.sys.irqs, c.inGuest, req.length ? req : undefined);
      const all = `0-${c.cpus - 1}`;
      const still = !c.st.moved.has(d.name) && !c.st.managed.has(d.name);
      const what = rng.weighted<() => string>([
        [req.length ? 8 : 1, () => `cpu ${rng.chance(0.9) ? all : cpuList(rng, c.cpus)}`],
        [still ? 4 : 0.5, () => `affinity ${rng.chance(0.9) ? all : cpuList(rng, c.cpus)}`],
        [1, () => `vector ${num(rng, rng.int(0x20, 0xef))}`],
        [1, () => `message ${num(rng, 0xfee00000 + rng.int(0, 15) * 4096)} ${num(rng, rng.int(0, 255))}`],
        [c.fired.has(d.name) ? 6 : 0.5, () => (rng.chance(0.9) ? 'delivered' : 'lost')],
        [1, () => `irte ${num(rng, rng.int(0, 64))}`],
      ]);
      return `expect ${sel.text} ${what()}`;
    }
    case 'available':
      return `expect cpu ${num(rng, rng.int(0, c.cpus - 1))} available ${num(rng, rng.pick([186, 201, 200, 202, 199, rng.int(0, 210)]))}`;
    case 'vfio':
      return `expect vfio ${rng.pick(migratable).name} ${rng.pick(vfioStates)}`;
    case 'pasid':
      return `expect pasid ${rng.pick(c.sys.pasidSets)} used ${num(rng, rng.int(0, 100))}`;
    default: {
      // Mostly steps that do fail, with their errno: a second alloc, a second request, a managed
      // IRQ's affinity, the ERROR state; now and then any step and any errno.
      const requested = allocated.filter((d) => c.st.requestedOf(d.name).size > 0);
      const managed = allocated.filter((d) => c.st.managed.has(d.name));
      const known = rng.weighted<() => string | undefined>([
        [allocated.length ? 3 : 0, () => `-EINVAL alloc ${rng.pick(allocated).name} 1`],
        [requested.length ? 3 : 0, () => {
          const d = rng.pick(requested);
          return `-EBUSY request ${d.name}[${rng.pick([...c.st.requestedOf(d.name)])}]`;
        }],
        [managed.length ? 2 : 0, () => `-EIO affinity ${rng.pick(managed).name}[0] ${cpuList(rng, c.cpus)}`],
        [migratable.length ? 2 : 0, () => `-EINVAL vfio ${rng.pick(migratable).name} error`],
        [1, () => undefined],
      ])();
      if (known) return `expect fail ${rng.chance(0.8) ? known : known.replace(/^-E[A-Z0-9]+ /, '')}`;
      const inner = rng.chance(0.1) ? expectStep(rng, c, depth + 1) : plainStep(rng, c);
      return `expect fail${rng.chance(0.5) ? ` ${rng.pick(ERRNOS)}` : ''} ${inner}`;
    }
  }
}

function steps(rng: Rng, c: StepContext, n: number, indent: string, lines: string[], allowGuest: boolean): void {
  for (let i = 0; i < n; i++) {
    const r = rng.float();
    if (allowGuest && c.sys.guests.length && r < 0.08) {
      const g = rng.pick(c.sys.guests);
      lines.push(`${indent}guest ${!oops(rng, 0.02) ? g.name : 'vm9'} {`);
      let gst = c.guests.get(g.name);
      if (!gst) {
        gst = new StepState();
        c.guests.set(g.name, gst);
      }
      const gc: StepContext = { guests: c.guests, sys: c.sys, cpus: g.cpus, devices: g.devices, inGuest: true, st: gst, fired: new Set() };
      // Steps inside a guest do not nest another guest block (IRQD014), except as a mistake.
      steps(rng, gc, rng.int(1, 8), indent + '  ', lines, oops(rng, 0.02));
      lines.push(`${indent}}`);
      continue;
    }
    // Assertions mostly towards the end: a false one ends the scenario, and the kernel model should run first.
    const line = r < (i > n * 0.7 ? 0.25 : 0.06) ? expectStep(rng, c, 0) : plainStep(rng, c);
    lines.push(`${indent}${line}${rng.chance(0.05) ? '   // a note' : ''}`);
  }
}

/** A scenario on `sys`: steps over its devices, sometimes continuing another scenario. */
function scenario(rng: Rng, sys: SystemDesc, scNames: Names, onlySystem: boolean, lines: string[]): void {
  const quoted = rng.chance(0.6);
  const base = scNames.take(['boot', 'unplug', 'migrate', 'spread', 'exhaust', 'w7', 'what-if', 'hotplug'], 's');
  const name = quoted ? `"${rng.chance(0.9) ? base : `${base} ${rng.pick(['✓', 'under load', 'ünïcødé'])}`}"` : base;
  let head = `scenario ${name}`;
  const after = sys.scenarios.length && rng.chance(0.15) ? rng.pick(sys.scenarios) : undefined;
  if (!after || rng.chance(0.5)) {
    if (!onlySystem || rng.chance(0.7)) head += ` on ${rng.chance(0.99) ? sys.name : 'nowhere'}`;
  }
  if (after) head += ` after ${after}`;
  lines.push(`${head} {`);
  const st = new StepState();
  // A declared state has allocated (and requested) vectors before the first step.
  for (const [name, d] of sys.declared) {
    st.allocated.set(name, d.count);
    st.total += d.count;
    for (const i of d.requested) st.requestedOf(name).add(i);
  }
  const c: StepContext = { guests: new Map(), sys, cpus: sys.cpus, devices: sys.devices, inGuest: false, st, fired: new Set() };
  const n = rng.weighted<number>([
    [30, rng.int(1, 5)],
    [45, rng.int(6, 20)],
    [20, rng.int(21, 60)],
    [5, rng.int(61, 300)],
  ]);
  steps(rng, c, n, '  ', lines, true);
  lines.push('}');
  sys.scenarios.push(name);
}

/**
 * A whole program: `use` lines now and then (of the libraries: files on disk
 * whose systems the scenarios may run on), one to three systems, and
 * scenarios on them.
 */
export function generateProgram(rng: Rng, libraries: readonly Library[]): string {
  // Two programs in three are meant to be free of errors.
  mistakes = rng.chance(0.35) ? 1 : 0;
  const lines: string[] = [];
  if (rng.chance(0.3)) lines.push(`// generated by the irqd fuzzer`);
  const systems: SystemDesc[] = [];
  if (libraries.length && rng.chance(0.12)) {
    const lib = rng.pick(libraries);
    lines.push(`use "${!oops(rng, 0.05) ? lib.path : rng.pick(['missing.irqd', '../nowhere/x.irqd', ''])}"`);
    for (const s of lib.systems) systems.push({ ...s, scenarios: [] });
  }
  const names = new Names(rng);
  const sysNames = new Names(rng);
  // A system declared here with a used file's name would be IRQD011.
  for (const s of systems) sysNames.reserve(s.name);
  const nsys = systems.length && rng.chance(0.5) ? 0 : rng.weighted<number>([
    [80, 1],
    [15, 2],
    [5, 3],
  ]);
  const body: string[][] = [];
  for (let i = 0; i < nsys; i++) {
    const l: string[] = [];
    systems.push(system(rng, names, sysNames, l));
    body.push(l);
  }
  const scNames = new Names(rng);
  const own = nsys;
  for (const sys of systems) {
    const k = rng.weighted<number>([
      [10, 0],
      [45, 1],
      [30, 2],
      [15, rng.int(3, 6)],
    ]);
    for (let i = 0; i < k; i++) {
      const l: string[] = [];
      scenario(rng, sys, scNames, own === 1 && systems.length === 1, l);
      body.push(l);
    }
  }
  // Declarations may come in any order: now and then a scenario before its system.
  const ordered = rng.chance(0.1) ? rng.shuffle(body) : body;
  for (const b of ordered) {
    for (const l of b) lines.push(l);
    if (rng.chance(0.7)) lines.push('');
  }
  return lines.join(rng.chance(0.05) ? '\r\n' : '\n') + (rng.chance(0.9) ? '\n' : '');
}
