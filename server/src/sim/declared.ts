// A machine as it was found (`state { … }`, usually an imported snapshot):
// instead of booting and replaying the past, every IRQ is put back where the
// kernel had it — its apic_chip_data, its matrix bits, its IRTE and the
// message its device holds — so that scenarios continue from that moment.
//
// What a snapshot cannot show is filled in the way the kernel would have
// chosen it, and the choice is documented here (docs/simulation.md,
// "Machine state"):
//   - a managed IRQ reserved a managed bit on every CPU of its mask
//     (irq_matrix_reserve_managed()); on its own CPU that bit is its vector,
//     on the others it is the lowest bit the snapshot shows free there;
//   - a remapped IRQ without a declared IRTE gets the lowest free entry
//     (alloc_irte());
//   - a device without a declared message holds what composition gives for
//     its vector (irq_chip_compose_msi_msg()), the placeholder 0xEF on the
//     first online CPU while it is reserved or shut down.
import { defaultAffinityOf } from './affinity.js';
import type { DeclaredIrq, DeviceSym, DomainSym, SystemSym } from '../model/types.js';
import { FIRST_EXTERNAL_VECTOR, ISA_IRQ_VECTOR_BASE, kernelFeatures, MANAGED_IRQ_SHUTDOWN_VECTOR, NR_VECTORS, systemVectorsInWindow } from './kernel.js';
import { IrqMatrix } from './matrix.js';
import { composeFor } from './msi.js';
import { allocIrtes, programIrte, remapDomain, restoreIrtes } from './remap.js';
import { chainOf, emptyContainers, onlineParts, writableDevice, ZERO_MSG, type DeviceState, type Irq, type SimState } from './state.js';
import { messagesOf, MsgTable } from './msg-table.js';
import type { Log } from './vector.js';
import { domainProp } from '../model/values.js';

/** What went wrong putting a state back: check/state.ts reports the impossible ones first, so these are rare. */
export interface RestoreProblem {
  readonly irq: DeclaredIrq;
  readonly message: string;
}

function domainOf(d: DeclaredIrq): DomainSym | undefined {
  return d.cap === 'ioapic' ? d.device.ioapicPin?.domain : d.device.caps[d.cap]?.domain;
}

/**
 * Whether the IRQ keeps apicd->can_reserve: reserve_irq_vector() sets it for
 * every non-managed IRQ, msi_init_virq() clears it for MSI without mask bits
 * once activated, and an ISA IRQ that kept its legacy vector at boot
 * (vector_configure_legacy(), the timer) never had it.
 */
function canReserve(d: DeclaredIrq): boolean {
  if (d.managed) return false;
  if (d.cap === 'ioapic' && d.cpu === 0 && d.vector === ISA_IRQ_VECTOR_BASE + d.virq && d.virq < 16) return false;
  const cap = d.cap === 'ioapic' ? undefined : d.device.caps[d.cap];
  if (d.cap === 'msi' && cap && !cap.maskable && d.device.bus !== 'platform') return d.status === 'reserved';
  return true;
}

