// MSI message composition and decoding on x86 (semantics.md §4): the compat
// format, the VT-d remappable format and the AMD-Vi format, and the IRTEs.
import type { DomainSym, SystemSym } from '../model/types.js';
import { domainProp, flatModeRemoved } from '../model/values.js';
import { hex } from './kernel.js';
import type { Irte, Msg } from './state.js';

export type ApicDriver = 'physflat' | 'flat' | 'x2apic_phys' | 'x2apic_cluster';

/**
 * The APIC driver the kernel picks (semantics.md §4.1 table): xAPIC logical is
 * "flat" (6.1, ≤ 8 CPUs), x2APIC logical is "x2apic_cluster" and needs IR;
 * without IR x2APIC is forced to physical mode (x2apic_phys = 1).
 */
export function apicDriver(system: SystemSym): ApicDriver {
  // One driver per system, chosen at boot: the choice is looked up, not redone for every message.
  let driver = drivers.get(system);
  if (!driver) {
    driver = chooseApicDriver(system);
    drivers.set(system, driver);
  }
  return driver;
}

const drivers = new WeakMap<SystemSym, ApicDriver>();

function chooseApicDriver(system: SystemSym): ApicDriver {
  // x2APIC cluster mode needs interrupt remapping.
  const remapped = [...system.scope.domains.values()].some((d) => d.domainKind === 'intel-ir' || d.domainKind === 'amd-ir');
  if (system.apic === 'x2apic') return system.destMode === 'logical' && remapped ? 'x2apic_cluster' : 'x2apic_phys';
  // 64-bit logical flat was removed in 6.12 (838ba7733e4e): physical flat only.
  return system.destMode === 'logical' && system.cpus <= 8 && !flatModeRemoved(system.kernel) ? 'flat' : 'physflat';
}

export function isLogical(driver: ApicDriver): boolean {
  return driver === 'flat' || driver === 'x2apic_cluster';
}

/** How CPUs are numbered against APIC IDs: `smt` threads per core, CPU c's siblings c ± cpus/smt. */
export interface CpuTopology {
  readonly cpus: number;
  readonly smt: number;
}

/**
 * The APIC ID of a CPU. Without SMT irqd numbers them alike; with SMT the
 * thread is the APIC ID's low bits (as x86 CPUID leaf 0xB lays them out) and
 * CPUs are numbered as x86 firmware lists them, every core's first thread
 * first: CPU c is thread c / (cpus/smt) of core c mod (cpus/smt).
 */
export function apicIdOf(topo: CpuTopology | undefined, cpu: number): number {
  if (!topo || topo.smt <= 1) return cpu;
  const stride = topo.cpus / topo.smt;
  return (cpu % stride) * topo.smt + Math.floor(cpu / stride);
}

/** The CPU of an APIC ID (inverse of apicIdOf()). */
export function cpuOfApicId(topo: CpuTopology | undefined, id: number): number {
  if (!topo || topo.smt <= 1) return id;
  const stride = topo.cpus / topo.smt;
  return (id % topo.smt) * stride + Math.floor(id / topo.smt);
}

/** apic->calc_dest_apicid(cpu): the flat mode's logical ID is by CPU number, the others by APIC ID. */
export function destApicId(driver: ApicDriver, cpu: number, topo?: CpuTopology): number {
  switch (driver) {
    case 'flat':
      return 1 << cpu;
    case 'x2apic_cluster': {
      // x2apic_prepare_cpu(): cluster (APIC ID >> 4) in bits 31:16, one bit per APIC ID in 15:0.
      const id = apicIdOf(topo, cpu);
      return ((id >> 4) << 16) | (1 << (id & 0xf));
    }
    default:
      return apicIdOf(topo, cpu);
  }
}

/** The CPUs a destination addresses (inverse of destApicId for the driver). */
export function cpusOfDest(driver: ApicDriver, dest: number, topo?: CpuTopology): number[] {
  switch (driver) {
    case 'flat': {
      const out: number[] = [];
      for (let c = 0; c < 8; c++) if (dest & (1 << c)) out.push(c);
      return out;
    }
    case 'x2apic_cluster': {
      const cluster = dest >>> 16;
      const out: number[] = [];
      for (let b = 0; b < 16; b++) if (dest & (1 << b)) out.push(cpuOfApicId(topo, cluster * 16 + b));
      return out.sort((a, b) => a - b);
    }
    default:
      return [cpuOfApicId(topo, dest)];
  }
}

