// The Model: what an .irqd file declares, with every reference resolved.
//
// Names follow the kernel's nouns: an irq_domain has a kind and a parent, a
// device has MSI/MSI-X/IMS capabilities allocated from a domain. Values the
// user left out or got wrong are replaced by documented defaults, so the
// simulator always sees a complete system; the diagnostics say what was wrong.
import type * as A from '../../../grammar/index.js';
import type { KernelCmdline } from './cmdline.js';

export type Arch = 'x86_64' | 'arm64' | 'riscv64';
export type ApicMode = 'xapic' | 'x2apic';
export type DestMode = 'physical' | 'logical';

export type DomainKind =
  | 'vector'
  | 'intel-ir'
  | 'amd-ir'
  | 'pci-msi'
  | 'ims'
  | 'ioapic'
  | 'hcall'
  | 'gic'
  | 'its'
  | 'imsic'
  | 'aplic'
  | 'dmar-msi'
  | 'hpet-msi';

/** A kernel version as (major, minor); mainline is a ~6.17 tree (semantics.md). */
export interface KernelVersion {
  readonly text: string;
  readonly major: number;
  readonly minor: number;
  /** The stable release (6.1.192 → 192), when the version names one: some fixes reached a stable tree at a patch level. */
  readonly patch?: number;
}

export type SymbolKind =
  | 'system'
  | 'domain'
  | 'device'
  | 'guest'
  | 'pasid-set'
  | 'scenario'
  | 'sub-device'
  | 'register';

/** Every named declaration, for navigation; the specific records below extend it. */
export interface SymbolBase {
  readonly kind: SymbolKind;
  readonly name: string;
  /** The span of the name where it is declared. */
  readonly nameSpan: A.Span;
  /** The span of the whole declaration. */
  readonly declSpan: A.Span;
  /** The declaration this one sits in (a domain's system or guest). */
  readonly container?: SymbolBase;
}

/** A scope: a system or a guest has its own domains and devices. */
export interface Scope {
  readonly domains: Map<string, DomainSym>;
  readonly devices: Map<string, DeviceSym>;
}

export interface DomainSym extends SymbolBase {
  readonly kind: 'domain';
  readonly decl: A.DomainDecl;
  readonly domainKind?: DomainKind;
  /** Resolved after all declarations are known (parents may come later in the file). */
  parent?: DomainSym;
  readonly props: ReadonlyMap<string, number>;
  readonly owner: SystemSym | GuestSym;
}

export interface InterruptCap {
  readonly cap: 'msi' | 'msix' | 'ims';
  readonly count: number;
  domain?: DomainSym;
  /** Per-vector masking (MSI-X always; MSI when the device has the mask bits). */
  readonly maskable: boolean;
  /** Where IMS entries live: in the device, or in guest memory (queue storage). */
  readonly storage: 'device' | 'guest-memory';
  readonly span: A.Span;
  readonly item: A.CapItem;
}

export interface IoapicPin {
  readonly pin: number;
  /** The Linux IRQ of the pin when it is not the GSI (`irq 0` on the pin the timer's override names). */
  readonly irq?: number;
  /** PCI INTx lines are level triggered (fasteoi); ISA interrupts are edge triggered. */
  readonly trigger: 'edge' | 'level';
  domain?: DomainSym;
  readonly span: A.Span;
  readonly pinSpan: A.Span;
  /** Set when no `domain D` was given and the scope has several IO-APICs. */
  ambiguous?: boolean;
}

export interface Bar {
  readonly index: number;
  readonly size: number;
  readonly span: A.Span;
}

export interface BarPlacement {
  readonly bar: number;
  readonly offset: number;
  readonly span: A.Span;
}

export interface RegisterSym extends SymbolBase, BarPlacement {
  readonly kind: 'register';
  readonly size: number;
}

export interface MigrationCaps {
  /** VFIO_MIGRATION_P2P: the device has RUNNING_P2P. */
  readonly p2p: boolean;
  /** VFIO_MIGRATION_PRE_COPY (6.2+). */
  readonly preCopy: boolean;
  readonly span: A.Span;
}

