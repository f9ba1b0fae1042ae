// The enumerated words of the language, in one place: the binder checks
// against them, completion offers them, hover explains them.
import type { DomainKind, KernelVersion } from './types.js';

export const archs = ['x86_64', 'arm64', 'riscv64'] as const;
export const apicModes = ['xapic', 'x2apic'] as const;
export const destModes = ['physical', 'logical'] as const;

/**
 * The destination mode the kernel's APIC driver probe picks when the system
 * does not say (default_setup_apic_routing() walks the drivers in link
 * order, arch/x86/kernel/apic/Makefile): in x2APIC mode x2apic_phys only
 * with the x2apic_phys parameter or the FADT's physical flag, or without
 * interrupt remapping (try_to_enable_x2apic() sets x2apic_phys), else
 * x2apic_cluster, logical; in xAPIC mode physflat_probe() takes more than 8
 * possible CPUs, else flat, logical, until 6.12 removed 64-bit flat mode
 * (838ba7733e4e).
 */
export function defaultDestMode(apic: 'xapic' | 'x2apic', cpus: number, kernel: KernelVersion, remapped: boolean): 'physical' | 'logical' {
  if (apic === 'x2apic') return remapped ? 'logical' : 'physical';
  return cpus <= 8 && !flatModeRemoved(kernel) ? 'logical' : 'physical';
}

/**
 * The highest APIC ID the kernel accepts, when it limits them:
 * try_to_enable_x2apic() without remapping in x2APIC mode calls
 * x2apic_set_max_apicid(255), or 32767 when the hypervisor offers the
 * extended destination ID (virt_ext_dest_id); apic_id_valid() then rejects
 * the CPUs above, which never become possible.
 */
export function apicIdLimit(apic: 'xapic' | 'x2apic', remapped: boolean, extDestId: boolean): number | undefined {
  if (apic !== 'x2apic' || remapped) return undefined;
  return extDestId ? 32767 : 255;
}

/**
 * 838ba7733e4e "x86/apic: Remove logical destination mode for 64-bit": in
 * 6.12, and in the stable releases 6.10.14 and 6.11.3 that took it.
 */
export function flatModeRemoved(k: KernelVersion): boolean {
  if (k.major > 6 || (k.major === 6 && k.minor >= 12)) return true;
  const from = k.major !== 6 ? undefined : k.minor === 10 ? 14 : k.minor === 11 ? 3 : undefined;
  return from !== undefined && k.patch !== undefined && k.patch >= from;
}
export const hypervisorModes = ['visible', 'hidden'] as const;
export const yesNo = ['yes', 'no'] as const;
export const imsStorages = ['device', 'guest-memory'] as const;
export const subModes = ['pasid', 'emulated'] as const;
/** `alloc … via KIND`; `ioapic` is the PCI INTx line (PCI_IRQ_INTX). */
export const allocKinds = ['msi', 'msix', 'ims', 'ioapic'] as const;
export const pageSizes = [4096, 16384, 65536] as const;
/** VFIO migration flags as `migration` lists them; STOP_COPY is implied by migration support. */
export const migrationFlags = ['stop-copy', 'p2p', 'pre-copy'] as const;
/** enum vfio_device_mig_state, in the uAPI's names lower-cased (include/uapi/linux/vfio.h). */
export const vfioStates = [
  'error',
  'stop',
  'running',
  'stop-copy',
  'resuming',
  'running-p2p',
  'pre-copy',
  'pre-copy-p2p',
] as const;
export const kernelNames = ['6.1', '6.6', '6.10', 'mainline'] as const;
/** How an IRQ of a declared state got its vector (types.ts IrqStatus). */
export const irqStatuses = ['reserved', 'allocated', 'requested', 'shutdown'] as const;
/** The other bare words of a state `irq` line. */
export const irqStateFlags = ['masked', 'no-balancing'] as const;
/** `ioapic pin P edge|level`. */
export const triggers = ['edge', 'level'] as const;
/**
 * A table's own entry for a word the user wrote, never an inherited one: a
 * property named `constructor` or `toString` is unknown, not Object's.
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Drivers whose interrupt behaviour beyond the core irqd simulates (simulation.md, "Drivers"). */
export const modelledDrivers: Readonly<Record<string, string>> = {
  'virtio-net': 'virtnet_set_affinity(): after every CPU online and dead event, the queue IRQs get the online CPUs spread over the queue pairs (irq_set_affinity_and_hint())',
  virtio_net: 'virtnet_set_affinity(): after every CPU online and dead event, the queue IRQs get the online CPUs spread over the queue pairs (irq_set_affinity_and_hint())',
};