// __irq_msi_compose_msg(): arch/x86/kernel/apic/apic.c (5.10+; 6.1 and mainline alike)
export function composeCompat(vector: number, dest: number, logical: boolean, extDestId = false): { msg: Msg; truncated: boolean } {
  return { msg: compatMsg(vector, dest, logical, extDestId), truncated: compatTruncates(dest, extDestId) };
}

/** The compat-format message alone (composeCompat() without the truncation flag). */
export function compatMsg(vector: number, dest: number, logical: boolean, extDestId = false): Msg {
  let lo = 0xfee00000 | ((dest & 0xff) << 12) | (logical ? 1 << 2 : 0);
  if (dest > 0xff && extDestId && dest < 0x8000) lo |= ((dest >> 8) & 0x7f) << 5;
  return { addressLo: lo >>> 0, addressHi: 0, data: vector & 0xff };
}

/** WARN_ON_ONCE(dest_apicid > 0xFF) in __irq_msi_compose_msg(): the destination does not fit (without the extended ID). */
export function compatTruncates(dest: number, extDestId = false): boolean {
  return dest > 0xff && !(extDestId && dest < 0x8000);
}

// fill_msi_msg(): drivers/iommu/intel/irq_remapping.c (SHV = 1 always)
export function composeVtd(index: number, subhandle: number): Msg {
  const lo = 0xfee00000 | ((index & 0x7fff) << 5) | (1 << 4) | (1 << 3) | (((index >> 15) & 1) << 2);
  return { addressLo: lo >>> 0, addressHi: 0, data: subhandle };
}

/**
 * An IO-APIC line's RTE under VT-d, as the message the IO-APIC sends:
 * intel_irq_remapping_prepare_irte() composes sub_handle = info->ioapic.pin,
 * and ioapic_setup_msg_from_msi() copies the format bit and the handle into
 * the RTE and that sub-handle into its vector field ("DMAR/IR: 8bit subhandle
 * (ioapic.pin)"), the value the directed EOI of a level line names. The RTE
 * has no SHV bit, so the IOMMU uses the handle alone.
 */
export function composeVtdRte(index: number, pin: number): Msg {
  const lo = 0xfee00000 | ((index & 0x7fff) << 5) | (1 << 4) | (((index >> 15) & 1) << 2);
  return { addressLo: lo >>> 0, addressHi: 0, data: pin & 0xff };
}

// fill_msi_msg(): drivers/iommu/amd/iommu.c (6.1: 256-entry tables, DM = 0)
export function composeAmd(index: number): Msg {
  return { addressLo: 0xfee00000, addressHi: 0, data: index };
}

export type DecodedMsg =
  | { readonly format: 'zero' }
  | { readonly format: 'invalid'; readonly why: string }
  | { readonly format: 'compat'; readonly dest: number; readonly logical: boolean; readonly vector: number; readonly deliveryMode: number; readonly level: boolean }
  | { readonly format: 'remappable'; readonly handle: number; readonly shv: boolean; readonly subhandle: number };

/** Reads a message the way the interrupt hardware does. */
export function decodeMsg(msg: Msg, extDestId = false): DecodedMsg {
  if (msg.addressLo === 0 && msg.addressHi === 0 && msg.data === 0) return { format: 'zero' };
  if (msg.addressLo >>> 20 !== 0xfee) return { format: 'invalid', why: `address ${hex(msg.addressLo, 8)} is not in the interrupt range 0xFEExxxxx` };
  if (msg.addressLo & (1 << 4)) {
    const handle = ((msg.addressLo >>> 5) & 0x7fff) | (((msg.addressLo >>> 2) & 1) << 15);
    return { format: 'remappable', handle, shv: (msg.addressLo & (1 << 3)) !== 0, subhandle: msg.data & 0xffff };
  }
  let dest = (msg.addressLo >>> 12) & 0xff;
  if (extDestId) dest |= ((msg.addressLo >>> 5) & 0x7f) << 8;
  return {
    format: 'compat',
    dest,
    logical: (msg.addressLo & (1 << 2)) !== 0,
    vector: msg.data & 0xff,
    deliveryMode: (msg.data >>> 8) & 7,
    level: (msg.data & (1 << 15)) !== 0,
  };
}

