// The typed AST of an .irqd file.
//
// Every node carries its source span (character offsets, end exclusive). The
// parser recovers from errors, so any child may be missing: fields that come
// from tokens the user may not have typed yet are optional, and every later
// phase must accept a partial tree.

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface Node {
  readonly span: Span;
}

/** A name as written: a declaration's name or a reference to one. */
export interface Ident extends Node {
  readonly text: string;
}

/** A decimal, hex or size literal (`64`, `0x3800`, `64K`). */
export interface NumberLit extends Node {
  readonly value: number;
  readonly text: string;
}

/** A kernel cpulist (`0-3,8,10-11`), also used for vector indices in a selection. */
export interface CpuList extends Node {
  readonly ranges: readonly CpuRange[];
}

export interface CpuRange extends Node {
  readonly from: number;
  readonly to: number;
  /** The digits as written, only when a bound is past 2^53 (its number is then not exact): for messages. */
  readonly written?: { readonly from: string; readonly to: string };
}

export interface PciAddr extends Node {
  readonly text: string;
  readonly segment: number;
  readonly bus: number;
  readonly device: number;
  readonly fn: number;
}

/**
 * `nvme0[3]`, `nvme0[0-15]`, `nvme0[*]`; a bare `nvme0` selects every
 * allocated vector; `irq 43` selects a Linux IRQ by number (then `device` is
 * absent).
 */
export interface Selection extends Node {
  readonly device?: Ident;
  readonly irq?: NumberLit;
  /** undefined: the bare device name or `[*]`; otherwise the listed indices. */
  readonly indices?: CpuList;
  readonly star: boolean;
}

export interface SourceFile extends Node {
  readonly items: readonly TopItem[];
}

export type TopItem = UseDecl | SystemDecl | ScenarioDecl;

/** `use "box.irqd"`: the systems and scenarios of another file, by a path relative to this one. */
export interface UseDecl extends Node {
  readonly kind: 'use';
  readonly keyword: Span;
  /** The path as written, without quotes. */
  readonly path?: Ident;
}

export interface SystemDecl extends Node {
  readonly kind: 'system';
  readonly keyword: Span;
  readonly name?: Ident;
  readonly description?: Ident;
  readonly body?: Span;
  readonly items: readonly BodyItem[];
}

/** Items of a system or guest body; the binder says which belong where. */
export type BodyItem =
  | ArchItem
  | KernelItem
  | CpusItem
  | ApicItem
  | DestModeItem
  | PageSizeItem
  | CmdlineItem
  | SmtItem
  | NodeItem
  | DomainDecl
  | DeviceDecl
  | PasidDecl
  | GuestDecl
  | HypervisorItem
  | AssignItem
  | BackportItem
  | StateDecl;

export interface ArchItem extends Node {
  readonly kind: 'arch';
  readonly keyword: Span;
  readonly value?: Ident;
}

export interface KernelItem extends Node {
  readonly kind: 'kernel';
  readonly keyword: Span;
  readonly value?: Ident;
}

export interface CpusItem extends Node {
  readonly kind: 'cpus';
  readonly keyword: Span;
  readonly count?: NumberLit;
}

export interface ApicItem extends Node {
  readonly kind: 'apic';
  readonly keyword: Span;
  readonly value?: Ident;
  /** `ext-dest-id`: the hypervisor's extended destination ID for MSIs without remapping. */
  readonly flags: readonly Ident[];
}

export interface DestModeItem extends Node {
  readonly kind: 'dest-mode';
  readonly keyword: Span;
  readonly value?: Ident;
}

export interface PageSizeItem extends Node {
  readonly kind: 'page-size';
  readonly keyword: Span;
  readonly size?: NumberLit;
}

/** `smt 2`: hardware threads per core (topology_sibling_cpumask()). */
export interface SmtItem extends Node {
  readonly kind: 'smt';
  readonly keyword: Span;
  readonly threads?: NumberLit;
}

/** `cmdline "irqaffinity=0-3"`: the kernel command line of a system or a guest. */
export interface CmdlineItem extends Node {
  readonly kind: 'cmdline';
  readonly keyword: Span;
  /** The string without its quotes; its span includes them. */
  readonly value?: Ident;
}

