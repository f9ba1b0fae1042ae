// The simulated kernel state of one system: the vector matrix, per-IRQ chip
// data at every hierarchy level, IRTE tables and what each device holds.
import type { DeviceSym, DomainSym, GuestSym, SystemSym } from '../model/types.js';
import type { KernelFeatures } from './kernel.js';
import type { IrqMatrix } from './matrix.js';
import { cloneIts, type ItsState } from './its.js';
import { clonePasid, type PasidState } from './pasid.js';

/** An MSI message as the device holds it (struct msi_msg). */
export interface Msg {
  readonly addressLo: number;
  readonly addressHi: number;
  readonly data: number;
}

export const ZERO_MSG: Msg = { addressLo: 0, addressHi: 0, data: 0 };

/** struct apic_chip_data (arch/x86/kernel/apic/vector.c). */
export interface ApicChipData {
  vector: number;
  cpu: number;
  prevVector: number;
  prevCpu: number;
  moveInProgress: boolean;
  isManaged: boolean;
  canReserve: boolean;
  hasReserved: boolean;
  /** hw_irq_cfg: what the hardware is programmed with (0xEF while reserved or shut down). */
  hwVector: number;
  hwCpu: number;
}

/** A VT-d IRTE (struct irte) or an AMD-Vi legacy IRTE, as programmed. */
export interface Irte {
  present: boolean;
  vector: number;
  destId: number;
  logical: boolean;
  /** Source ID (requester ID, bus << 8 | devfn) checked with SVT = 1, SQ = 0. */
  sid: number;
  /** A posted IRTE: the interrupt goes to a guest's vCPU and vector. */
  posted?: { guest: string; vcpu: number; vector: number };
}

export interface IrteTable {
  /** No single entry below this is free: where order-0 searches start. */
  hint: number;
  readonly domain: DomainSym;
  /** AMD-Vi tables are per device; VT-d has one per IOMMU. */
  readonly device?: DeviceSym;
  readonly size: number;
  readonly used: Uint8Array;
  readonly entries: Map<number, Irte>;
}

/** An IRQ's place in an IRTE table: a naturally aligned block, entry `index + subhandle`. */
export interface IrteRef {
  readonly table: string;
  /** The block's first entry: the VT-d handle, or the AMD-Vi base index. */
  readonly index: number;
  /** The IRQ's position in the block (VT-d sub-handle). */
  readonly subhandle: number;
  readonly blockSize: number;
}

/** The outcome of the last interrupt an IRQ's device raised. */
export interface Delivery {
  readonly delivered: boolean;
  /** Held pending while masked: neither delivered nor lost. */
  readonly pending?: boolean;
  readonly cpu?: number;
  readonly vector?: number;
  readonly reason: string;
}

export interface Irq {
  readonly virq: number;
  readonly device: DeviceSym;
  /** 'ioapic': a PCI INTx line through an IO-APIC pin (level triggered, shareable). */
  readonly cap: 'msi' | 'msix' | 'ims' | 'ioapic';
  /** The MSI-X/IMS table entry, the MSI vector number within the block, or the IO-APIC pin. */
  readonly index: number;
  /** The hierarchy from the device's domain (top) down to the vector domain (root). */
  readonly chain: readonly DomainSym[];
  readonly apic: ApicChipData;
  irte?: IrteRef;
  /** The affinity mask (CPUs) and whether it is managed. */
  affinity: number[];
  readonly managed: boolean;
  /** IRQD_CAN_RESERVE on the irq_data (cleared by msi_init_virq() for non-maskable MSI). */
  irqdCanReserve: boolean;
  activated: boolean;
  /** request_irq() done: the IRQ has a handler and is started. */
  started: boolean;
  managedShutdown: boolean;
  masked: boolean;
  /** An interrupt raised while masked, waiting in the PBA. */
  pending: boolean;
  /** A deferred affinity change waiting for the next interrupt (IRQD_SETAFFINITY_PENDING). */
  movePending?: number[];
  /** Multi-MSI: the first IRQ of the block and the block's size; the device holds one message. */
  readonly msiBlock?: { readonly first: number; readonly count: number };
  /** A host record behind a guest's hcall IRQ: its IRTE posts to this guest. */
  readonly postedTo?: string;
  /** The device tags this IRQ's messages with a PASID (a SIOV sub-device in pasid mode). */
  readonly pasidTagged?: boolean;
  /** IRQF_NOBALANCING (IRQD_NO_BALANCING): user-space affinity writes fail with -EIO. */
  noBalancing?: boolean;
  /** desc->affinity_hint, set by a driver's irq_set_affinity_and_hint(). */
  hint?: number[];
  /** arm64 ITS: the EventID within the device's ITT. */
  event?: number;
  lastDelivery?: Delivery;
}