/** "dest 0x3 physical, vector 0x21, fixed, edge" and the like, for hovers and traces. */
export function describeMsg(msg: Msg): string {
  const d = decodeMsg(msg);
  switch (d.format) {
    case 'zero':
      return 'all zero (deactivated)';
    case 'invalid':
      return d.why;
    case 'compat':
      return `compat format: destination ${hex(d.dest)} ${d.logical ? 'logical' : 'physical'}, vector ${hex(d.vector)}, ${['fixed', 'lowest priority', 'SMI', '?', 'NMI', 'INIT', '?', 'ExtINT'][d.deliveryMode]}, ${d.level ? 'level' : 'edge'}`;
    case 'remappable':
      return `remappable format: handle ${hex(d.handle)}, SHV ${d.shv ? 1 : 0}, sub-handle ${d.subhandle} → IRTE ${hex(d.handle + (d.shv ? d.subhandle : 0))}`;
  }
}

export function msgText(msg: Msg): string {
  return `${hex(msg.addressLo, 8)}${msg.addressHi ? `:${hex(msg.addressHi, 8)}` : ''} / ${hex(msg.data, 8)}`;
}

// prepare_irte() + set_msi_sid(): drivers/iommu/intel/irq_remapping.c; struct irte in include/linux/dmar.h
export function vtdIrteWords(irte: Irte, eim: boolean, verifySid = true): { low: bigint; high: bigint } {
  if (!irte.present) return { low: 0n, high: 0n };
  const dest = eim ? BigInt(irte.destId >>> 0) : BigInt((irte.destId & 0xff) << 8);
  const low = 1n | (irte.logical ? 1n << 2n : 0n) | (1n << 3n) | (BigInt(irte.vector) << 16n) | (dest << 32n);
  // SQ = SQ_ALL_16 (0), SVT = SVT_VERIFY_SID_SQ (1), or SVT_NO_VERIFY (0) with intremap=nosid.
  const high = BigInt(irte.sid) | (verifySid ? 1n << 18n : 0n);
  return { low, high };
}

/**
 * The AMD-Vi IRTE format (drivers/iommu/amd/init.c): 128-bit GA
 * (irte_ga_lo/irte_ga_hi) when amd_iommu_guest_ir is VAPIC, the 6.1 default,
 * or LEGACY_GA; 32 bits when the IVHD has no GASup or with
 * amd_iommu_intr=legacy. A domain says which with `irte-bits 32|128`.
 */
export function amdIrteBits(domain: DomainSym): 32 | 128 {
  return domainProp(domain, 'irte-bits') === 32 ? 32 : 128;
}

// union irte_ga_lo / irte_ga_hi, remap mode (not guest mode): destination 24 bits low, 8 bits high.
export function amdIrteGaWords(irte: Irte): { low: bigint; high: bigint } {
  if (!irte.present) return { low: 0n, high: 0n };
  const dest = irte.destId >>> 0;
  const low = 1n | (irte.logical ? 1n << 6n : 0n) | (BigInt(dest & 0xffffff) << 8n);
  const high = BigInt(irte.vector) | (BigInt((dest >>> 24) & 0xff) << 56n);
  return { low, high };
}

// union irte (legacy 32-bit AMD-Vi format): drivers/iommu/amd/amd_iommu_types.h
export function amdIrteWord(irte: Irte): number {
  if (!irte.present) return 0;
  return (1 | (irte.logical ? 1 << 6 : 0) | ((irte.destId & 0xff) << 8) | (irte.vector << 16)) >>> 0;
}

export function hex64(n: bigint): string {
  return '0x' + n.toString(16).toUpperCase().padStart(16, '0');
}