/** `node 1 cpus 4-7`: a NUMA node of the system. */
export interface NodeItem extends Node {
  readonly kind: 'node';
  readonly keyword: Span;
  readonly id?: NumberLit;
  readonly cpus?: CpuList;
}

export interface DomainDecl extends Node {
  readonly kind: 'domain';
  readonly keyword: Span;
  readonly name?: Ident;
  readonly domainKind?: Ident;
  /** The `parent` keyword, present even when the name after it is missing. */
  readonly parentKeyword?: Span;
  readonly parent?: Ident;
  readonly props: readonly DomainProp[];
  readonly body?: Span;
}

/** `irtes 65536`, `pins 24`, `base 0x08080000`, `source-id ff:00.0` inside a domain's braces. */
export interface DomainProp extends Node {
  readonly key: Ident;
  readonly value?: NumberLit;
  /** A value written as a PCI address (a requester ID). */
  readonly address?: PciAddr;
}

export interface DeviceDecl extends Node {
  readonly kind: 'device';
  readonly keyword: Span;
  readonly name?: Ident;
  /** `pci` with an address, `vf` with `of PF index N`, or `platform` (no PCI function). */
  readonly bus?: 'pci' | 'vf' | 'platform';
  readonly address?: PciAddr;
  readonly pf?: Ident;
  readonly vfIndex?: NumberLit;
  readonly body?: Span;
  readonly items: readonly DeviceItem[];
}

export type DeviceItem =
  | CapItem
  | IoapicPinItem
  | BarItem
  | MsixPlacementItem
  | RegisterItem
  | PasidCapItem
  | SriovItem
  | MigrationItem
  | DeviceNodeItem
  | DriverItem;

/** `msix 64 domain PCI-MSI`, `msi 8 domain PCI-MSI maskable no`, `ims 2048 domain IMS0 storage device`. */
export interface CapItem extends Node {
  readonly kind: 'cap';
  readonly keyword: Span;
  readonly cap: 'msi' | 'msix' | 'ims';
  readonly count?: NumberLit;
  readonly domain?: Ident;
  readonly options: readonly CapOption[];
}

export interface CapOption extends Node {
  readonly key: 'maskable' | 'storage';
  readonly keyword: Span;
  readonly value?: Ident;
}

/** `ioapic pin 4 domain IOAPIC0 irq 4 edge`: an interrupt line through an IO-APIC pin. */
export interface IoapicPinItem extends Node {
  readonly kind: 'ioapic-pin';
  readonly keyword: Span;
  readonly pin?: NumberLit;
  readonly domain?: Ident;
  /** The Linux IRQ the pin's GSI maps to, when it is not the GSI (ISA overrides). */
  readonly irq?: NumberLit;
  /** `edge` or `level`, as written. */
  readonly trigger?: Ident;
  /** Options written more than once: the binder reports them. */
  readonly repeated: readonly Span[];
}

export interface BarItem extends Node {
  readonly kind: 'bar';
  readonly keyword: Span;
  readonly index?: NumberLit;
  readonly size?: NumberLit;
}

/** `msix-table bar 0 offset 0x2000` and `msix-pba bar 0 offset 0x3000`. */
export interface MsixPlacementItem extends Node {
  readonly kind: 'msix-table' | 'msix-pba';
  readonly keyword: Span;
  readonly bar?: NumberLit;
  readonly offset?: NumberLit;
}

export interface RegisterItem extends Node {
  readonly kind: 'register';
  readonly keyword: Span;
  readonly name?: Ident;
  readonly bar?: NumberLit;
  readonly offset?: NumberLit;
  readonly size?: NumberLit;
}

/** `pasid`: the device can tag its requests (and IMS messages) with a PASID. */
export interface PasidCapItem extends Node {
  readonly kind: 'pasid-cap';
  readonly keyword: Span;
}

export interface SriovItem extends Node {
  readonly kind: 'sriov';
  readonly keyword: Span;
  readonly count?: NumberLit;
}

/** `migration p2p pre-copy`: the VFIO migration flags the device's driver reports. */
export interface MigrationItem extends Node {
  readonly kind: 'migration';
  readonly keyword: Span;
  readonly flags: readonly Ident[];
}

export interface DeviceNodeItem extends Node {
  readonly kind: 'device-node';
  readonly keyword: Span;
  readonly id?: NumberLit;
}

