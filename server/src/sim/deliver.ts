// `fire`: the device sends its message, and the path it takes to a handler
// (semantics.md §1.4, §3.6–3.7, §4): the IOMMU's IRTE lookup and source-ID
// check, the local APIC's vector, vector_irq[], then the ack that completes a
// move and runs a deferred affinity change.
import { apicDriver, cpusOfDest, decodeMsg, msgText } from './compose.js';
import { hex, MANAGED_IRQ_SHUTDOWN_VECTOR, vec } from './kernel.js';
import { deviceMsg } from './msi.js';
import { doSetAffinity } from './set-affinity.js';
import { assignedFrom, deliverInGuest, hasHcall, hostIrteFor, hostRemapOf, physicalMsg, trapped } from './guest.js';
import { imsicOf, imsicRoute } from './imsic.js';
import { itsDeliver } from './its.js';
import { remapDomain, sourceIdOf } from './remap.js';
import { isOnline, platformOf, writableIrq, type Delivery, type Irq, type Irte, type Msg, type SimState } from './state.js';
import { freeMovedVector, type Log } from './vector.js';

// The texts of the per-IRQ events, made when a trace is read (Log.lazy()).
const writesText = (device: string, msg: Msg): string => `${device} writes ${msgText(msg)}`;
const remappedText = (iommu: string, slot: number, irte: Irte): string => `${iommu}: IRTE ${hex(slot)} → vector ${vec(irte.vector)}, destination ${hex(irte.destId)}${irte.logical ? ' logical' : ''}`;
const handledText = (cpu: number, vector: number, virq: number, device: string, index: number): string => `CPU ${cpu} vector ${vec(vector)} → IRQ ${virq} (${device}[${index}]) handled`;
const completeText = (virq: number, cpu: number, vector: number, prevCpu: number): string => `IRQ ${virq}: first interrupt on CPU ${cpu}, cleanup of vector ${vec(vector)} on CPU ${prevCpu} scheduled`;

function lost(reason: string, log: Log, fn: string): Delivery {
  log.warn(fn, reason);
  return { delivered: false, reason };
}

/** Resolves the message to (CPU candidates, vector) the way the hardware does. */
function route(s: SimState, irq: Irq, log: Log): { cpus: number[]; vector: number } | Delivery {
  const stored = deviceMsg(s, irq);
  if (!stored) return lost(`${irq.device.name} holds no message for this vector`, log, 'msi_domain_write_msg');
  // Multi-MSI: the device puts the vector number into the low data bits.
  const msg = irq.msiBlock ? { ...stored, data: stored.data | irq.index } : stored;
  log.lazy('device', writesText, irq.device.name, msg);
  const d = decodeMsg(msg, s.system.extDestId);
  if (d.format === 'zero') return lost(`the message is all zero (deactivated): the write goes to address 0, not to an interrupt`, log, 'msi_domain_deactivate');
  if (d.format === 'invalid') return lost(d.why, log, 'device');
  const ir = remapDomain(irq.chain);
  if (d.format === 'remappable' || ir?.domainKind === 'amd-ir') {
    if (!ir || !irq.irte) return lost('a remappable-format message reaches a CPU without an IOMMU: it is discarded', log, 'device');
    const slot = d.format === 'remappable' ? d.handle + (d.shv ? d.subhandle : 0) : msg.data & 0x7ff;
    const table = s.irteTables.get(irq.irte.table);
    const irte = table?.entries.get(slot);
    const iommu = ir.domainKind === 'amd-ir' ? 'AMD-Vi' : 'DMAR';
    // VT-d logs the fault reason from irq_remap_fault_reasons[] (dmar_fault()); AMD-Vi an event-log entry.
    const reason = (code: number, text: string): string => (iommu === 'DMAR' ? ` [fault reason ${hex(code, 2)}] ${text}` : '');
    if (!irte?.present) return lost(`${iommu}: IRTE ${hex(slot)} is not present: the interrupt is blocked (remapping fault)${reason(0x22, 'Present field in the IRTE entry is clear')}`, log, 'iommu');
    const sid = sourceIdOf(irq);
    // intremap=nosid: set_irte_sid() writes SVT_NO_VERIFY, so VT-d checks no source ID.
    const verify = iommu !== 'DMAR' || !s.system.cmdline.noSourceId;
    if (verify && irte.sid !== sid) return lost(`${iommu}: source ID ${hex(sid, 4)} does not match IRTE ${hex(slot)} (SID ${hex(irte.sid, 4)}): blocked${reason(0x26, 'Blocked an interrupt request due to source-id verification failure')}`, log, 'iommu');
    log.lazy('iommu', remappedText, iommu, slot, irte);
    return { cpus: cpusOfDest(apicDriver(s.system), irte.destId, s.system), vector: irte.vector };
  }
  return { cpus: cpusOfDest(apicDriver(s.system), d.dest, s.system), vector: d.vector };
}