function irqOf(s: SimState, d: DeclaredIrq, chain: DomainSym[], firstOnline: number, block: { first: number; count: number } | undefined): Irq {
  const hasVector = d.vector !== undefined && d.cpu !== undefined && (d.status === 'requested' || d.status === 'allocated');
  const reserve = canReserve(d);
  return {
    virq: d.virq,
    device: d.device,
    cap: d.cap,
    // An IO-APIC line's index is its pin, as pciAllocIntx() records it.
    index: d.cap === 'ioapic' ? (d.device.ioapicPin?.pin ?? 0) : d.index,
    chain,
    apic: {
      vector: hasVector ? (d.vector as number) : 0,
      // A shut-down managed IRQ keeps its last CPU in apicd->cpu (debugfs "Target").
      cpu: d.cpu ?? firstOnline,
      prevVector: d.previous?.vector ?? 0,
      prevCpu: d.previous?.cpu ?? 0,
      moveInProgress: d.previous !== undefined,
      isManaged: d.managed,
      canReserve: reserve,
      hasReserved: d.status === 'reserved' && !d.managed,
      // vector_assign_managed_shutdown(): 0xEF on the first online CPU while there is no real vector.
      hwVector: hasVector ? (d.vector as number) : MANAGED_IRQ_SHUTDOWN_VECTOR,
      hwCpu: hasVector ? (d.cpu as number) : firstOnline,
    },
    // Masks are replaced, never changed in place: the declared one is shared.
    affinity: d.affinity ?? defaultAffinityOf(s),
    managed: d.managed,
    irqdCanReserve: reserve,
    activated: d.status === 'requested' || d.status === 'allocated',
    started: d.status === 'requested' || d.status === 'shutdown',
    managedShutdown: d.status === 'shutdown',
    masked: d.masked,
    pending: false,
    ...(d.noBalancing ? { noBalancing: true } : {}),
    ...(d.pending ? { movePending: [...d.pending] } : {}),
    ...(block ? { msiBlock: block } : {}),
  };
}

/** The boot state of a system that declares `state { … }`: the machine as it was found. */
export function bootDeclaredState(system: SystemSym, log: Log): { state: SimState; problems: RestoreProblem[] } {
  const declared = system.state;
  const k = kernelFeatures(system);
  const matrix = new IrqMatrix(NR_VECTORS, FIRST_EXTERNAL_VECTOR, k.firstSystemVector, system.cpus);
  for (const v of systemVectorsInWindow(k)) matrix.assignSystem(v);
  for (let v = k.firstSystemVector; v < NR_VECTORS; v++) matrix.assignSystem(v);
  // Every CPU came up at boot (irq_matrix_online() initialises its counters once); the offline ones go down last.
  for (let cpu = 0; cpu < system.cpus; cpu++) matrix.online(cpu);
  const online = new Set(declared?.online ?? Array.from({ length: system.cpus }, (_, i) => i));
  // The lowest online CPU (an empty online list is an error the checker reports; CPU 0 stands in).
  let firstOnline = system.cpus;
  for (const c of online) if (c < firstOnline) firstOnline = c;
  if (firstOnline >= system.cpus) firstOnline = 0;
  const pins = [...system.scope.domains.values()].filter((d) => d.domainKind === 'ioapic').reduce((n, d) => n + (domainProp(d, 'pins') ?? 24), 0);
  const firstVirq = Math.max(16, pins);
  const s: SimState = {
    system,
    k,
    matrix,
    ...onlineParts(system, matrix, (cpu) => online.has(cpu)),
    ...emptyContainers(system.cpus),
    vfio: new Map(),
    guests: new Map(),
    bindings: new Map(),
    shared: new Set(),
    nextVirq: firstVirq,
    virqHint: firstVirq,
    sealed: false,
  };
  const problems: RestoreProblem[] = [];
  const irqs = [...(declared?.irqs ?? [])].sort((a, b) => a.virq - b.virq);
  const blocks = msiBlocks(irqs);
  const records: { d: DeclaredIrq; irq: Irq }[] = [];
  for (const d of irqs) {
    const irq = irqOf(s, d, chainOf(domainOf(d)), firstOnline, blocks.get(d));
    s.irqs.set(d.virq, irq);
    noteHotplug(s, irq);
    records.push({ d, irq });
  }
  restoreVectors(s, records, problems);
  restoreManagedReservations(s, records, problems);
  restoreIrteBlocks(s, records, blocks, problems, log);
  restoreDevices(s, records);
  for (let cpu = 0; cpu < system.cpus; cpu++) if (!online.has(cpu)) matrix.offline(cpu);
  return { state: s, problems };
}

