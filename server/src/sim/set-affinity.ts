// Affinity changes (kernel/irq/manage.c, arch/x86/kernel/apic/msi.c):
// irq_set_affinity_locked() with its deferred move, irq_do_set_affinity()
// per platform with the managed-IRQ housekeeping mask, msi_set_affinity()'s
// two writes without remapping, and the affinity irq_startup() sets up.
import { housekeepingMask, setupAffinityMask } from './affinity.js';
import { apicDriver, composeCompat, destApicId, isLogical } from './compose.js';
import { hasHcall, hcallCompose } from './guest.js';
import { composeImsic, imsicOf, imsicVectorAlloc } from './imsic.js';
import { itsTarget } from './its.js';
import { MANAGED_IRQ_SHUTDOWN_VECTOR, vec } from './kernel.js';
import type { Errno } from './matrix.js';
import { composeAndWrite, isRemapped, writeMsg } from './msi.js';
import { programIrte } from './remap.js';
import { inMask, keptMask, platformOf, type Irq, type SimState } from './state.js';
import { apicSetAffinity, freeMovedVector, type Log } from './vector.js';

const setupMovedText = (virq: number, mask: readonly number[]): string => `IRQ ${virq}: moved to its startup affinity ${mask.join(',')}`;
const storedText = (virq: number, mask: readonly number[]): string => `IRQ ${virq}: affinity ${mask.join(',')} stored until activation`;
const pendingText = (virq: number, mask: readonly number[]): string => `IRQ ${virq}: move to CPUs ${mask.join(',')} pending until its next interrupt (no IRQ_MOVE_PCNTXT)`;

/**
 * irq_startup()'s affinity step, between activation and __irq_startup() on
 * x86 (the MSI and IO-APIC chips set IRQCHIP_AFFINITY_PRE_STARTUP). Its
 * result is ignored, as irq_startup() ignores it.
 */
export function irqStartupAffinity(s: SimState, irq: Irq, log: Log): void {
  if (irq.managed) {
    // IRQ_STARTUP_MANAGED: irq_do_set_affinity(d, aff). activate_managed() already put the vector on a
    // CPU of aff ∩ online, so only the housekeeping mask of isolcpus=managed_irq can move it.
    if (s.system.cmdline.managedIrqHousekeeping) doSetAffinity(s, irq, irq.affinity, log);
    return;
  }
  // __irq_can_set_affinity(): IRQF_NOBALANCING interrupts keep what they have.
  if (irq.noBalancing) return;
  const mask = setupAffinityMask(s, irq);
  const r = doSetAffinity(s, irq, mask, log);
  if (r.kind === 'moved') log.lazy('irq_setup_affinity', setupMovedText, irq.virq, irq.affinity);
}

/**
 * irq_set_affinity_locked(): the kernel-side affinity change a write to
 * smp_affinity_list or a driver's irq_set_affinity_and_hint() makes, after
 * the caller's own checks. A deactivated IRQ stores the mask for activation;
 * a chip that cannot move in process context (x86 without remapping) only
 * records the pending mask, and the move happens in the next interrupt;
 * anything else moves now.
 */
export function irqSetAffinity(s: SimState, irq: Irq, mask: readonly number[], log: Log): SetAffinityResult | { kind: 'stored' | 'pending' } {
  // irqd_set(data, IRQD_AFFINITY_SET), whatever the outcome: irq_setup_affinity() keeps this mask.
  irq.affinitySet = true;
  if (!irq.activated) {
    // irq_set_affinity_deactivated(): stored, applied at activation.
    irq.affinity = keptMask(mask);
    log.lazy('irq_set_affinity_deactivated', storedText, irq.virq, irq.affinity);
    return { kind: 'stored' };
  }
  if (platformOf(irq.chain) === 'x86' && !isRemapped(irq)) {
    // No IRQ_MOVE_PCNTXT: irqd_set_move_pending() + irq_copy_pending(); the mask becomes the affinity when the move succeeds.
    irq.movePending = keptMask(mask);
    s.cpuIrqs.noteMovePending(irq.virq);
    log.lazy('irq_set_affinity', pendingText, irq.virq, irq.movePending);
    return { kind: 'pending' };
  }
  return doSetAffinity(s, irq, mask, log);
}

/** What irq_do_set_affinity() did, for the trace and the inlay hint. */
export type SetAffinityResult = { kind: 'moved' | 'unchanged' } | { kind: 'error'; err: Errno };

