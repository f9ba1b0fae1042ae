// A machine snapshot as read from a live host's files (or a copy of them laid
// out like the host, which is what `irqd snapshot` writes): every file the
// import and the comparison use, parsed into plain records. Nothing here is
// inferred; each record says which file and line it came from, so that the
// import can comment every line it writes and the comparison can say where
// a fact was read.
//
// Paths are relative to the snapshot's root, with '/' separators and no
// leading slash: 'proc/interrupts', 'sys/kernel/debug/irq/irqs/35'.

/** Where a record was read: a snapshot path and, for line-based files, the 1-based line. */
export interface Origin {
  readonly file: string;
  readonly line?: number;
}

/** Something in the snapshot that could not be read as the kernel prints it. */
export interface SnapshotProblem extends Origin {
  readonly message: string;
  /** 'error': the file is garbage or truncated where it matters; 'warning': a line was skipped. */
  readonly severity: 'error' | 'warning';
}

/** The CPU masks of sys/devices/system/cpu (each undefined when its file is missing). */
export interface CpuMasks {
  readonly possible?: readonly number[];
  readonly present?: readonly number[];
  readonly online?: readonly number[];
  readonly origin: Origin;
}

/** A NUMA node: sys/devices/system/node/nodeN/cpulist. */
export interface NumaNodeRecord {
  readonly id: number;
  readonly cpus: readonly number[];
  readonly origin: Origin;
}

/** One numbered row of /proc/interrupts (show_interrupts(), kernel/irq/proc.c). */
export interface InterruptsRow {
  readonly irq: number;
  /** Interrupt counts per CPU, for the CPUs of the header (online CPUs at read time). */
  readonly counts: ReadonlyMap<number, number>;
  /** The chip column: 'IR-PCI-MSI', 'IO-APIC', 'DMAR-MSI', 'PCI-MSIX-0000:01:00.0', 'XT-PIC'. */
  readonly chip: string;
  /** The hwirq column before '-' ('2', '524288'), absent for chips without a domain. */
  readonly hwirq?: number;
  /** The flow name after '-': 'edge', 'fasteoi', 'level'. */
  readonly flow?: string;
  /** The action names, split at ', ' (request_irq() names: 'nvme0q0', 'eth1-rx-0'). */
  readonly actions: readonly string[];
  readonly origin: Origin;
}

export interface ProcInterrupts {
  /** The CPU numbers of the header, in column order. */
  readonly cpus: readonly number[];
  readonly rows: ReadonlyMap<number, InterruptsRow>;
  readonly origin: Origin;
}

/** /proc/irq/N/: smp_affinity_list, effective_affinity_list, node, affinity_hint (each undefined when missing). */
export interface ProcIrqRecord {
  readonly irq: number;
  readonly affinity?: readonly number[];
  readonly effective?: readonly number[];
  readonly node?: number;
  /** affinity_hint is a hex bitmap; an all-zero hint is an empty list. */
  readonly hint?: readonly number[];
  /** The directory, 'proc/irq/N'. */
  readonly origin: Origin;
}

/**
 * One level of an IRQ's hierarchy in its debugfs file (irq_debug_show_data()),
 * top level first. The VECTOR level adds x86_vector_debug_show()'s fields.
 */
export interface DebugIrqLevel {
  readonly domain: string;
  readonly hwirq: number;
  readonly chip?: string;
  readonly vector?: number;
  readonly target?: number;
  readonly prevVector?: number;
  readonly prevTarget?: number;
  readonly moveInProgress?: boolean;
  readonly isManaged?: boolean;
  readonly canReserve?: boolean;
  readonly hasReserved?: boolean;
  readonly cleanupPending?: boolean;
  readonly origin: Origin;
}

/** sys/kernel/debug/irq/irqs/N (irq_debug_show(), kernel/irq/debugfs.c). */
export interface DebugIrq {
  readonly irq: number;
  /** 'handle_edge_irq', 'handle_fasteoi_irq', 'handle_level_irq', … */
  readonly handler?: string;
  /** desc->dev_name: a PCI address '0000:01:00.0', or undefined for '(null)'. */
  readonly device?: string;
  /** The dstate flag names printed under 'dstate:' ('IRQD_ACTIVATED', 'IRQD_AFFINITY_MANAGED', …). */
  readonly dstate: ReadonlySet<string>;
  readonly node?: number;
  readonly affinity: readonly number[];
  readonly effective: readonly number[];
  readonly pending: readonly number[];
  /** Top level (the device's domain) first, VECTOR last; empty for a chip without a domain (XT-PIC). */
  readonly levels: readonly DebugIrqLevel[];
  readonly origin: Origin;
}

