// The x86 VECTOR domain (arch/x86/kernel/apic/vector.c, semantics.md §3):
// reservation mode, managed vectors, activation, moves and their cleanup.
import type { Errno } from './matrix.js';
import type { EventFormat } from './trace.js';
import { MANAGED_IRQ_SHUTDOWN_VECTOR, vec } from './kernel.js';
import { andMasks, andOnline, inMask, isOnline, onlineCpus, type Irq, type SimState } from './state.js';

/**
 * Where the simulator reports what the kernel did, one line per kernel
 * function. A step keeps its first MAX_EVENTS_PER_STEP events (warnings
 * always), so code that reports one event per IRQ uses lazy(): nothing is
 * formatted for an event past the cap, nor for a kept one until it is read.
 */
export interface Log {
  event(fn: string, text: string): void;
  /** An event whose text format(a, b, …) makes when it is read (trace.ts LazyEvent): for the events of every IRQ. */
  lazy<A, B = undefined, C = undefined, D = undefined, E = undefined>(fn: string, format: EventFormat<A, B, C, D, E>, a: A, b?: B, c?: C, d?: D, e?: E): void;
  warn(fn: string, text: string): void;
}

// Every function here that takes an Irq changes it: the caller passes its
// own copy (state.ts writableIrq(), or an IRQ it just created).

// The texts of the per-IRQ events, made when a trace is read (Log.lazy()).
const reservedText = (virq: number, reserved: number, cpu: number): string => `IRQ ${virq}: reserved (global_reserved ${reserved}), hardware gets ${vec(MANAGED_IRQ_SHUTDOWN_VECTOR)} on CPU ${cpu}`;
const reservedManagedText = (virq: number, mask: readonly number[]): string => `IRQ ${virq}: managed slot reserved on CPUs ${mask.join(',')}`;
const allocText = (virq: number, cpu: number, bit: number): string => `IRQ ${virq}: CPU ${cpu} vector ${vec(bit)}`;
const allocManagedText = (virq: number, cpu: number, bit: number): string => `IRQ ${virq}: CPU ${cpu} vector ${vec(bit)} (managed)`;
const freedText = (virq: number, vector: number, cpu: number): string => `IRQ ${virq}: old vector ${vec(vector)} on CPU ${cpu} freed`;

// vector_assign_managed_shutdown(): hw_irq_cfg = 0xEF on the first online CPU.
export function assignManagedShutdown(s: SimState, irq: Irq): void {
  irq.apic.hwVector = MANAGED_IRQ_SHUTDOWN_VECTOR;
  irq.apic.hwCpu = onlineCpus(s)[0] ?? 0;
}

// reserve_irq_vector_locked(): reservation mode books one vector globally.
export function reserveIrqVector(s: SimState, irq: Irq, log: Log): void {
  if (s.matrix.reserve()) log.warn('irq_matrix_reserve', 'Interrupt reservation exceeds available resources');
  irq.apic.canReserve = true;
  irq.apic.hasReserved = true;
  irq.irqdCanReserve = true;
  assignManagedShutdown(s, irq);
  log.lazy('reserve_irq_vector_locked', reservedText, irq.virq, s.matrix.globalReserved, irq.apic.hwCpu);
}

// reserve_managed_vector(): one managed slot on every CPU of the mask, online or not.
export function reserveManagedVector(s: SimState, irq: Irq, log: Log): Errno | undefined {
  irq.apic.isManaged = true;
  const err = s.matrix.reserveManaged(irq.affinity);
  if (err) return err;
  log.lazy('irq_matrix_reserve_managed', reservedManagedText, irq.virq, irq.affinity);
  return undefined;
}

// apic_update_vector(): the old vector stays until cleanup if its CPU is online.
function updateVector(s: SimState, irq: Irq, newVector: number, newCpu: number): void {
  const a = irq.apic;
  a.prevVector = 0;
  if (a.vector && a.vector !== MANAGED_IRQ_SHUTDOWN_VECTOR) {
    if (isOnline(s, a.cpu)) {
      a.moveInProgress = true;
      a.prevVector = a.vector;
      a.prevCpu = a.cpu;
    } else {
      s.matrix.free(a.cpu, a.vector, a.isManaged);
      s.vectorIrq.delete(a.cpu, a.vector);
    }
  }
  a.vector = newVector;
  a.cpu = newCpu;
  s.vectorIrq.set(newCpu, newVector, irq.virq);
  s.cpuIrqs.noteCpu(newCpu, irq.virq);
  // apic_update_irq_cfg()
  a.hwVector = newVector;
  a.hwCpu = newCpu;
}