/**
 * Stable backports semantics.md §14 cannot confirm for a given kernel tree,
 * by the name `backport` takes and the mainline commit.
 */
export const backports = {
  'matrix-allocated-fix': 'a0b0bad10587 genirq/matrix: Exclude managed interrupts in irq_matrix_allocated() (6.7)',
  'migrate-retry-fix': '88d724e2301a genirq/cpuhotplug: Retry with cpu_online_mask when migration fails (6.10)',
  'msi-affinity-fix': 'b56ebe7c896d x86/apic/msi: Fix misconfigured non-maskable MSI quirk (6.7)',
  'vector-leak-fix': 'a6c11c0a5235 genirq/cpuhotplug, x86/vector: Prevent vector leak during CPU offline (6.10; CVE-2024-31076, stable 6.1.94, 6.6.34, 6.9.5)',
} as const;
export type BackportName = keyof typeof backports;
export const backportNames = Object.keys(backports) as BackportName[];

export const domainKinds: readonly DomainKind[] = [
  'vector',
  'intel-ir',
  'amd-ir',
  'pci-msi',
  'ims',
  'ioapic',
  'hcall',
  'gic',
  'its',
  'imsic',
  'aplic',
  'dmar-msi',
  'hpet-msi',
];

export interface DomainKindInfo {
  /** What the kind models, for hover and completion. */
  readonly summary: string;
  /** Kinds this one may stack on; empty for a root. */
  readonly parents: readonly DomainKind[];
  /** Architectures that have it. */
  readonly archs: readonly (typeof archs)[number][];
  /** Properties allowed in braces, with their inclusive range and the reason. */
  readonly props: Readonly<Record<string, { min: number; max: number; why: string; powerOfTwo?: boolean; oneOf?: readonly number[] }>>;
}