/** One CPU row of irq_matrix_debug_show() (kernel/irq/matrix.c). */
export interface MatrixCpuRow {
  readonly cpu: number;
  readonly available: number;
  readonly managed: number;
  readonly managedAllocated: number;
  readonly allocated: number;
  readonly vectors: readonly number[];
  readonly origin: Origin;
}

/** The vector matrix as the VECTOR domain's debugfs file prints it. */
export interface VectorMatrixRecord {
  readonly onlineBitmaps: number;
  readonly globalAvailable: number;
  readonly globalReserved: number;
  readonly totalAllocated: number;
  /** 'System: 38: 0-19,32,…': the system vectors. */
  readonly systemVectors: readonly number[];
  /** Online CPUs only, as the kernel prints them. */
  readonly cpus: readonly MatrixCpuRow[];
  readonly origin: Origin;
}

/** sys/kernel/debug/irq/domains/NAME (irq_domain_debug_show()). */
export interface DebugDomain {
  /** The file name (kept as the kernel spells it: '\_SB.PCI0.SFB', 'default'). */
  readonly file: string;
  /** The 'name:' line. */
  readonly name: string;
  readonly size?: number;
  readonly mapped?: number;
  readonly flags?: number;
  /** The parent chain, nearest first: ['INTEL-IR-0', 'VECTOR']. */
  readonly parents: readonly string[];
  /** The matrix, when the file shows the VECTOR domain's. */
  readonly matrix?: VectorMatrixRecord;
  readonly origin: Origin;
}

/** One row of sys/kernel/debug/iommu/intel/ir_translation_struct (ir_translation_struct_show()). */
export interface IrteRecord {
  readonly index: number;
  /** Source ID as bus << 8 | devfn ('ff:00.0' → 0xff00). */
  readonly sid: number;
  readonly destId: number;
  readonly vector: number;
  /** The raw 64-bit words. */
  readonly high: bigint;
  readonly low: bigint;
  /** The row came from the 'Posted Interrupt' section. */
  readonly posted: boolean;
  readonly origin: Origin;
}

export interface IrteTableRecord {
  /** 'dmar0' */
  readonly iommu: string;
  readonly tableAddress?: bigint;
  readonly entries: ReadonlyMap<number, IrteRecord>;
  readonly origin: Origin;
}

/** What `lspci -vvv -nn` says about one function. */
export interface LspciFunction {
  /** 'Ethernet controller [0200]: Red Hat, Inc. Virtio network device [1af4:1000]' as printed after the address. */
  readonly description: string;
  readonly classCode?: number;
  readonly vendor?: number;
  readonly deviceId?: number;
  readonly driver?: string;
  /** 'Interrupt: pin A routed to IRQ 22'. */
  readonly intxPin?: string;
  readonly intxIrq?: number;
  readonly msi?: {
    readonly enabled: boolean;
    /** Count=1/4: vectors enabled / vectors the capability supports. */
    readonly count: number;
    readonly maxCount: number;
    readonly maskable: boolean;
    readonly is64: boolean;
    readonly address?: bigint;
    readonly data?: number;
    readonly origin: Origin;
  };
  readonly msix?: {
    readonly enabled: boolean;
    readonly count: number;
    readonly masked: boolean;
    readonly tableBar?: number;
    readonly tableOffset?: number;
    readonly pbaBar?: number;
    readonly pbaOffset?: number;
    readonly origin: Origin;
  };
  /** 'Region 1: Memory at feb59000 (32-bit, non-prefetchable) [size=4K]'. */
  readonly regions: readonly { readonly bar: number; readonly io: boolean; readonly address: bigint; readonly size?: number }[];
  readonly origin: Origin;
}