export interface DeviceSym extends SymbolBase {
  readonly kind: 'device';
  readonly decl: A.DeviceDecl;
  /** `platform`: a kernel-owned interrupt source that is no PCI function (ISA, ACPI, the IOMMU's fault interrupt). */
  readonly bus: 'pci' | 'vf' | 'platform';
  readonly address?: A.PciAddr;
  /** For a VF: its physical function, and its index among the PF's VFs. */
  pf?: DeviceSym;
  readonly vfIndex?: number;
  readonly caps: Partial<Record<'msi' | 'msix' | 'ims', InterruptCap>>;
  readonly ioapicPin?: IoapicPin;
  readonly bars: ReadonlyMap<number, Bar>;
  readonly msixTable?: BarPlacement;
  readonly msixPba?: BarPlacement;
  readonly registers: readonly RegisterSym[];
  readonly pasid: boolean;
  readonly sriov?: number;
  readonly migration?: MigrationCaps;
  readonly node?: number;
  /** `driver NAME`: the bound kernel driver (virtio-net's hotplug callbacks are simulated). */
  readonly driver?: string;
  readonly owner: SystemSym | GuestSym;
}

/** A SIOV sub-device, declared by `assign DEV sub NAME mode M` in a guest. */
export interface SubDeviceSym extends SymbolBase {
  readonly kind: 'sub-device';
  readonly parentDevice?: DeviceSym;
  readonly mode: 'pasid' | 'emulated';
}

export interface Assignment {
  readonly item: A.AssignItem;
  readonly device?: DeviceSym;
  /** `as 00:04.0`: the address the guest sees. */
  readonly guestAddress?: A.PciAddr;
  readonly sub?: SubDeviceSym;
  /** The guest domain the assigned device allocates from. */
  domain?: DomainSym;
}

export interface GuestSym extends SymbolBase {
  readonly kind: 'guest';
  readonly decl: A.GuestDecl;
  readonly system: SystemSym;
  readonly cpus: number;
  readonly cpusKnown: boolean;
  /** Whether the guest can see the CPUID hypervisor bit. */
  readonly hypervisor: 'visible' | 'hidden';
  readonly apic: ApicMode;
  readonly destMode: DestMode;
  /** No `dest-mode`: destMode is the one the guest kernel picks (values.ts defaultDestMode()). */
  readonly destModeChosen: boolean;
  /** The guest kernel's own command line. */
  readonly cmdline: KernelCmdline;
  /** `smt N`: the guest's vCPU threads per core. */
  readonly smt: number;
  readonly scope: Scope;
  readonly assignments: Assignment[];
  /** Names usable in the guest's steps: assigned devices and sub-devices. */
  readonly visible: Map<string, DeviceSym | SubDeviceSym>;
}

export interface NumaNode {
  readonly id: number;
  readonly cpus: readonly number[];
  readonly span: A.Span;
}

export interface PasidSetSym extends SymbolBase {
  readonly kind: 'pasid-set';
  readonly quota: number;
}

export interface PasidSpace {
  readonly capacity: number;
  readonly sets: Map<string, PasidSetSym>;
  readonly span: A.Span;
}

/** What an IRQ was doing when the machine was found (its irq_data and apic_chip_data flags). */
export type IrqStatus =
  /** Allocated in reservation mode: no vector until request_irq() (apicd->has_reserved). */
  | 'reserved'
  /** Activated with a vector, no handler (an MSI activated early, never requested). */
  | 'allocated'
  /** request_irq() done: activated and started. */
  | 'requested'
  /** A managed IRQ with no online CPU in its mask (IRQD_MANAGED_SHUTDOWN). */
  | 'shutdown';