/** The IRQs of a multi-MSI block: one descriptor, consecutive IRQ numbers, one message. */
function msiBlocks(irqs: readonly DeclaredIrq[]): Map<DeclaredIrq, { first: number; count: number }> {
  const byDevice = new Map<DeviceSym, DeclaredIrq[]>();
  for (const d of irqs) {
    if (d.cap !== 'msi' || d.device.bus === 'platform') continue;
    const list = byDevice.get(d.device) ?? [];
    list.push(d);
    byDevice.set(d.device, list);
  }
  const out = new Map<DeclaredIrq, { first: number; count: number }>();
  for (const list of byDevice.values()) {
    if (list.length < 2) continue;
    const first = Math.min(...list.map((d) => d.virq - d.index));
    for (const d of list) out.set(d, { first, count: list.length });
  }
  return out;
}

/** Each vector (and a moving IRQ's previous one) back into the matrix and vector_irq[]. */
function restoreVectors(s: SimState, records: readonly { d: DeclaredIrq; irq: Irq }[], problems: RestoreProblem[]): void {
  for (const { d, irq } of records) {
    if (!irq.apic.vector) {
      // reserve_irq_vector_locked(): a reservation-mode IRQ books one vector globally.
      if (irq.apic.hasReserved) s.matrix.reserve();
      continue;
    }
    const places = [{ cpu: irq.apic.cpu, vector: irq.apic.vector }, ...(irq.apic.prevVector ? [{ cpu: irq.apic.prevCpu, vector: irq.apic.prevVector }] : [])];
    for (const p of places) {
      if (!s.matrix.restoreAllocated(p.cpu, p.vector, d.managed)) {
        problems.push({ irq: d, message: `CPU ${p.cpu} vector 0x${p.vector.toString(16)} cannot be IRQ ${d.virq}'s: it is a system vector, outside the matrix, or taken` });
        continue;
      }
      s.vectorIrq.set(p.cpu, p.vector, d.virq);
    }
  }
}

/**
 * irq_matrix_reserve_managed() took one managed bit on every CPU of a managed
 * IRQ's mask. The vector marks the bit on its own CPU; on the others the
 * snapshot shows only how many are reserved, so the lowest free bits are
 * taken, in IRQ order, as the kernel's lowest-first search would have.
 */
function restoreManagedReservations(s: SimState, records: readonly { d: DeclaredIrq; irq: Irq }[], problems: RestoreProblem[]): void {
  for (const { d, irq } of records) {
    if (!d.managed) continue;
    for (const cpu of irq.affinity) {
      if (irq.apic.vector && cpu === irq.apic.cpu) continue;
      const bit = s.matrix.lowestFree(cpu);
      if (bit === undefined || !s.matrix.restoreManagedReservation(cpu, bit)) {
        problems.push({ irq: d, message: `CPU ${cpu} has no free vector left for IRQ ${d.virq}'s managed reservation` });
      }
    }
  }
}