/** A PCI function, from sys/bus/pci/devices/SSSS:BB:DD.F/ and lspci. */
export interface PciFunctionRecord {
  /** 'SSSS:BB:DD.F' as sysfs names it. */
  readonly address: string;
  readonly segment: number;
  readonly bus: number;
  readonly device: number;
  readonly fn: number;
  /** msi_irqs/N: the IRQ numbers and their mode. */
  readonly msiIrqs: ReadonlyMap<number, 'msi' | 'msix'>;
  readonly numaNode?: number;
  /** The 'irq' file: pdev->irq (the INTx GSI's IRQ when MSI is off). */
  readonly irq?: number;
  /** The 'driver' symlink's target name. */
  readonly driver?: string;
  readonly lspci?: LspciFunction;
  readonly origin: Origin;
}

/** msix-tables.txt, written by `irqd snapshot` (and by the lab's /init): the MSI-X table read from the BAR. */
export interface MsixTableRecord {
  readonly address: string;
  readonly base?: bigint;
  readonly offset?: number;
  readonly count?: number;
  readonly entries: ReadonlyMap<number, { readonly addressLo: number; readonly addressHi: number; readonly data: number; readonly ctrl: number; readonly origin: Origin }>;
  readonly origin: Origin;
}

/** What the kernel log says about the interrupt setup (only lines that fix it). */
export interface DmesgFacts {
  /** 'DMAR-IR: Enabled IRQ remapping in xapic mode' / 'x2apic mode'; AMD-Vi's 'Interrupt remapping enabled'. */
  readonly remapping?: { readonly iommu: 'intel' | 'amd'; readonly mode?: 'xapic' | 'x2apic'; readonly origin: Origin };
  /** 'x2apic enabled' */
  readonly x2apic?: Origin;
  /** 'Switched APIC routing to cluster x2apic.', '... physical flat.' and the like: the driver named. */
  readonly apicRouting?: { readonly name: string; readonly origin: Origin };
  /** 'IOAPIC[0]: apic_id 0, version 32, address 0xfec00000, GSI 0-23' */
  readonly ioapics: readonly { readonly index: number; readonly apicId: number; readonly address: bigint; readonly gsiBase: number; readonly gsiEnd: number; readonly origin: Origin }[];
  /** 'ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 dfl dfl)': ISA IRQ → GSI overrides. */
  readonly overrides: readonly { readonly isaIrq: number; readonly gsi: number; readonly trigger?: 'edge' | 'level'; readonly polarity?: 'high' | 'low'; readonly origin: Origin }[];
  /** 'smpboot: Allowing 4 CPUs, 0 hotplug CPUs' */
  readonly allowedCpus?: { readonly cpus: number; readonly hotplug: number; readonly origin: Origin };
}

/** One snapshot, read. Every part is optional: a host without root or debugfs gives less. */
export interface HostSnapshot {
  /** The directory or archive it was read from. */
  readonly source: string;
  /** Every file the snapshot holds (relative paths). */
  readonly files: ReadonlySet<string>;
  readonly problems: readonly SnapshotProblem[];
  /** proc/sys/kernel/osrelease ('6.1.192'), else the version in proc/version. */
  readonly osrelease?: { readonly value: string; readonly origin: Origin };
  readonly cmdline?: { readonly value: string; readonly origin: Origin };
  readonly cpus: CpuMasks;
  readonly nodes: readonly NumaNodeRecord[];
  readonly interrupts?: ProcInterrupts;
  readonly procIrqs: ReadonlyMap<number, ProcIrqRecord>;
  /** proc/irq/default_smp_affinity (a hex bitmap). */
  readonly defaultAffinity?: { readonly cpus: readonly number[]; readonly origin: Origin };
  readonly debugIrqs: ReadonlyMap<number, DebugIrq>;
  /** By file name. */
  readonly debugDomains: ReadonlyMap<string, DebugDomain>;
  /** The VECTOR matrix: from domains/VECTOR, else from any domain file that prints it. */
  readonly vectorMatrix?: VectorMatrixRecord;
  readonly irteTables: readonly IrteTableRecord[];
  /** By 'SSSS:BB:DD.F'. */
  readonly pci: ReadonlyMap<string, PciFunctionRecord>;
  /** By 'SSSS:BB:DD.F'. */
  readonly msixTables: ReadonlyMap<string, MsixTableRecord>;
  readonly dmesg?: DmesgFacts;
  /** What `irqd snapshot` recorded about itself (irqd-snapshot-meta.json), when it wrote the snapshot. */
  readonly meta?: { readonly unreadable: readonly { readonly path: string; readonly reason: string }[]; readonly origin: Origin };
}
