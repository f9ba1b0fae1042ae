// Guests (seeds 000 and 002, semantics.md §8): a guest runs its own kernel,
// so it gets its own simulated state (vCPUs, vector matrix, domains) linked to
// the host's. Interrupts of assigned devices reach it three ways:
//
//  - hcall: the guest's hypercall domain asks the hypervisor, which allocates
//    the backing host IRTE (posting to the vCPU) and returns the composed
//    host message; the guest writes that into the device (seed 002, case 2–3);
//  - trap-and-emulate: the VMM traps the MSI-X table (or, for an emulated
//    SIOV sub-device, the IMS table it owns), vfio-pci allocates and requests
//    a host IRQ, and KVM injects the guest's vector (seed 002, case 4; classic
//    VF assignment);
//  - direct: a message the guest composed itself lands in storage the VMM
//    cannot trap (IMS); the host IOMMU reads it as a host handle, so the
//    interrupt is blocked or misrouted (a guest that cannot tell it is
//    virtualized, seed 002's "catch").
//
// The kernel never merged a hypercall domain; irqd simulates the semantics
// the thread agrees on, and says so in docs/simulation.md.
import type { Assignment, DeviceSym, DomainSym, GuestSym, InterruptCap, SystemSym } from '../model/types.js';
import { composeAmd, composeVtd, decodeMsg } from './compose.js';
import { hex, vec } from './kernel.js';
import type { Errno } from './matrix.js';
import { allocIrtes, programIrte, remapDomain, sourceIdOf } from './remap.js';
import { chainOf, domainOfKind, writableIrq, type Delivery, type Irq, type Msg, type SimState } from './state.js';
import type { Log } from './vector.js';

/** The host side of a guest IRQ: a posting record (hcall) or a host IRQ (trap). */
export interface HostBinding {
  readonly kind: 'hcall' | 'trap';
  readonly hostVirq: number;
}

/** The guest's devices: its own, plus a view of each assigned device or sub-device. */
export function guestDevices(guest: GuestSym): Map<string, DeviceSym> {
  const out = new Map<string, DeviceSym>(guest.scope.devices);
  for (const a of guest.assignments) {
    const view = assignedView(a, guest);
    if (view) out.set(view.name, view);
  }
  return out;
}

/** The guest's only domain of a kind, or undefined. */
function onlyDomain(guest: GuestSym, kind: 'pci-msi' | 'ims'): DomainSym | undefined {
  const all = [...guest.scope.domains.values()].filter((d) => d.domainKind === kind);
  return all.length === 1 ? all[0] : undefined;
}

/**
 * How an assigned device or sub-device looks from inside the guest: each of
 * its capabilities allocates from the guest's domain of that kind (the
 * assignment's `domain D` for its kind, else the guest's only one).
 */
function assignedView(a: Assignment, guest: GuestSym): DeviceSym | undefined {
  const host = a.device;
  if (!host || !a.domain) return undefined;
  const domainFor = (kind: 'pci-msi' | 'ims'): DomainSym | undefined => (a.domain?.domainKind === kind ? a.domain : onlyDomain(guest, kind));
  const caps: DeviceSym['caps'] = {};
  if (a.sub) {
    // A sub-device's interrupts come from the parent's IMS; the guest sees IMS or an emulated MSI-X.
    const hostCap = host.caps.ims ?? host.caps.msix;
    if (!hostCap) return undefined;
    const kind: InterruptCap['cap'] = a.domain.domainKind === 'ims' ? 'ims' : 'msix';
    caps[kind] = { ...hostCap, cap: kind, domain: a.domain, maskable: true };
  } else {
    for (const hostCap of Object.values(host.caps)) {
      const domain = domainFor(hostCap.cap === 'ims' ? 'ims' : 'pci-msi');
      if (domain) caps[hostCap.cap] = { ...hostCap, domain };
    }
  }
  return {
    ...host,
    name: a.sub?.name ?? host.name,
    container: guest,
    owner: guest,
    caps,
    ioapicPin: undefined,
    assignedFrom: { host, assignment: a },
  } as DeviceSym & { assignedFrom: { host: DeviceSym; assignment: Assignment } };
}

export function assignedFrom(dev: DeviceSym): { host: DeviceSym; assignment: Assignment } | undefined {
  return (dev as DeviceSym & { assignedFrom?: { host: DeviceSym; assignment: Assignment } }).assignedFrom;
}