/**
 * assign_vector_locked(): a no-op while the current CPU is online and in
 * dest. With `online` (cpu_online_mask's flags) the search mask is dest ∩
 * cpu_online_mask, taken during the matrix's scan of dest instead of made
 * first (apic_set_affinity(): a CPU going down migrates IRQs whose masks
 * name thousands of CPUs).
 */
export function assignVectorLocked(s: SimState, irq: Irq, dest: readonly number[], log: Log, online?: readonly boolean[]): Errno | undefined {
  const a = irq.apic;
  if (a.vector && isOnline(s, a.cpu) && inMask(dest, a.cpu)) return undefined;
  if (a.moveInProgress) return 'EBUSY';
  // cpu_online_mask itself (andOnline() returns the shared list) is searched without a scan.
  const r = online ? s.matrix.alloc(dest, a.hasReserved, false, online) : s.matrix.alloc(dest, a.hasReserved, dest === onlineCpus(s));
  if (typeof r === 'string') return r;
  updateVector(s, irq, r.bit, r.cpu);
  log.lazy('irq_matrix_alloc', allocText, irq.virq, r.cpu, r.bit);
  return undefined;
}

/** The CPUs of the device's NUMA node, if it declares one (irq_desc_get_node(): dev_to_node() at allocation). */
export function nodeMask(s: SimState, irq: Irq): readonly number[] | undefined {
  const node = irq.device.node;
  if (node === undefined) return undefined;
  // A loop, not find(): this runs for every IRQ allocated.
  for (const n of s.system.nodes) if (n.id === node) return n.cpus;
  return undefined;
}

// assign_irq_vector_any_locked(): node ∩ affinity, node, affinity, then any online CPU.
export function assignIrqVectorAny(s: SimState, irq: Irq, log: Log): Errno | undefined {
  const node = nodeMask(s, irq);
  let last: Errno | undefined = 'ENOSPC';
  for (let attempt = 0; attempt < 4; attempt++) {
    const mask = anyLockedMask(s, irq, node, attempt);
    if (!mask || mask.length === 0) continue;
    last = assignVectorLocked(s, irq, mask, log);
    if (!last) return undefined;
  }
  return last;
}

/** The masks assign_irq_vector_any_locked() tries, in order: node ∩ affinity and the node (with a node), the affinity, then cpu_online_mask. */
function anyLockedMask(s: SimState, irq: Irq, node: readonly number[] | undefined, attempt: number): readonly number[] | undefined {
  switch (attempt) {
    case 0:
      return node && andOnline(s, andMasks(node, irq.affinity));
    case 1:
      return node && andOnline(s, node);
    case 2:
      return andOnline(s, irq.affinity);
    default:
      return onlineCpus(s);
  }
}

// activate_managed(): the managed vector on the best CPU of affinity ∩ online.
function activateManaged(s: SimState, irq: Irq, log: Log): Errno | undefined {
  const search = andOnline(s, irq.affinity);
  if (search.length === 0) {
    log.warn('activate_managed', `Managed startup for irq ${irq.virq}, but no CPU`);
    return 'EINVAL';
  }
  return assignManagedVector(s, irq, search, log);
}

// assign_managed_vector(): irq_matrix_alloc_managed() unless already on a CPU of the mask.
export function assignManagedVector(s: SimState, irq: Irq, search: readonly number[], log: Log): Errno | undefined {
  const a = irq.apic;
  if (a.vector && a.vector !== MANAGED_IRQ_SHUTDOWN_VECTOR && inMask(search, a.cpu) && inMask(irq.affinity, a.cpu)) return undefined;
  const r = s.matrix.allocManaged(search);
  if (typeof r === 'string') {
    log.warn('activate_managed', `Managed startup irq ${irq.virq}, no vector available`);
    return r;
  }
  updateVector(s, irq, r.bit, r.cpu);
  log.lazy('irq_matrix_alloc_managed', allocManagedText, irq.virq, r.cpu, r.bit);
  return undefined;
}