// irq_do_set_affinity() on an activated IRQ: IR reprograms the IRTE, plain MSI goes through msi_set_affinity().
export function doSetAffinity(s: SimState, irq: Irq, mask: readonly number[], log: Log): SetAffinityResult {
  const platform = platformOf(irq.chain);
  // The chip gets the housekeeping part of a managed IRQ's mask (isolcpus=managed_irq); the affinity stays the mask.
  const prog = housekeepingMask(s, irq, mask);
  if (platform === 'its') {
    // its_set_affinity(): MOVI to the new collection; the device's message does not change.
    const before = irq.apic.cpu;
    const err = itsTarget(s, irq, prog, log, 'its_set_affinity');
    if (err) return { kind: 'error', err };
    irq.affinity = keptMask(mask);
    return { kind: irq.apic.cpu === before ? 'unchanged' : 'moved' };
  }
  if (platform === 'imsic') {
    // imsic_irq_set_affinity(): a new identity on the new hart, written through the old hart first.
    if (s.cpuOnline[irq.apic.cpu] && inMask(prog, irq.apic.cpu)) return { kind: 'unchanged' };
    const oldCpu = irq.apic.cpu;
    const err = imsicVectorAlloc(s, irq, prog, log);
    if (err) return { kind: 'error', err };
    irq.affinity = keptMask(mask);
    const imsic = imsicOf(irq.chain);
    if (imsic && s.cpuOnline[oldCpu]) writeMsg(s, irq, composeImsic(imsic, oldCpu, irq.apic.vector), log, `the new identity ${irq.apic.vector} on the old hart ${oldCpu} first`);
    composeAndWrite(s, irq, log, 'the new hart');
    return { kind: 'moved' };
  }
  const oldVector = irq.apic.hwVector;
  const oldCpu = irq.apic.hwCpu;
  const before = irq.apic.vector;
  const beforeCpu = irq.apic.cpu;
  const err = apicSetAffinity(s, irq, prog, log);
  if (err) return { kind: 'error', err };
  irq.affinity = keptMask(mask);
  if (irq.apic.vector === before && irq.apic.cpu === beforeCpu) return { kind: 'unchanged' };
  if (isRemapped(irq)) {
    if (s.hypervisor && hasHcall(irq)) {
      // The hypervisor reprograms the posted IRTE; the device's message stays.
      const msg = hcallCompose(s.hypervisor.host, s.hypervisor.guest, s, irq, log);
      if (typeof msg === 'string') return { kind: 'error', err: msg };
    } else {
      // intel_ir_set_affinity(): new IRTE contents, immediate cleanup, IRQ_SET_MASK_OK_DONE (no new message).
      programIrte(s, irq, log);
    }
    freeMovedVector(s, irq, log);
    return { kind: 'moved' };
  }
  if (irq.cap === 'ioapic') {
    // ioapic_set_affinity(): the RTE is rewritten in one go (from the interrupt, the move being deferred).
    composeAndWrite(s, irq, log, 'ioapic_set_affinity');
  } else {
    msiSetAffinity(s, irq, oldVector, oldCpu, log);
  }
  return { kind: 'moved' };
}

// msi_set_affinity(): arch/x86/kernel/apic/msi.c, the non-remapped workaround (semantics.md §5).
function msiSetAffinity(s: SimState, irq: Irq, oldVector: number, oldCpu: number, log: Log): void {
  const a = irq.apic;
  const quirk = s.k.msiSetAffinityCanReserve ? !irq.irqdCanReserve : true;
  const direct = quirk || a.hwVector === oldVector || oldVector === MANAGED_IRQ_SHUTDOWN_VECTOR || !irq.started || a.hwCpu === oldCpu;
  if (direct) {
    composeAndWrite(s, irq, log, 'msi_set_affinity: direct update');
    return;
  }
  if (!s.vectorIrq.has(oldCpu, a.hwVector)) s.vectorIrq.set(oldCpu, a.hwVector, 'retriggered');
  const driver = apicDriver(s.system);
  const first = composeCompat(a.hwVector, destApicId(driver, oldCpu, s.system), isLogical(driver)).msg;
  writeMsg(s, irq, first, log, `msi_set_affinity: first write, new vector ${vec(a.hwVector)} to the old CPU ${oldCpu}`);
  composeAndWrite(s, irq, log, 'msi_set_affinity: second write, new destination');
}