/** The guest kernel's view of its machine, as a system the engine can boot. */
export function guestSystem(guest: GuestSym): SystemSym {
  const host = guest.system;
  return {
    ...host,
    name: guest.name,
    cpus: guest.cpus,
    cpusKnown: guest.cpusKnown,
    apic: guest.apic,
    destMode: guest.destMode,
    destModeChosen: guest.destModeChosen,
    extDestId: false,
    // The guest kernel boots with its own command line, not the host's.
    cmdline: guest.cmdline,
    smt: guest.smt,
    nodes: [],
    scope: { domains: guest.scope.domains, devices: guestDevices(guest) },
    guests: new Map(),
    pasid: undefined,
  };
}

export function hasHcall(irq: Irq): boolean {
  return domainOfKind(irq.chain, 'hcall') !== undefined;
}

/** Whether the VMM sees the guest's writes of this IRQ's message (and so can substitute the host's). */
export function trapped(irq: Irq): boolean {
  const from = assignedFrom(irq.device);
  if (!from) return false;
  if (from.assignment.sub) return from.assignment.sub.mode === 'emulated';
  // A VF's MSI and MSI-X live in config space and a BAR the VMM emulates.
  return irq.cap !== 'ims';
}

/** The host device and host capability behind a guest IRQ. */
export function hostCapOf(irq: Irq): { dev: DeviceSym; cap: InterruptCap } | undefined {
  const from = assignedFrom(irq.device);
  if (!from || irq.cap === 'ioapic') return undefined;
  const host = from.host;
  const cap = from.assignment.sub ? (host.caps.ims ?? host.caps.msix) : host.caps[irq.cap];
  return cap ? { dev: host, cap } : undefined;
}

/**
 * The host's remapping domain for an assigned device's interrupts: the IOMMU
 * that reads the physical message. AMD-Vi remaps every MSI of a device it
 * covers (the data holds the IRTE index, amd_ir_compose_msi_msg()), so its
 * messages are never the compat format a VT-d message without the
 * remappable bit is.
 */
export function hostRemapOf(irq: Irq): DomainSym | undefined {
  const target = hostCapOf(irq);
  return target ? remapDomain(chainOf(target.cap.domain)) : undefined;
}

// The hypervisor side of the hcall domain: allocate (once) the host IRTE that
// posts to the vCPU, program it with the guest's vector, return the message.
// No kernel merged it (docs/simulation.md §11, seeds 000 and 002); the host
// half is the posted-IRTE path: intel_irq_remapping_alloc() for the entry,
// intel_ir_set_vcpu_affinity() for the posting.
export function hcallCompose(host: SimState, guest: GuestSym, gs: SimState, irq: Irq, log: Log): Msg | Errno {
  const target = hostCapOf(irq);
  if (!target) return 'ENXIO';
  const ir = remapDomain(chainOf(target.cap.domain));
  if (!ir) {
    log.warn('hcall', `the host has no interrupt remapping for ${target.dev.name}: the hypercall cannot return a remapped message`);
    return 'ENXIO';
  }
  let record = gs.bindings.get(irq.virq);
  const bound = record ? host.irqs.get(record.hostVirq) : undefined;
  let hostIrq = bound ? writableIrq(host, bound) : undefined;
  if (!hostIrq) {
    let v = host.virqHint;
    while (host.irqs.has(v)) v++;
    hostIrq = {
      virq: v,
      device: target.dev,
      cap: target.cap.cap,
      index: irq.index,
      chain: chainOf(target.cap.domain),
      apic: { vector: 0, cpu: 0, prevVector: 0, prevCpu: 0, moveInProgress: false, isManaged: false, canReserve: false, hasReserved: false, hwVector: 0, hwCpu: 0 },
      affinity: [],
      managed: false,
      irqdCanReserve: false,
      activated: true,
      started: false,
      managedShutdown: false,
      masked: false,
      pending: false,
      postedTo: guest.name,
      ...(assignedFrom(irq.device)?.assignment.sub ? { pasidTagged: assignedFrom(irq.device)?.assignment.sub?.mode === 'pasid' } : {}),
    };
    const err = allocIrtes(host, [hostIrq], ir, log);
    if (err) {
      log.warn('hcall', `the hypervisor found no free IRTE for ${guest.name}'s ${irq.device.name}[${irq.index}]: the hypercall fails`);
      return err;
    }
    host.irqs.set(v, hostIrq);
    record = { kind: 'hcall', hostVirq: v };
    gs.bindings.set(irq.virq, record);
  }
  // The IRTE posts to the vCPU: its "vector and destination" are the guest's.
  hostIrq.apic.hwVector = irq.apic.hwVector;
  hostIrq.apic.hwCpu = irq.apic.hwCpu;
  programIrte(host, hostIrq, log);
  const ref = hostIrq.irte;
  if (!ref) return 'ENXIO';
  const msg = ir.domainKind === 'amd-ir' ? composeAmd(ref.index + ref.subhandle) : composeVtd(ref.index, ref.subhandle);
  log.event('hcall', `${guest.name}: hypercall for ${irq.device.name}[${irq.index}] (vCPU ${irq.apic.hwCpu} vector ${vec(irq.apic.hwVector)}) → host IRTE ${hex(ref.index + ref.subhandle)} posted, message ${hex(msg.addressLo, 8)} / ${hex(msg.data, 8)}`);
  return msg;
}