/** `driver nvme`: the kernel driver bound to the device. */
export interface DriverItem extends Node {
  readonly kind: 'driver';
  readonly keyword: Span;
  readonly name?: Ident;
}

export interface PasidDecl extends Node {
  readonly kind: 'pasid';
  readonly keyword: Span;
  readonly capacity?: NumberLit;
  readonly body?: Span;
  readonly sets: readonly PasidSetDecl[];
}

export interface PasidSetDecl extends Node {
  readonly keyword: Span;
  readonly name?: Ident;
  readonly quota?: NumberLit;
}

export interface GuestDecl extends Node {
  readonly kind: 'guest';
  readonly keyword: Span;
  readonly name?: Ident;
  readonly body?: Span;
  readonly items: readonly BodyItem[];
}

/** `state { … }`: the machine as it was found, each IRQ where it stood (language.md "Machine state"). */
export interface StateDecl extends Node {
  readonly kind: 'state';
  readonly keyword: Span;
  readonly body?: Span;
  readonly items: readonly StateItem[];
}

export type StateItem = StateOnline | StateIrq;

/** `online cpu 0,2-3`: cpu_online_mask when the machine was found. */
export interface StateOnline extends Node {
  readonly kind: 'state-online';
  readonly keyword: Span;
  readonly cpus?: CpuList;
}

/** `irq 35 nvme0[0] requested cpu 3 vector 0x25 affinity 0-3 irte 0x1d`: one IRQ as it stood. */
export interface StateIrq extends Node {
  readonly kind: 'state-irq';
  readonly keyword: Span;
  readonly irq?: NumberLit;
  readonly source?: Selection;
  readonly via?: Ident;
  readonly managed?: Span;
  readonly cpu?: NumberLit;
  readonly vector?: NumberLit;
  readonly affinity?: CpuList;
  readonly pending?: CpuList;
  readonly previous?: { readonly span: Span; readonly cpu?: NumberLit; readonly vector?: NumberLit };
  readonly irte?: NumberLit;
  readonly message?: { readonly span: Span; readonly address?: NumberLit; readonly data?: NumberLit };
  /** Bare words: the IRQ's status (`requested`, `reserved`, …) and flags (`masked`, `no-balancing`). */
  readonly flags: readonly Ident[];
  /** Fields written more than once: the binder reports them. */
  readonly repeated: readonly Span[];
}

/** `backport msi-affinity-fix`: a stable backport the system's kernel carries (semantics.md §14). */
export interface BackportItem extends Node {
  readonly kind: 'backport';
  readonly keyword: Span;
  readonly names: readonly Ident[];
}

export interface HypervisorItem extends Node {
  readonly kind: 'hypervisor';
  readonly keyword: Span;
  readonly value?: Ident;
}

/** `assign vf0 as 00:04.0 [domain D]` or `assign idxd0 sub wq1 mode pasid [domain D]`. */
export interface AssignItem extends Node {
  readonly kind: 'assign';
  readonly keyword: Span;
  readonly device?: Ident;
  readonly address?: PciAddr;
  readonly sub?: Ident;
  readonly mode?: Ident;
  readonly domain?: Ident;
}

export interface ScenarioDecl extends Node {
  readonly kind: 'scenario';
  readonly keyword: Span;
  /** The scenario's name: a string (`"hot-unplug"`, text without quotes) or a bare name. */
  readonly name?: Ident;
  readonly system?: Ident;
  /** `after "boot"`: the scenario whose end state this one starts from. */
  readonly after?: Ident;
  readonly body?: Span;
  readonly steps: readonly Step[];
}

export type Step =
  | AllocStep
  | FreeStep
  | SelectionStep
  | FireStep
  | AffinityStep
  | HotplugStep
  | VfioStep
  | MmioStep
  | DmaStep
  | PasidStep
  | GuestStep
  | ExpectStep;

interface StepBase extends Node {
  readonly keyword: Span;
}

