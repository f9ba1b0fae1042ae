// What differs between kernel versions (semantics.md §15), decided once per
// system from its declared `kernel`. Every switch names the commit or release
// that introduced it.
import { kernelAtLeast } from '../model/binder.js';
import type { KernelVersion, SystemSym } from '../model/types.js';

export interface KernelFeatures {
  readonly version: KernelVersion;
  /** IRQ_MOVE_CLEANUP_VECTOR (0x20) is a system vector up to 6.5; 6.6 made cleanup a timer. */
  readonly moveCleanupVector: boolean;
  /** CONFIG_X86_POSTED_MSI (6.10+): POSTED_MSI_NOTIFICATION_VECTOR 0xeb becomes FIRST_SYSTEM_VECTOR. */
  readonly postedMsi: boolean;
  /** FIRST_SYSTEM_VECTOR: the matrix alloc_end (exclusive). */
  readonly firstSystemVector: number;
  /** 6.1: X86_IRQ_ALLOC_CONTIGUOUS_VECTORS makes the vector domain return -ENOSYS; 6.2+ rejects multi-MSI early (d2a463b29741). */
  readonly multiMsiRejectedEarly: boolean;
  /** irq_matrix_allocated() excludes managed vectors (a0b0bad10587, 6.7; stable 6.6.y). */
  readonly allocatedExcludesManaged: boolean;
  /** migrate_one_irq() retries with cpu_online_mask on -ENOSPC (88d724e2301a, 6.10; stable 6.6.y). */
  readonly migrateRetriesOnlineMask: boolean;
  /** msi_set_affinity() tests !irqd_can_reserve() (b56ebe7c896d, 6.7; 6.6.y); 6.1.0 always updates directly. */
  readonly msiSetAffinityCanReserve: boolean;
  /** Per-device MSI domains (6.2+): chip "IR-PCI-MSIX-<bdf>", hwirq = index. */
  readonly perDeviceMsiDomains: boolean;
  /** The 6.11 alloc_name() rework appends "-<bus token>" to per-device domain names. */
  readonly domainNameBusToken: boolean;
  /** VFIO_DEVICE_STATE_PRE_COPY and PRE_COPY_P2P (6.2+). */
  readonly vfioPreCopy: boolean;
  /**
   * a6c11c0a5235 (6.10, CVE-2024-31076; stable 6.1.94, 6.6.34, 6.9.5):
   * migrate_one_irq() completes a move whose previous vector is on the
   * outgoing CPU, and a cleanup scheduled for an offline CPU frees the
   * vector; before, both left it allocated (a vector leak).
   */
  readonly offlineReclaimsMovedVector: boolean;
}

export function kernelFeatures(system: Pick<SystemSym, 'kernel' | 'backports'>): KernelFeatures {
  const version = system.kernel;
  const at = (major: number, minor: number): boolean => kernelAtLeast(version, major, minor);
  const has = (name: string): boolean => system.backports.has(name);
  // A fix that reached a stable tree: this series at or after that release.
  const stable = (series: Record<string, number>): boolean => {
    const at = series[`${version.major}.${version.minor}`];
    return at !== undefined && version.patch !== undefined && version.patch >= at;
  };
  const postedMsi = at(6, 10);
  return {
    version,
    moveCleanupVector: !at(6, 6),
    postedMsi,
    firstSystemVector: postedMsi ? 0xeb : 0xec,
    multiMsiRejectedEarly: at(6, 2),
    // Released behaviour by version; a stable backport (uncertain for 6.1.y,
    // semantics.md §14) is only assumed when the system says `backport NAME`.
    allocatedExcludesManaged: at(6, 7) || has('matrix-allocated-fix'),
    // 88d724e2301a reached 6.6.47 ("[PATCH 6.6 20/67]", the 6.6-stable review of 15 August 2024).
    migrateRetriesOnlineMask: at(6, 10) || stable({ '6.6': 47 }) || has('migrate-retry-fix'),
    // b56ebe7c896d reached 6.1.66 and 6.5.13 (the stable queues: "Linux 6.1.66-rc1", "[PATCH 6.5 240/491]").
    msiSetAffinityCanReserve: at(6, 7) || stable({ '6.1': 66, '6.5': 13 }) || has('msi-affinity-fix'),
    perDeviceMsiDomains: at(6, 2),
    domainNameBusToken: at(6, 11),
    vfioPreCopy: at(6, 2),
    offlineReclaimsMovedVector: at(6, 10) || stable({ '6.1': 94, '6.6': 34, '6.9': 5 }) || has('vector-leak-fix'),
  };
}

/** arch/x86/include/asm/irq_vectors.h */
export const NR_VECTORS = 256;
export const FIRST_EXTERNAL_VECTOR = 0x20;
export const IA32_SYSCALL_VECTOR = 0x80;
export const ISA_IRQ_VECTOR_BASE = 0x30;
export const PIC_CASCADE_VECTOR = 0x32;
export const MANAGED_IRQ_SHUTDOWN_VECTOR = 0xef;

/** The system vectors inside the allocation window, by version (semantics.md §1.3). */
export function systemVectorsInWindow(k: KernelFeatures): number[] {
  return [...(k.moveCleanupVector ? [FIRST_EXTERNAL_VECTOR] : []), PIC_CASCADE_VECTOR, IA32_SYSCALL_VECTOR];
}

export function hex(n: number, width = 0): string {
  return '0x' + (n >>> 0).toString(16).toUpperCase().padStart(width, '0');
}

export function vec(n: number): string {
  return '0x' + n.toString(16);
}

/** "1 IRQ", "3 IRQs": a count with its noun, for messages a user reads. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