/**
 * What a guest IRQ's device really sends: the host's message when the VMM can
 * substitute it (vfio-pci traps the guest's MSI-X table writes and programs
 * its own host IRQ: vfio_msi_set_vector_signal()), the hypercall's message,
 * or the guest's own where nothing traps the storage.
 */
export function physicalMsg(host: SimState, gs: SimState, irq: Irq, guestMsg: Msg | undefined): { msg?: Msg; via: string } {
  if (hasHcall(irq)) return { msg: guestMsg, via: 'the host-composed message the hypercall returned' };
  const record = gs.bindings.get(irq.virq);
  if (trapped(irq)) {
    const hostIrq = record ? host.irqs.get(record.hostVirq) : undefined;
    const dev = hostIrq ? host.devices.get(hostIrq.device.name) : undefined;
    return { msg: hostIrq ? dev?.msgs.get(hostIrq.index) : undefined, via: 'the host message vfio-pci programmed (the VMM traps the guest\'s table writes)' };
  }
  return { msg: guestMsg, via: 'the message the guest composed, written where the VMM cannot trap it' };
}

/**
 * Delivery of a posted (the IOMMU sets the vector in the vCPU's PIR) or
 * injected (kvm_set_msi() → kvm_irq_delivery_to_apic()) interrupt into the
 * guest's vCPU and vector, then the guest's own handle_edge_irq().
 */
export function deliverInGuest(gs: SimState, irq: Irq, vcpu: number, vector: number, how: string, log: Log): Delivery {
  if (!gs.cpuOnline[vcpu]) return lostIn(log, `vCPU ${vcpu} of ${gs.system.name} is offline: the interrupt is lost`);
  const slot = gs.vectorIrq.get(vcpu, vector);
  if (slot !== irq.virq) return lostIn(log, `${how} vector ${vec(vector)} on vCPU ${vcpu}, which no guest handler owns: lost`);
  if (!irq.started) return lostIn(log, `guest IRQ ${irq.virq} has no handler (request_irq() not done in the guest)`);
  log.event('handle_edge_irq', `${gs.system.name}: vCPU ${vcpu} vector ${vec(vector)} → guest IRQ ${irq.virq} (${irq.device.name}[${irq.index}]) handled`);
  return { delivered: true, cpu: vcpu, vector, reason: `${how}: handled in ${gs.system.name} on vCPU ${vcpu} vector ${vec(vector)}` };
}

function lostIn(log: Log, reason: string): Delivery {
  log.warn('guest', reason);
  return { delivered: false, reason };
}

/**
 * The host IRTE a physical message points at, as the IOMMU looks it up: a
 * remappable message's handle (+ subhandle when SHV), or AMD-Vi's per-device
 * table index in the data; its present bit and source ID decide whether the
 * IOMMU blocks it (VT-d fault reasons 0x22 and 0x26).
 */
export function hostIrteFor(host: SimState, irq: Irq, msg: Msg): { posted?: { guest: string; vcpu: number; vector: number }; present: boolean; sidOk: boolean; slot: number; reason?: string } | undefined {
  const target = hostCapOf(irq);
  if (!target) return undefined;
  const ir = remapDomain(chainOf(target.cap.domain));
  if (!ir) return undefined;
  const d = decodeMsg(msg);
  const slot = d.format === 'remappable' ? d.handle + (d.shv ? d.subhandle : 0) : ir.domainKind === 'amd-ir' ? msg.data & 0x7ff : -1;
  if (slot < 0) return undefined;
  const key = ir.domainKind === 'amd-ir' ? `${ir.name}/${target.dev.name}` : ir.name;
  const entry = host.irteTables.get(key)?.entries.get(slot);
  const sid = sourceIdOf({ ...irq, device: target.dev, cap: target.cap.cap });
  return { present: entry?.present === true, sidOk: entry?.sid === sid, slot, ...(entry?.posted ? { posted: entry.posted } : {}) };
}