/** Declared IRTEs first, then the lowest free entries for remapped IRQs that declare none. */
function restoreIrteBlocks(
  s: SimState,
  records: readonly { d: DeclaredIrq; irq: Irq }[],
  blocks: ReadonlyMap<DeclaredIrq, { first: number; count: number }>,
  problems: RestoreProblem[],
  log: Log,
): void {
  // A multi-MSI block shares one IRTE block (one handle, a sub-handle per vector); any other IRQ has its own.
  const groups = new Map<string, { members: { d: DeclaredIrq; irq: Irq }[]; ir: DomainSym }>();
  for (const r of records) {
    const ir = remapDomain(r.irq.chain);
    if (!ir) continue;
    const block = blocks.get(r.d);
    const key = block ? `block:${r.d.device.name}` : `irq:${r.d.virq}`;
    const g = groups.get(key) ?? { members: [], ir };
    g.members.push(r);
    groups.set(key, g);
  }
  const undeclared: { members: { d: DeclaredIrq; irq: Irq }[]; ir: DomainSym }[] = [];
  for (const g of groups.values()) {
    g.members.sort((a, b) => a.d.index - b.d.index);
    const first = g.members[0] as { d: DeclaredIrq; irq: Irq };
    const declaredAt = g.members.find((m) => m.d.irte !== undefined);
    if (!declaredAt) {
      undeclared.push(g);
      continue;
    }
    const index = (declaredAt.d.irte as number) - g.members.indexOf(declaredAt);
    if (!restoreIrtes(s, g.members.map((m) => m.irq), g.ir, index)) {
      problems.push({ irq: first.d, message: `IRTE ${index} of '${g.ir.name}' cannot be IRQ ${first.d.virq}'s: out of the table or taken` });
    }
  }
  for (const g of undeclared) {
    const first = g.members[0] as { d: DeclaredIrq; irq: Irq };
    if (allocIrtes(s, g.members.map((m) => m.irq), g.ir, log)) problems.push({ irq: first.d, message: `'${g.ir.name}' has no free IRTE for IRQ ${first.d.virq}` });
  }
  // intel_irq_remapping_activate() programmed the entry at activation (in reservation mode too, with
  // the placeholder); an IO-APIC line never activated and a shut-down IRQ have it cleared.
  for (const { d, irq } of records) {
    if (!irq.irte) continue;
    const programmed = irq.activated || (d.status === 'reserved' && d.cap !== 'ioapic');
    if (programmed) programIrte(s, irq, log);
  }
}

/** Each device's allocation (the vectors by index) and the messages it holds. */
function restoreDevices(s: SimState, records: readonly { d: DeclaredIrq; irq: Irq }[]): void {
  const msiCap = new Map<DeviceSym, DeviceState>();
  for (const { d } of records) {
    if (d.cap === 'ioapic' || msiCap.has(d.device)) continue;
    msiCap.set(d.device, { cap: d.cap, virqs: [], msgs: new MsgTable() });
  }
  for (const { d, irq } of records) {
    // An INTx line of a device that also uses MSI stays mapped (pci_enable_device()), apart from its vectors.
    const key = d.cap === 'ioapic' ? (msiCap.has(d.device) ? `intx:${d.device.name}` : d.device.name) : d.device.name;
    let dev = d.cap === 'ioapic' ? writableDevice(s, key) : msiCap.get(d.device);
    if (!dev) {
      dev = { cap: d.cap, virqs: [], msgs: new MsgTable() };
    }
    s.devices.set(key, dev);
    dev.virqs[d.index] = d.virq;
    const entry = irq.msiBlock ? 0 : d.index;
    if (irq.msiBlock && irq.msiBlock.first !== d.virq) continue;
    // msi_domain_deactivate() wrote zeros when a managed IRQ shut down; an IO-APIC line is written at activation.
    const composed = d.status === 'shutdown' ? ZERO_MSG : d.cap === 'ioapic' && !irq.activated ? undefined : composeFor(s, irq);
    const msg = d.message ?? composed;
    if (!msg) continue;
    if (d.cap === 'ioapic') {
      s.devices.set(`ioapic:${d.virq}`, { cap: 'ioapic', virqs: [], msgs: messagesOf(0, msg) });
      dev.msgs.set(0, msg);
    } else {
      dev.msgs.set(entry, msg);
    }
  }
}

/** A declared IRQ in the lists CPU hotplug walks (cpu-irqs.ts): its CPU, its old vector's, a pending move, a managed shutdown. */
function noteHotplug(s: SimState, irq: Irq): void {
  s.cpuIrqs.noteCpu(irq.apic.cpu, irq.virq);
  if (irq.apic.prevVector) s.cpuIrqs.noteCpu(irq.apic.prevCpu, irq.virq);
  if (irq.movePending) s.cpuIrqs.noteMovePending(irq.virq);
  if (irq.managedShutdown) s.cpuIrqs.noteManagedShutdown(irq.virq);
}