/** One IRQ of a declared machine state (`irq 35 nvme0[0] requested cpu 3 vector 0x25 …`). */
export interface DeclaredIrq {
  readonly virq: number;
  readonly device: DeviceSym;
  readonly cap: 'msi' | 'msix' | 'ims' | 'ioapic';
  /** The MSI-X/IMS entry, the MSI vector in its block, or 0 for an INTx line. */
  readonly index: number;
  readonly managed: boolean;
  readonly status: IrqStatus;
  /** apicd->cpu and apicd->vector (Target and Vector in debugfs). */
  readonly cpu?: number;
  readonly vector?: number;
  readonly affinity?: readonly number[];
  /** desc->pending_mask with IRQD_SETAFFINITY_PENDING. */
  readonly pending?: readonly number[];
  /** A move in progress: the previous vector is kept until the first interrupt on the new CPU. */
  readonly previous?: { readonly cpu: number; readonly vector: number };
  /** The IRTE entry (VT-d handle + sub-handle, AMD-Vi index). */
  readonly irte?: number;
  /** The message the device holds, when it is known and need not be what composition gives. */
  readonly message?: { readonly addressLo: number; readonly addressHi: number; readonly data: number };
  readonly masked: boolean;
  /** IRQF_NOBALANCING / IRQD_NO_BALANCING: user-space affinity writes fail with -EIO. */
  readonly noBalancing: boolean;
  readonly item: A.StateIrq;
}

/** `state { … }`: the machine as it was found; every scenario on the system starts from it. */
export interface DeclaredState {
  /** cpu_online_mask; every CPU when the state does not say. */
  readonly online?: readonly number[];
  readonly irqs: readonly DeclaredIrq[];
  readonly span: A.Span;
}

export interface SystemSym extends SymbolBase {
  readonly kind: 'system';
  readonly decl: A.SystemDecl;
  readonly description?: string;
  readonly arch: Arch;
  readonly kernel: KernelVersion;
  readonly cpus: number;
  /** False when `cpus` is missing or unreadable: CPU-range checks are skipped then. */
  readonly cpusKnown: boolean;
  readonly apic: ApicMode;
  /** virt_ext_dest_id: APIC IDs up to 32767 in compat MSIs (a hypervisor feature, no IR). */
  readonly extDestId: boolean;
  readonly destMode: DestMode;
  /** No `dest-mode`: destMode is the one the kernel picks (values.ts defaultDestMode()). */
  readonly destModeChosen: boolean;
  readonly pageSize: number;
  /** `cmdline "…"`: the options irqd models (model/cmdline.ts). */
  readonly cmdline: KernelCmdline;
  /** `smt N`: hardware threads per core, 1 without SMT. */
  readonly smt: number;
  readonly nodes: readonly NumaNode[];
  /** Stable backports the kernel carries on top of its version (`backport …`). */
  readonly backports: ReadonlySet<string>;
  readonly scope: Scope;
  readonly guests: Map<string, GuestSym>;
  readonly pasid?: PasidSpace;
  /** The machine as it was found (`state { … }`), when declared. */
  state?: DeclaredState;
}

export interface ScenarioSym extends SymbolBase {
  readonly kind: 'scenario';
  readonly decl: A.ScenarioDecl;
  /** Resolved from `on`, or from the scenario it continues (`after`). */
  system?: SystemSym;
  /** `after S`: the scenario whose end state this one starts from (resolved after all scenarios are known). */
  after?: ScenarioSym;
}

export type AnySymbol =
  | SystemSym
  | DomainSym
  | DeviceSym
  | GuestSym
  | PasidSetSym
  | ScenarioSym
  | SubDeviceSym
  | RegisterSym;

/** A use of a name, resolved (or not) to its declaration. */
export interface Reference {
  readonly span: A.Span;
  readonly name: string;
  readonly target?: AnySymbol;
}

/** The names a file gets from the files it `use`s. */
export interface ImportedNames {
  readonly systems: ReadonlyMap<string, SystemSym>;
  readonly scenarios: ReadonlyMap<string, ScenarioSym>;
  /** The file each imported symbol was declared in, as the `use` wrote it (for messages). */
  readonly origin: ReadonlyMap<AnySymbol, string>;
}

export interface Model {
  /** This file's systems (the used files' are in `imported`). */
  readonly systems: Map<string, SystemSym>;
  readonly scenarios: ScenarioSym[];
  /** Every declaration, in source order. */
  readonly symbols: AnySymbol[];
  /** Every reference, in source order. */
  readonly references: Reference[];
  /** The symbol each reference identifier resolves to, keyed by the AST node. */
  readonly resolved: WeakMap<A.Ident, AnySymbol>;
  readonly imported: ImportedNames;
}