export interface AllocStep extends StepBase {
  readonly kind: 'alloc';
  readonly device?: Ident;
  readonly count?: NumberLit;
  readonly min?: NumberLit;
  readonly managed?: Span;
  readonly via?: Ident;
  /** struct irq_affinity: unmanaged vectors before and after the managed spread, and the affinity sets' sizes. */
  readonly pre?: NumberLit;
  readonly post?: NumberLit;
  readonly sets?: { readonly span: Span; readonly sizes: readonly NumberLit[] };
  /** Options written more than once (`min 1 min 2`): the binder reports them. */
  readonly repeated: readonly Span[];
  /** `alloc DEV[LIST]`: MSI-X entries allocated one by one (pci_msix_alloc_irq_at(), 6.2+), instead of a count. */
  readonly entries?: CpuList;
}

export interface FreeStep extends StepBase {
  readonly kind: 'free';
  readonly device?: Ident;
  /** `free DEV[LIST]`: those MSI-X entries only (pci_msix_free_irq()). */
  readonly entries?: CpuList;
}

/** Steps that act on a vector selection and nothing else. */
export interface SelectionStep extends StepBase {
  readonly kind: 'request' | 'release' | 'mask' | 'unmask';
  readonly selection?: Selection;
}

/** `fire SEL [N] [unhandled]`: the device raises N interrupts back to back, which the handler claims or not. */
export interface FireStep extends StepBase {
  readonly kind: 'fire';
  readonly selection?: Selection;
  readonly count?: NumberLit;
  /** A bare word after the count: `unhandled` (the handler returns IRQ_NONE). */
  readonly handling?: Ident;
}

export interface AffinityStep extends StepBase {
  readonly kind: 'affinity';
  readonly selection?: Selection;
  readonly cpus?: CpuList;
}

export interface HotplugStep extends StepBase {
  readonly kind: 'offline' | 'online';
  readonly cpus?: CpuList;
}

export interface VfioStep extends StepBase {
  readonly kind: 'vfio';
  readonly device?: Ident;
  readonly state?: Ident;
}

export interface MmioStep extends StepBase {
  readonly kind: 'mmio';
  readonly device?: Ident;
  readonly access?: 'read' | 'write';
  readonly bar?: NumberLit;
  readonly offset?: NumberLit;
}

/** `dma nic0 -> gpu0` (peer to peer) or `dma nic0 -> memory`. */
export interface DmaStep extends StepBase {
  readonly kind: 'dma';
  readonly device?: Ident;
  readonly target?: Ident;
}

export interface PasidStep extends StepBase {
  readonly kind: 'pasid';
  readonly op?: 'alloc' | 'free' | 'quota';
  readonly set?: Ident;
  readonly count?: NumberLit;
}

export interface GuestStep extends StepBase {
  readonly kind: 'guest';
  readonly guest?: Ident;
  readonly body?: Span;
  readonly steps: readonly Step[];
}

export interface ExpectStep extends StepBase {
  readonly kind: 'expect';
  readonly assertion?: Assertion;
}

export type Assertion =
  | { readonly kind: 'cpu' | 'affinity'; readonly span: Span; readonly selection: Selection; readonly cpus?: CpuList }
  | { readonly kind: 'vector'; readonly span: Span; readonly selection: Selection; readonly vector?: NumberLit }
  | {
      readonly kind: 'message';
      readonly span: Span;
      readonly selection: Selection;
      readonly address?: NumberLit;
      readonly data?: NumberLit;
    }
  | { readonly kind: 'lost' | 'delivered'; readonly span: Span; readonly selection: Selection }
  | { readonly kind: 'irte'; readonly span: Span; readonly selection: Selection; readonly index?: NumberLit }
  | { readonly kind: 'cpu-available'; readonly span: Span; readonly cpu?: NumberLit; readonly count?: NumberLit }
  | { readonly kind: 'vfio'; readonly span: Span; readonly device?: Ident; readonly state?: Ident }
  | { readonly kind: 'pasid-used'; readonly span: Span; readonly set?: Ident; readonly count?: NumberLit }
  | { readonly kind: 'fail'; readonly span: Span; readonly errno?: Ident; readonly step?: Step };

/** A syntax error, in the user's terms, at the span it concerns. */
export interface SyntaxError {
  readonly message: string;
  readonly span: Span;
  /** 'lex' for characters no token matches, 'parse' for tokens in the wrong place. */
  readonly phase: 'lex' | 'parse';
}

export interface ParseResult {
  readonly ast: SourceFile;
  readonly errors: readonly SyntaxError[];
  /** Comment spans, for folding and semantic tokens. */
  readonly comments: readonly Span[];
}