// The interrupt path up to the handler, then apic_ack_edge(): irq_complete_move() and irq_move_irq().
// `irq` is the caller's own copy (state.ts writableIrq()): the interrupt changes it.
export function fireIrq(s: SimState, irq: Irq, log: Log): Delivery {
  if (irq.masked) {
    irq.pending = true;
    const reason = 'masked: the interrupt is held pending (PBA) until unmask';
    log.event('msi_mask', reason);
    irq.lastDelivery = { delivered: false, pending: true, reason };
    return irq.lastDelivery;
  }
  if (irq.spuriousDisabled) {
    // IRQS_SPURIOUS_DISABLED: handle_edge_irq() / handle_fasteoi_irq() find the IRQ disabled and run no handler.
    irq.lastDelivery = lost(`IRQ ${irq.virq} is disabled since nobody cared (note_interrupt()): no handler runs until it is requested again`, log, 'handle_edge_irq');
    return irq.lastDelivery;
  }
  if (platformOf(irq.chain) !== 'x86') {
    irq.lastDelivery = firePlatform(s, irq, log);
    return irq.lastDelivery;
  }
  if (s.hypervisor && assignedFrom(irq.device)) {
    irq.lastDelivery = fireGuestIrq(s, irq, log);
    if (irq.lastDelivery.delivered && irq.lastDelivery.cpu !== undefined) ackAndMove(s, irq, irq.lastDelivery.cpu, log);
    return irq.lastDelivery;
  }
  const r = route(s, irq, log);
  if ('delivered' in r) {
    irq.lastDelivery = r;
    return r;
  }
  const cpu = r.cpus.find((c) => isOnline(s, c));
  if (cpu === undefined) {
    irq.lastDelivery = lost(`destination CPU ${r.cpus.join(',')} is offline: the interrupt is lost`, log, 'local APIC');
    return irq.lastDelivery;
  }
  if (r.vector === MANAGED_IRQ_SHUTDOWN_VECTOR || r.vector >= s.k.firstSystemVector || r.vector < 0x20) {
    const why = r.vector === MANAGED_IRQ_SHUTDOWN_VECTOR ? 'the 0xEF placeholder of a reserved or shut-down IRQ' : 'a system vector';
    irq.lastDelivery = lost(`vector ${vec(r.vector)} on CPU ${cpu} is ${why}: spurious interrupt, lost`, log, 'spurious_interrupt');
    return irq.lastDelivery;
  }
  const slot = s.vectorIrq.get(cpu, r.vector);
  if (slot === undefined) {
    irq.lastDelivery = lost(`CPU ${cpu}: No irq handler for vector ${r.vector}: lost`, log, 'common_interrupt');
    return irq.lastDelivery;
  }
  if (slot === 'shutdown' || slot === 'retriggered') {
    s.vectorIrq.delete(cpu, r.vector);
    irq.lastDelivery = lost(`CPU ${cpu} vector ${vec(r.vector)} is marked ${slot === 'shutdown' ? 'VECTOR_SHUTDOWN' : 'VECTOR_RETRIGGERED'}: silently dropped`, log, 'common_interrupt');
    return irq.lastDelivery;
  }
  if (slot !== irq.virq) {
    irq.lastDelivery = lost(`CPU ${cpu} vector ${vec(r.vector)} belongs to IRQ ${slot}: delivered to the wrong handler`, log, 'common_interrupt');
    return irq.lastDelivery;
  }
  if (!irq.started) {
    irq.lastDelivery = lost(`IRQ ${irq.virq} has no handler (request_irq() not done): the interrupt is acked and dropped`, log, irq.cap === 'ioapic' ? 'handle_fasteoi_irq' : 'handle_edge_irq');
    return irq.lastDelivery;
  }
  log.lazy(irq.cap === 'ioapic' ? 'handle_fasteoi_irq' : 'handle_edge_irq', handledText, cpu, r.vector, irq.virq, irq.device.name, irq.index);
  irq.lastDelivery = { delivered: true, cpu, vector: r.vector, reason: `handled on CPU ${cpu} vector ${vec(r.vector)}` };
  ackAndMove(s, irq, cpu, log);
  return irq.lastDelivery;
}