export interface DeviceState {
  readonly cap: 'msi' | 'msix' | 'ims' | 'ioapic';
  /** virq of each allocated entry, by index. */
  readonly virqs: number[];
  /** The message the device holds for each entry (MSI: one for the block). */
  readonly msgs: Map<number, Msg>;
}

export interface SimState {
  readonly system: SystemSym;
  readonly k: KernelFeatures;
  readonly matrix: IrqMatrix;
  /** cpu_online_mask; the matrix keeps its own per-CPU online flag, updated later in the offline path. */
  readonly cpuOnline: boolean[];
  /** Per CPU: vector → virq, or the kernel's markers for unused slots. */
  readonly vectorIrq: Map<number, number | 'shutdown' | 'retriggered'>[];
  readonly irqs: Map<number, Irq>;
  readonly devices: Map<string, DeviceState>;
  readonly irteTables: Map<string, IrteTable>;
  /** Each device's VFIO migration state (RUNNING until a `vfio` step changes it). */
  readonly vfio: Map<string, 'error' | 'stop' | 'running' | 'stop-copy' | 'resuming' | 'running-p2p' | 'pre-copy' | 'pre-copy-p2p'>;
  /** The kernels of the guests (host state only), booted at their first `guest` step. */
  readonly guests: Map<string, SimState>;
  /** A guest's link to its host (guest states only). */
  hypervisor?: { readonly host: SimState; readonly guest: GuestSym };
  /** A guest IRQ's host side: the hcall posting record or the trapped host IRQ (guest states only). */
  readonly bindings: Map<number, { readonly kind: 'hcall' | 'trap'; readonly hostVirq: number }>;
  /** arm64: the ITS tables and per-CPU LPI load. */
  readonly its?: ItsState;
  /** PASID capacity and sets, when the system declares `pasid capacity`. */
  readonly pasid?: PasidState;
  /** The first dynamic Linux IRQ number (arch_dynirq_lower_bound()). */
  readonly nextVirq: number;
  /** No IRQ number below this is free: where the lowest-free search starts. */
  virqHint: number;
}

/** Forgets an IRQ and makes its number free again (irq_free_descs()). */
export function releaseVirq(s: SimState, virq: number): void {
  s.irqs.delete(virq);
  if (virq < s.virqHint) s.virqHint = virq;
}

export function cloneState(s: SimState): SimState {
  const irqs = new Map<number, Irq>();
  for (const [v, irq] of s.irqs) {
    irqs.set(v, {
      ...irq,
      apic: { ...irq.apic },
      affinity: [...irq.affinity],
      ...(irq.movePending ? { movePending: [...irq.movePending] } : {}),
      ...(irq.hint ? { hint: [...irq.hint] } : {}),
    });
  }
  const devices = new Map<string, DeviceState>();
  for (const [n, d] of s.devices) devices.set(n, { cap: d.cap, virqs: [...d.virqs], msgs: new Map(d.msgs) });
  const irteTables = new Map<string, IrteTable>();
  for (const [n, t] of s.irteTables) {
    const entries = new Map<number, Irte>();
    for (const [i, e] of t.entries) entries.set(i, { ...e });
    irteTables.set(n, { ...t, hint: t.hint, used: t.used.slice(), entries });
  }
  return {
    system: s.system,
    k: s.k,
    matrix: s.matrix.clone(),
    cpuOnline: [...s.cpuOnline],
    vectorIrq: s.vectorIrq.map((m) => new Map(m)),
    irqs,
    devices,
    irteTables,
    vfio: new Map(s.vfio),
    guests: new Map([...s.guests].map(([n, g]) => [n, cloneState(g)])),
    ...(s.hypervisor ? { hypervisor: s.hypervisor } : {}),
    bindings: new Map(s.bindings),
    ...(s.pasid ? { pasid: clonePasid(s.pasid) } : {}),
    ...(s.its ? { its: cloneIts(s.its) } : {}),
    nextVirq: s.nextVirq,
    virqHint: s.virqHint,
  };
}

/** The online CPUs, ascending (cpu_online_mask). */
/** Which interrupt architecture an IRQ's hierarchy ends in. */
export function platformOf(chain: readonly DomainSym[]): 'x86' | 'its' | 'imsic' {
  if (chain.some((d) => d.domainKind === 'its')) return 'its';
  if (chain.some((d) => d.domainKind === 'imsic')) return 'imsic';
  return 'x86';
}

export function onlineCpus(s: SimState): number[] {
  const out: number[] = [];
  s.cpuOnline.forEach((on, i) => {
    if (on) out.push(i);
  });
  return out;
}

export function isOnline(s: SimState, cpu: number): boolean {
  return s.cpuOnline[cpu] === true;
}

/** The hierarchy of a domain, from it (the child) to the root; a cycle (reported by the checker) ends the walk. */
export function chainOf(domain: DomainSym | undefined): DomainSym[] {
  const out: DomainSym[] = [];
  for (let d = domain; d && !out.includes(d); d = d.parent) out.push(d);
  return out;
}