/** language.md's table of domain kinds, parents and platforms. */
export const domainKindInfo: Readonly<Record<DomainKind, DomainKindInfo>> = {
  vector: {
    summary: 'x86 CPU vector domain: the per-CPU vector matrix (arch/x86/kernel/apic/vector.c)',
    parents: [],
    archs: ['x86_64'],
    props: {},
  },
  'intel-ir': {
    summary: 'Intel VT-d interrupt remapping: an IRTE table (drivers/iommu/intel/irq_remapping.c)',
    parents: ['vector'],
    archs: ['x86_64'],
    props: {
      irtes: {
        min: 1,
        max: 65536,
        powerOfTwo: true,
        why: 'the VT-d IRTE table has at most INTR_REMAP_TABLE_ENTRIES = 65536 entries, a power of two (IRTA.S)',
      },
    },
  },
  'amd-ir': {
    summary: 'AMD-Vi interrupt remapping: a per-device IRTE table (drivers/iommu/amd/iommu.c)',
    parents: ['vector'],
    archs: ['x86_64'],
    props: {
      entries: {
        min: 256,
        max: 2048,
        oneOf: [256, 512, 2048],
        why: 'an AMD-Vi device table has MAX_IRQS_PER_TABLE entries: 256 (6.1), 512 or 2048 with FEATURE_NUM_INT_REMAP_SUP_2K',
      },
      'irte-bits': {
        min: 32,
        max: 128,
        oneOf: [32, 128],
        why: 'an AMD-Vi IRTE is 128 bits (the GA format, the default on IOMMUs with GASup) or 32 bits (legacy: no GASup, or amd_iommu_intr=legacy)',
      },
    },
  },
  'pci-msi': {
    summary: 'PCI/PCIe MSI and MSI-X (kernel/irq/msi.c, drivers/pci/msi/)',
    parents: ['vector', 'intel-ir', 'amd-ir', 'hcall', 'its', 'imsic'],
    archs: ['x86_64', 'arm64', 'riscv64'],
    props: {},
  },
  ims: {
    summary: 'Interrupt Message Store: device-specific message storage (per-device MSI domain, 6.2-6.9)',
    parents: ['intel-ir', 'amd-ir', 'hcall', 'its', 'imsic'],
    archs: ['x86_64', 'arm64', 'riscv64'],
    props: {},
  },
  ioapic: {
    summary: 'IO-APIC pins: INTx and legacy interrupts (arch/x86/kernel/apic/io_apic.c)',
    parents: ['vector', 'intel-ir', 'amd-ir'],
    archs: ['x86_64'],
    props: {
      pins: { min: 1, max: 240, why: 'an IO-APIC has at most 240 redirection entries (the version register has 8 bits)' },
      'source-id': {
        min: 0,
        max: 0xffff,
        why: "the IO-APIC's requester ID (bus << 8 | devfn) from the DMAR/IVRS device scope, checked against its remapped interrupts (set_ioapic_sid())",
      },
    },
  },
  hcall: {
    summary: "a guest's hypercall domain: the hypervisor allocates and composes the message",
    parents: ['vector'],
    archs: ['x86_64'],
    props: {},
  },
  gic: {
    summary: 'arm64 GICv3 (drivers/irqchip/irq-gic-v3.c)',
    parents: [],
    archs: ['arm64'],
    props: {},
  },
  its: {
    summary: 'arm64 GICv3 ITS: LPIs from MSI writes to GITS_TRANSLATER (drivers/irqchip/irq-gic-v3-its.c)',
    parents: ['gic'],
    archs: ['arm64'],
    props: {
      base: { min: 0, max: 2 ** 48 - 1, why: 'the ITS base is a physical address' },
    },
  },
  imsic: {
    summary: 'RISC-V AIA IMSIC: per-hart interrupt files (drivers/irqchip/irq-riscv-imsic-*.c, 6.10+)',
    parents: [],
    archs: ['riscv64'],
    props: {
      base: { min: 0, max: 2 ** 56 - 1, why: 'the IMSIC base is a physical address' },
      'guest-bits': { min: 0, max: 6, why: 'IMSIC guest_index_bits is at most 6 (64 guest interrupt files)' },
    },
  },
  aplic: {
    summary: 'RISC-V AIA APLIC: wired interrupts forwarded as MSIs to the IMSIC',
    parents: ['imsic'],
    archs: ['riscv64'],
    props: {},
  },
  'dmar-msi': {
    summary: "the VT-d units' own fault and page-request interrupts, MSIs outside remapping (dmar_get_irq_domain(), drivers/iommu/intel/dmar.c)",
    parents: ['vector'],
    archs: ['x86_64'],
    props: {},
  },
  'hpet-msi': {
    summary: 'HPET channels used as MSI sources (hpet_create_irq_domain(), arch/x86/kernel/hpet.c); under remapping when the DMAR table scopes the HPET',
    parents: ['vector', 'intel-ir', 'amd-ir'],
    archs: ['x86_64'],
    props: {},
  },
};

/**
 * A domain property as the simulator may use it: the declared value when it
 * is one the kernel allows (the rule's range, power of two, allowed values),
 * else undefined, so that the caller takes the kernel's default. The checker
 * reports a value outside the rule (IRQD025); a value it reported must not
 * size a table either (`irtes 0xffffffffffffffffff`).
 */
export function domainProp(domain: { readonly domainKind?: DomainKind | undefined; readonly props: ReadonlyMap<string, number> }, key: string): number | undefined {
  const value = domain.props.get(key);
  if (value === undefined || domain.domainKind === undefined) return undefined;
  const rule = ownEntry(domainKindInfo[domain.domainKind].props, key);
  if (!rule || !(value >= rule.min && value <= rule.max)) return undefined;
  if (rule.powerOfTwo && !Number.isInteger(Math.log2(value))) return undefined;
  if (rule.oneOf && !rule.oneOf.includes(value)) return undefined;
  return value;
}

/** "a" or "an", for "a pci-msi domain" and "an ims domain". */
export function article(word: string): string {
  // 'hcall' is said aitch-call.
  return /^([aeiouAEIOU]|hc)/.test(word) ? 'an' : 'a';
}

