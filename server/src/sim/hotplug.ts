// CPU hot-unplug and hot-plug on x86 (semantics.md §3.8): the refusal check,
// per-IRQ migration, managed shutdown and restart.
import { driversCpuDead, driversCpuOnline } from './drivers.js';
import { counted } from './kernel.js';
import type { Errno } from './matrix.js';
import { fireIrq } from './deliver.js';
import { activateHierarchy, deactivateHierarchy, kernelMask, kernelUnmask } from './msi.js';
import { doSetAffinity, irqStartupAffinity } from './set-affinity.js';
import { anyOnline, inMask, isOnline, onlineCount, onlineCpus, platformOf, setCpuOnline, writableIrq, type Irq, type SimState } from './state.js';
import { freeMovedVector, type Log } from './vector.js';

// The texts of the per-IRQ events, made when a trace is read (Log.lazy()).
const droppedText = (virq: number, mask: readonly number[]): string => `IRQ ${virq}: no CPU of the pending move to ${mask.join(',')} is online, the move is dropped`;
const shutdownText = (virq: number): string => `IRQ ${virq} (managed): no online CPU left in its mask, shut down`;
const brokenText = (virq: number, dying: number): string => `IRQ ${virq}: no longer affine to CPU${dying}, affinity broken to the online CPUs`;
const restartedText = (virq: number, cpu: number): string => `IRQ ${virq} (managed) restarted on CPU ${cpu}`;

/** errno numbers as the kernel prints them. */
const ERRNO: Record<Errno, number> = { EINVAL: 22, ENOSPC: 28, EBUSY: 16, EIO: 5, ENOSYS: 38, ENXIO: 6, ERANGE: 34, ENOTTY: 25 };

export interface UnplugRefusal {
  readonly err: Errno;
  readonly message: string;
}

// lapic_can_unplug_cpu(): arch/x86/kernel/apic/vector.c; a global check that ignores affinities.
export function lapicCanUnplugCpu(s: SimState, cpu: number, log: Log): UnplugRefusal | undefined {
  const tomove = s.matrix.allocatedOn(cpu, s.k.allocatedExcludesManaged);
  const avl = s.matrix.availableFor(cpu);
  if (avl < tomove) {
    const message = `CPU ${cpu} has ${tomove} vectors, ${avl} available. Cannot disable CPU`;
    log.warn('lapic_can_unplug_cpu', message);
    return { err: 'ENOSPC', message };
  }
  const rsvd = s.matrix.globalReserved;
  if (avl < rsvd) log.warn('lapic_can_unplug_cpu', `Reserved vectors ${rsvd} > available ${avl}. IRQ request may fail`);
  return undefined;
}

// irq_fixup_move_pending(desc, false): kernel/irq/migration.c. A pending move
// whose CPUs are all offline now is dropped; the IRQ keeps its affinity.
function fixupMovePending(s: SimState, shared: Irq, log: Log): void {
  if (!shared.movePending || anyOnline(s, shared.movePending)) return;
  const irq = writableIrq(s, shared);
  log.lazy('irq_fixup_move_pending', droppedText, irq.virq, shared.movePending);
  irq.movePending = undefined;
}

// migrate_one_irq(): kernel/irq/cpuhotplug.c. The scan reads every IRQ and copies only those it changes (a fork's base stays shared).
function migrateOneIrq(s: SimState, shared: Irq, dying: number, log: Log): 'moved' | 'shutdown' | 'failed' | 'skipped' {
  let irq = shared;
  // a6c11c0a5235: irq_force_complete_move() first, for an IRQ now or previously on the outgoing CPU,
  // so a move whose old vector is on it does not leak that vector.
  if (s.k.offlineReclaimsMovedVector && irq.apic.prevVector && (irq.apic.cpu === dying || irq.apic.prevCpu === dying)) {
    irq = writableIrq(s, irq);
    freeMovedVector(s, irq, log);
  }
  // No move required (not started, or not on the dying CPU): only a pending move to offline CPUs is dropped.
  if (!irq.started || irq.managedShutdown || irq.apic.cpu !== dying || !irq.apic.vector) {
    fixupMovePending(s, irq, log);
    return 'skipped';
  }
  irq = writableIrq(s, irq);
  // irq_force_complete_move(): 6.1 frees any pending old vector before the IRQ moves.
  if (irq.apic.prevVector || irq.apic.moveInProgress) freeMovedVector(s, irq, log);
  const online = onlineCpus(s);
  const pending = irq.movePending?.filter((c) => isOnline(s, c));
  let affinity = pending && pending.length > 0 ? irq.movePending ?? irq.affinity : irq.affinity;
  irq.movePending = undefined;
  if (!anyOnline(s, affinity)) {
    if (irq.managed) {
      // irqd_set_managed_shutdown() + irq_shutdown_and_deactivate(): not moved, its affinity stays.
      irq.managedShutdown = true;
      s.cpuIrqs.noteManagedShutdown(irq.virq);
      kernelMask(irq, log);
      deactivateHierarchy(s, irq, log);
      log.lazy('migrate_one_irq', shutdownText, irq.virq);
      return 'shutdown';
    }
    log.lazy('migrate_one_irq', brokenText, irq.virq, dying);
    affinity = online;
  }
  let r = doSetAffinity(s, irq, affinity, log);
  const isOnlineMask = affinity === online || (affinity.length === online.length && online.every((c) => inMask(affinity, c)));
  if (r.kind === 'error' && r.err === 'ENOSPC' && !irq.managed && s.k.migrateRetriesOnlineMask && !isOnlineMask) {
    // 88d724e2301a: retry with cpu_online_mask.
    r = doSetAffinity(s, irq, online, log);
  }
  if (r.kind === 'error') {
    log.warn('migrate_one_irq', `IRQ${irq.virq}: set affinity failed(-${ERRNO[r.err]}).`);
    return 'failed';
  }
  return 'moved';
}