/** apic_ack_edge() after a delivery: a move completes, a deferred move runs. */
function ackAndMove(s: SimState, irq: Irq, cpu: number, log: Log): void {
  // apic_ack_edge(): the first interrupt on the new CPU schedules the old
  // vector's cleanup (an IPI in 6.1, a timer in 6.6+) …
  const cleanupQueued = irq.apic.moveInProgress && irq.apic.cpu === cpu;
  if (cleanupQueued) {
    irq.apic.moveInProgress = false;
    log.lazy('__irq_complete_move', completeText, irq.virq, cpu, irq.apic.prevVector, irq.apic.prevCpu);
  }
  // … and a deferred affinity change runs now, in the interrupt (irq_move_masked_irq()).
  if (irq.movePending) {
    const target = irq.movePending.filter((c) => isOnline(s, c));
    if (target.length > 0 && cleanupQueued) {
      // assign_vector_locked(): the IRQ is still queued for cleanup (clist hashed).
      log.event('irq_move_masked_irq', `IRQ ${irq.virq}: the previous move is not cleaned up yet (-EBUSY), the move stays pending`);
    } else if (target.length > 0) {
      const moved = doSetAffinity(s, irq, irq.movePending, log);
      if (moved.kind === 'error' && moved.err === 'EBUSY') {
        log.event('irq_move_masked_irq', `IRQ ${irq.virq}: previous move not cleaned up (-EBUSY), the move stays pending`);
      } else {
        if (moved.kind === 'error') log.warn('irq_do_set_affinity', `IRQ ${irq.virq}: deferred move failed (-${moved.err})`);
        irq.movePending = undefined;
      }
    } else {
      irq.movePending = undefined;
    }
  }
  // The cleanup IPI/timer runs once the interrupt returns (__send_cleanup_vector(), 6.6+ __vector_schedule_cleanup()).
  if (cleanupQueued) {
    const prevCpu = irq.apic.prevCpu;
    if (irq.apic.prevVector && !isOnline(s, prevCpu)) {
      if (s.k.offlineReclaimsMovedVector) {
        log.warn('__vector_schedule_cleanup', `IRQ ${irq.virq} schedule cleanup for offline CPU ${prevCpu}`);
        freeMovedVector(s, irq, log);
      } else {
        // Before a6c11c0a5235 only prev_vector is cleared: the vector stays allocated on the offline CPU.
        log.event('__send_cleanup_vector', `IRQ ${irq.virq}: CPU ${prevCpu} is offline, vector ${vec(irq.apic.prevVector)} there is not freed (leaked)`);
        irq.apic.prevVector = 0;
        irq.apic.moveInProgress = false;
      }
    } else {
      freeMovedVector(s, irq, log);
    }
  }
}

/** arm64 ITS and riscv64 IMSIC: the message reaches the ITS doorbell or a hart's interrupt file. */
function firePlatform(s: SimState, irq: Irq, log: Log): Delivery {
  const stored = deviceMsg(s, irq);
  if (!stored) return lost(`${irq.device.name} holds no message for this vector`, log, 'msi_domain_write_msg');
  const msg = irq.msiBlock ? { ...stored, data: stored.data | irq.index } : stored;
  log.event('device', `${irq.device.name} writes ${msgText(msg)}`);
  if (decodeMsg(msg).format === 'zero') return lost('the message is all zero (deactivated): the write goes to address 0, not to an interrupt', log, 'msi_domain_deactivate');
  let cpu: number;
  let what: string;
  const imsic = imsicOf(irq.chain);
  if (imsic) {
    const r = imsicRoute(s, imsic, msg);
    if (typeof r === 'string') return lost(r, log, 'imsic');
    if (s.vectorIrq.get(r.cpu, r.id) !== irq.virq) return lost(`hart ${r.cpu}: identity ${r.id} belongs to no handler of this IRQ: lost`, log, 'imsic_handle_irq');
    cpu = r.cpu;
    what = `identity ${r.id}`;
  } else {
    const r = itsDeliver(s, irq, msg, log);
    if ('delivered' in r) return lost(r.reason, log, 'its');
    cpu = r.cpu;
    what = `LPI ${r.lpi}`;
  }
  if (!s.cpuOnline[cpu]) return lost(`CPU ${cpu} is offline: the interrupt is lost`, log, 'gic');
  if (!irq.started) return lost(`IRQ ${irq.virq} has no handler (request_irq() not done)`, log, 'handle_fasteoi_irq');
  log.event(imsic ? 'imsic_handle_irq' : 'gic_handle_irq', `CPU ${cpu} ${what} → IRQ ${irq.virq} (${irq.device.name}[${irq.index}]) handled`);
  return { delivered: true, cpu, vector: irq.apic.vector, reason: `handled on CPU ${cpu}, ${what}` };
}

