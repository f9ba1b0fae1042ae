// The x86 VECTOR domain (arch/x86/kernel/apic/vector.c, semantics.md §3):
// reservation mode, managed vectors, activation, moves and their cleanup.
import type { Errno } from './matrix.js';
import { MANAGED_IRQ_SHUTDOWN_VECTOR, vec } from './kernel.js';
import { isOnline, onlineCpus, type Irq, type SimState } from './state.js';

/** Where the simulator reports what the kernel did, one line per kernel function. */
export interface Log {
  event(fn: string, text: string): void;
  warn(fn: string, text: string): void;
}

function intersect(a: readonly number[], b: readonly number[]): number[] {
  const set = new Set(b);
  return a.filter((x) => set.has(x));
}

// vector_assign_managed_shutdown(): hw_irq_cfg = 0xEF on the first online CPU.
export function assignManagedShutdown(s: SimState, irq: Irq): void {
  irq.apic.hwVector = MANAGED_IRQ_SHUTDOWN_VECTOR;
  irq.apic.hwCpu = Math.max(0, s.cpuOnline.indexOf(true));
}

// reserve_irq_vector_locked(): reservation mode books one vector globally.
export function reserveIrqVector(s: SimState, irq: Irq, log: Log): void {
  if (s.matrix.reserve()) log.warn('irq_matrix_reserve', 'Interrupt reservation exceeds available resources');
  irq.apic.canReserve = true;
  irq.apic.hasReserved = true;
  irq.irqdCanReserve = true;
  assignManagedShutdown(s, irq);
  log.event('reserve_irq_vector_locked', `IRQ ${irq.virq}: reserved (global_reserved ${s.matrix.globalReserved}), hardware gets ${vec(MANAGED_IRQ_SHUTDOWN_VECTOR)} on CPU ${irq.apic.hwCpu}`);
}

// reserve_managed_vector(): one managed slot on every CPU of the mask, online or not.
export function reserveManagedVector(s: SimState, irq: Irq, log: Log): Errno | undefined {
  irq.apic.isManaged = true;
  const err = s.matrix.reserveManaged(irq.affinity);
  if (err) return err;
  log.event('irq_matrix_reserve_managed', `IRQ ${irq.virq}: managed slot reserved on CPUs ${irq.affinity.join(',')}`);
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
      s.vectorIrq[a.cpu]?.delete(a.vector);
    }
  }
  a.vector = newVector;
  a.cpu = newCpu;
  s.vectorIrq[newCpu]?.set(newVector, irq.virq);
  // apic_update_irq_cfg()
  a.hwVector = newVector;
  a.hwCpu = newCpu;
}

// assign_vector_locked(): a no-op while the current CPU is online and in dest.
export function assignVectorLocked(s: SimState, irq: Irq, dest: readonly number[], log: Log): Errno | undefined {
  const a = irq.apic;
  if (a.vector && isOnline(s, a.cpu) && dest.includes(a.cpu)) return undefined;
  if (a.moveInProgress) return 'EBUSY';
  const r = s.matrix.alloc(dest, a.hasReserved);
  if (typeof r === 'string') return r;
  updateVector(s, irq, r.bit, r.cpu);
  log.event('irq_matrix_alloc', `IRQ ${irq.virq}: CPU ${r.cpu} vector ${vec(r.bit)}`);
  return undefined;
}

/** The CPUs of the device's NUMA node, if it declares one. */
function nodeMask(s: SimState, irq: Irq): readonly number[] | undefined {
  const node = irq.device.node;
  if (node === undefined) return undefined;
  return s.system.nodes.find((n) => n.id === node)?.cpus;
}

// assign_irq_vector_any_locked(): node ∩ affinity, affinity, node, then any online CPU.
export function assignIrqVectorAny(s: SimState, irq: Irq, log: Log): Errno | undefined {
  const online = onlineCpus(s);
  const node = nodeMask(s, irq);
  const tries: (readonly number[])[] = [];
  if (node) tries.push(intersect(intersect(node, irq.affinity), online));
  tries.push(intersect(irq.affinity, online));
  if (node) tries.push(intersect(node, online));
  tries.push(online);
  let last: Errno | undefined = 'ENOSPC';
  for (const mask of tries) {
    if (mask.length === 0) continue;
    last = assignVectorLocked(s, irq, mask, log);
    if (!last) return undefined;
  }
  return last;
}

// activate_managed(): the managed vector on the best CPU of affinity ∩ online.
function activateManaged(s: SimState, irq: Irq, log: Log): Errno | undefined {
  const search = intersect(irq.affinity, onlineCpus(s));
  if (search.length === 0) {
    log.warn('activate_managed', `Managed startup for irq ${irq.virq}, but no CPU`);
    return 'EINVAL';
  }
  return assignManagedVector(s, irq, search, log);
}

// assign_managed_vector(): irq_matrix_alloc_managed() unless already on a CPU of the mask.
export function assignManagedVector(s: SimState, irq: Irq, search: readonly number[], log: Log): Errno | undefined {
  const a = irq.apic;
  if (a.vector && a.vector !== MANAGED_IRQ_SHUTDOWN_VECTOR && search.includes(a.cpu) && irq.affinity.includes(a.cpu)) return undefined;
  const r = s.matrix.allocManaged(search);
  if (typeof r === 'string') {
    log.warn('activate_managed', `Managed startup irq ${irq.virq}, no vector available`);
    return r;
  }
  updateVector(s, irq, r.bit, r.cpu);
  log.event('irq_matrix_alloc_managed', `IRQ ${irq.virq}: CPU ${r.cpu} vector ${vec(r.bit)} (managed)`);
  return undefined;
}

// activate_reserved(): a real vector for a reservation-mode IRQ.
function activateReserved(s: SimState, irq: Irq, log: Log): Errno | undefined {
  const err = assignIrqVectorAny(s, irq, log);
  if (err) return err;
  irq.apic.hasReserved = false;
  if (!irq.irqdCanReserve) irq.apic.canReserve = false;
  if (!irq.affinity.includes(irq.apic.cpu)) log.warn('activate_reserved', `irq ${irq.virq}: Affinity broken due to vector space exhaustion.`);
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
  s.vectorIrq[a.cpu]?.set(a.vector, 'shutdown');
  s.matrix.free(a.cpu, a.vector, a.isManaged);
  a.vector = 0;
  if (a.prevVector) {
    s.vectorIrq[a.prevCpu]?.set(a.prevVector, 'shutdown');
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
  const search = intersect(dest, onlineCpus(s));
  return irq.apic.isManaged ? assignManagedVector(s, irq, search, log) : assignVectorLocked(s, irq, search, log);
}

// free_moved_vector(): the old vector of a completed move goes back to the matrix.
export function freeMovedVector(s: SimState, irq: Irq, log: Log): void {
  const a = irq.apic;
  if (!a.prevVector) {
    a.moveInProgress = false;
    return;
  }
  s.matrix.free(a.prevCpu, a.prevVector, a.isManaged);
  s.vectorIrq[a.prevCpu]?.delete(a.prevVector);
  log.event(
    s.k.moveCleanupVector ? 'sysvec_irq_move_cleanup' : 'vector_cleanup_callback',
    `IRQ ${irq.virq}: old vector ${vec(a.prevVector)} on CPU ${a.prevCpu} freed`,
  );
  a.prevVector = 0;
  a.moveInProgress = false;
}