/** Whether an IRQ still has its vector, or a move's old vector, on the CPU. */
function targets(irq: Irq | undefined, cpu: number): boolean {
  return irq !== undefined && (irq.apic.cpu === cpu || (irq.apic.prevVector !== 0 && irq.apic.prevCpu === cpu));
}

export interface OfflineResult {
  readonly moved: number;
  readonly shutdown: number;
  readonly failed: number;
}

// native_cpu_disable() → cpu_disable_common() → fixup_irqs() → lapic_offline()
export function offlineCpu(s: SimState, cpu: number, log: Log): OfflineResult | UnplugRefusal {
  if (!s.cpuOnline[cpu]) return { moved: 0, shutdown: 0, failed: 0 };
  if (onlineCount(s) === 1) return { err: 'EBUSY', message: `CPU ${cpu} is the last online CPU` };
  // The boot CPU has no online file (6.1 without cpu0_hotplug; boot-CPU hotplug was removed in 6.5).
  if (cpu === 0) return { err: 'EBUSY', message: 'CPU 0 is the boot CPU and cannot be taken offline' };
  // The vector-space check is x86's; the ITS and the IMSIC have no such refusal.
  const refused = s.system.arch === 'x86_64' ? lapicCanUnplugCpu(s, cpu, log) : undefined;
  if (refused) return refused;
  // remove_cpu_from_maps()
  setCpuOnline(s, cpu, false);
  let moved = 0;
  let shutdown = 0;
  let failed = 0;
  // fixup_irqs() → irq_migrate_all_off_this_cpu(): every IRQ descriptor, by
  // number; each changes only itself, and only one on this CPU or with a
  // pending move changes at all (cpu-irqs.ts).
  for (const virq of s.cpuIrqs.offlineCandidates(cpu, () => [...s.irqs.keys()])) {
    const irq = s.irqs.get(virq);
    if (!irq) continue;
    const r = migrateOneIrq(s, irq, cpu, log);
    if (r === 'moved') moved++;
    else if (r === 'shutdown') shutdown++;
    else if (r === 'failed') failed++;
  }
  s.cpuIrqs.compactCpu(cpu, (virq) => targets(s.irqs.get(virq), cpu));
  s.cpuIrqs.compactMovePending((virq) => s.irqs.get(virq)?.movePending !== undefined);
  // fixup_irqs(): with no IRR bits pending, every slot of the dying CPU becomes VECTOR_UNUSED.
  s.vectorIrq.clear(cpu);
  // lapic_offline() → irq_matrix_offline()
  s.matrix.offline(cpu);
  log.event('irq_matrix_offline', `CPU ${cpu} offline: ${counted(moved, 'IRQ')} moved, ${counted(shutdown, 'managed IRQ')} shut down`);
  driversCpuDead(s, log);
  return { moved, shutdown, failed };
}

// lapic_online() → irq_matrix_online(), then irq_affinity_online_cpu() restarts managed IRQs.
export function onlineCpu(s: SimState, cpu: number, log: Log): { restarted: number } {
  if (s.cpuOnline[cpu]) return { restarted: 0 };
  s.matrix.online(cpu);
  setCpuOnline(s, cpu, true);
  let restarted = 0;
  // Every IRQ descriptor, by number; only a managed IRQ that is shut down can restart (cpu-irqs.ts).
  for (const virq of s.cpuIrqs.shutdownCandidates(() => [...s.irqs.keys()])) {
    const shared = s.irqs.get(virq);
    if (!shared?.managed || !shared.managedShutdown || !shared.started || !inMask(shared.affinity, cpu)) continue;
    const irq = writableIrq(s, shared);
    irq.managedShutdown = false;
    const err = activateHierarchy(s, irq, false, log);
    if (err) {
      irq.managedShutdown = true;
      continue;
    }
    // irq_restore_affinity_of_irq() → irq_startup(): IRQ_STARTUP_MANAGED sets the affinity after activation,
    // then the unmask sends what waited in the PBA while the IRQ was shut down.
    if (platformOf(irq.chain) === 'x86') irqStartupAffinity(s, irq, log);
    kernelUnmask(irq, log);
    if (irq.pending) {
      irq.pending = false;
      fireIrq(s, irq, log);
    }
    restarted++;
    log.lazy('irq_affinity_online_cpu', restartedText, irq.virq, irq.apic.cpu);
  }
  s.cpuIrqs.compactManagedShutdown((virq) => s.irqs.get(virq)?.managedShutdown === true);
  log.event('irq_matrix_online', `CPU ${cpu} online, ${s.matrix.cpus[cpu]?.available ?? 0} vectors available`);
  driversCpuOnline(s, log);
  return { restarted };
}