/** "a, b or c" for messages. */
export function listOf(values: readonly (string | number)[]): string {
  const words = values.map(String);
  if (words.length <= 1) return words.join('');
  return words.slice(0, -1).join(', ') + ' or ' + words[words.length - 1];
}

/** The largest distance "did you mean" suggests across. */
const MAX_SUGGESTION_DISTANCE = 2;

/**
 * How many cells of edit-distance tables one suggestion may fill. A band of
 * five cells per character makes a pair of names cost their length, so this
 * is 200,000 characters of candidates: every name of a real file many times
 * over, and a bound on names of 10,000 characters (a fuzzer find: seconds
 * per unknown reference with the full table).
 */
const SUGGESTION_BUDGET = 1_000_000;

/** The closest word of a list, for "did you mean …?" (edit distance ≤ 2); the first one wins a tie. */
export function closest(word: string, values: readonly string[]): string | undefined {
  const a = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = MAX_SUGGESTION_DISTANCE + 1;
  let budget = SUGGESTION_BUDGET;
  for (const v of values) {
    if (Math.abs(a.length - v.length) > MAX_SUGGESTION_DISTANCE) continue;
    budget -= (2 * MAX_SUGGESTION_DISTANCE + 1) * Math.min(a.length, v.length) + 1;
    if (budget < 0) break;
    const d = boundedDistance(a, v.toLowerCase(), bestDistance - 1);
    if (d < bestDistance) {
      best = v;
      bestDistance = d;
      if (d === 0) break;
    }
  }
  return best;
}

/**
 * The Levenshtein distance of a and b if it is at most `max`, else max + 1:
 * only the diagonal band |i − j| ≤ max of the table can hold such a path
 * (Ukkonen), and a row whose band is all over `max` ends the search.
 */
function boundedDistance(a: string, b: string, max: number): number {
  if (max < 0) return max + 1;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const over = max + 1;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j <= max ? j : over;
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - max);
    const to = Math.min(b.length, i + max);
    cur[from - 1] = from - 1 === 0 ? (i <= max ? i : over) : over;
    let rowMin = cur[from - 1] as number;
    for (let j = from; j <= to; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const d = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost, over);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (to < b.length) cur[to + 1] = over;
    if (rowMin > max) return over;
    [prev, cur] = [cur, prev];
  }
  return Math.min(prev[b.length] as number, over);
}

/** NR_CPUS of a CONFIG_MAXSMP x86_64 kernel: the most CPUs a system or guest may declare. */
export const MAX_CPUS = 8192;

/** Whether a declared CPU count is one the checks can use (it is in 1..MAX_CPUS; otherwise IRQD025 says so, and nothing is checked against it). */
export function usableCpuCount(cpus: number | undefined): cpus is number {
  return cpus !== undefined && Number.isSafeInteger(cpus) && cpus >= 1 && cpus <= MAX_CPUS;
}

/**
 * A number for a message: past 2^53 a double is not always the number that
 * was written, and String() shows 1e+23, so say it as written when the text
 * is known, else in all its digits (exact for the double the text became).
 */
export function shownNumber(value: number, text?: string): string {
  if (Number.isSafeInteger(value)) return String(value);
  if (text !== undefined) return text;
  if (Number.isInteger(value)) return BigInt(value).toString();
  return 'a number too large to hold';
}

/**
 * topology_sibling_cpumask(cpu) with `smt` threads per core, as x86 servers
 * number their CPUs (the MADT lists every core's first thread, then every
 * core's second, ...): CPU c's siblings are c mod (cpus / smt) + k · cpus / smt.
 */
export function siblingsOf(cpu: number, cpus: number, smt: number): number[] {
  if (smt <= 1) return [cpu];
  const stride = cpus / smt;
  const first = cpu % stride;
  return Array.from({ length: smt }, (_, k) => first + k * stride);
}

/** A CPU list as the kernel prints one (%*pbl, smp_affinity_list): "0-3,8". */
export function cpuListText(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === (cpus[j] as number) + 1) j++;
    parts.push(i === j ? String(cpus[i]) : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