/** An assigned device's interrupt in a guest: through the host to the guest's vCPU. */
function fireGuestIrq(gs: SimState, irq: Irq, log: Log): Delivery {
  const hv = gs.hypervisor;
  if (!hv) return lost('no host', log, 'guest');
  const host = hv.host;
  const guestMsg = deviceMsg(gs, irq);
  const { msg, via } = physicalMsg(host, gs, irq, guestMsg);
  if (!msg) return lost(`${irq.device.name} holds no message for this vector (the guest has not activated it)`, log, 'guest');
  log.event('device', `${irq.device.name} (in ${gs.system.name}) writes ${msgText(msg)}: ${via}`);
  const d = decodeMsg(msg);
  if (d.format === 'zero') return lost('the message is all zero (deactivated): the write goes to address 0, not to an interrupt', log, 'msi_domain_deactivate');
  if (hasHcall(irq) || !trapped(irq)) {
    const t = hostIrteFor(host, irq, msg);
    const who = hasHcall(irq) ? '' : `${gs.system.name} wrote its own message where the VMM cannot trap it; `;
    if (d.format === 'compat' && hostRemapOf(irq)?.domainKind !== 'amd-ir') {
      return lost(`${who}the host reads a compat message to APIC ID ${hex(d.dest)} vector ${vec(d.vector)}: a host CPU where no handler owns that vector, so the interrupt never reaches the guest`, log, 'common_interrupt');
    }
    if (!t || !t.present) return lost(`${who}the host IOMMU reads handle ${hex(t?.slot ?? 0)} as host IRTE ${hex(t?.slot ?? 0)}: not present, the interrupt is blocked`, log, 'iommu');
    if (!t.sidOk) return lost(`${who}host IRTE ${hex(t.slot)} belongs to another requester: the source-ID check blocks the interrupt`, log, 'iommu');
    if (!t.posted || t.posted.guest !== gs.system.name) return lost(`${who}host IRTE ${hex(t.slot)} does not post to ${gs.system.name}: the interrupt goes elsewhere`, log, 'iommu');
    log.event('iommu', `host IRTE ${hex(t.slot)}: posted interrupt to ${gs.system.name} vCPU ${t.posted.vcpu} vector ${vec(t.posted.vector)}`);
    return deliverInGuest(gs, irq, t.posted.vcpu, t.posted.vector, 'posted interrupt', log);
  }
  // Trap-and-emulate: the host IRQ fires, vfio's handler signals the eventfd, KVM injects.
  const binding = gs.bindings.get(irq.virq);
  const shared = binding ? host.irqs.get(binding.hostVirq) : undefined;
  if (!shared) return lost('the VMM has not set up a host IRQ for this vector', log, 'vfio');
  const hostIrq = writableIrq(host, shared);
  const hd = fireIrq(host, hostIrq, log);
  if (!hd.delivered) return lost(`on the host: ${hd.reason}`, log, 'vfio');
  log.event('vfio_msihandler', `host IRQ ${hostIrq.virq} → eventfd → irqfd: KVM injects vector ${vec(irq.apic.hwVector)} into ${gs.system.name} vCPU ${irq.apic.hwCpu}`);
  return deliverInGuest(gs, irq, irq.apic.hwCpu, irq.apic.hwVector, 'KVM injection', log);
}