// activate_reserved(): a real vector for a reservation-mode IRQ.
function activateReserved(s: SimState, irq: Irq, log: Log): Errno | undefined {
  const err = assignIrqVectorAny(s, irq, log);
  if (err) return err;
  irq.apic.hasReserved = false;
  if (!irq.irqdCanReserve) irq.apic.canReserve = false;
  if (!inMask(irq.affinity, irq.apic.cpu)) log.warn('activate_reserved', `irq ${irq.virq}: Affinity broken due to vector space exhaustion.`);
  return undefined;
}

// x86_vector_activate(): the branches are tested in this order.
export function activateVector(s: SimState, irq: Irq, reserve: boolean, log: Log): Errno | undefined {
  const a = irq.apic;
  if (!a.canReserve && !a.isManaged) {
    assignIrqVectorAny(s, irq, log);
    return undefined;
  }
  if (reserve || irq.managedShutdown) {
    assignManagedShutdown(s, irq);
    return undefined;
  }
  if (a.isManaged) return activateManaged(s, irq, log);
  if (a.hasReserved) return activateReserved(s, irq, log);
  return undefined;
}

// clear_irq_vector(): frees the vector and any vector a move left behind.
export function clearIrqVector(s: SimState, irq: Irq): void {
  const a = irq.apic;
  if (!a.vector) return;
  s.vectorIrq.set(a.cpu, a.vector, 'shutdown');
  s.matrix.free(a.cpu, a.vector, a.isManaged);
  a.vector = 0;
  if (a.prevVector) {
    s.vectorIrq.set(a.prevCpu, a.prevVector, 'shutdown');
    s.matrix.free(a.prevCpu, a.prevVector, a.isManaged);
    a.prevVector = 0;
  }
  a.moveInProgress = false;
}

// x86_vector_deactivate(): reservation-mode IRQs re-reserve, managed ones shut down, fixed ones keep their vector.
export function deactivateVector(s: SimState, irq: Irq, log: Log): void {
  const a = irq.apic;
  if (!a.isManaged && !a.canReserve) return;
  if (a.hasReserved) return;
  clearIrqVector(s, irq);
  if (a.canReserve) reserveIrqVector(s, irq, log);
  else assignManagedShutdown(s, irq);
}

// x86_vector_free_irqs(): clear_irq_vector() then vector_free_reserved_and_managed().
export function freeVector(s: SimState, irq: Irq): void {
  clearIrqVector(s, irq);
  if (irq.apic.hasReserved) s.matrix.removeReserved();
  if (irq.apic.isManaged) s.matrix.removeManaged(irq.affinity);
  irq.apic.hasReserved = false;
}

// apic_set_affinity(): the vector level of irq_set_affinity().
export function apicSetAffinity(s: SimState, irq: Irq, dest: readonly number[], log: Log): Errno | undefined {
  if (!irq.activated) return 'EIO';
  // The first thing either assign function does with cpumask_and(vector_searchmask, dest,
  // cpu_online_mask) is test the current CPU in it ("set_affinity might call here for nothing"):
  // tested on dest and the online flag, the answer is the same without a pass over dest. A
  // hotplug callback that re-sets the same masks for every CPU taken down needs no more.
  const a = irq.apic;
  if (a.vector && isOnline(s, a.cpu) && inMask(dest, a.cpu)) {
    if (!a.isManaged) return undefined;
    if (a.vector !== MANAGED_IRQ_SHUTDOWN_VECTOR && inMask(irq.affinity, a.cpu)) return undefined;
  }
  if (a.isManaged) return assignManagedVector(s, irq, andOnline(s, dest), log);
  // Every CPU: the search mask is cpu_online_mask itself, which the matrix's tree answers.
  if (dest.length === s.everyCpu.length && (dest[dest.length - 1] as number) < dest.length) return assignVectorLocked(s, irq, onlineCpus(s), log);
  return assignVectorLocked(s, irq, dest, log, s.cpuOnline);
}

// free_moved_vector(): the old vector of a completed move goes back to the matrix.
export function freeMovedVector(s: SimState, irq: Irq, log: Log): void {
  const a = irq.apic;
  if (!a.prevVector) {
    a.moveInProgress = false;
    return;
  }
  s.matrix.free(a.prevCpu, a.prevVector, a.isManaged);
  s.vectorIrq.delete(a.prevCpu, a.prevVector);
  log.lazy(s.k.moveCleanupVector ? 'sysvec_irq_move_cleanup' : 'vector_cleanup_callback', freedText, irq.virq, a.prevVector, a.prevCpu);
  a.prevVector = 0;
  a.moveInProgress = false;
}
