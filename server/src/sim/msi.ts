// The PCI MSI layer and the irqdomain hierarchy around it (kernel/irq/msi.c,
// kernel/irq/irqdomain.c, drivers/pci/msi/, arch/x86/kernel/apic/msi.c):
// allocation child → parent with rollback, activation parent first,
// reservation mode, the message each level writes, and the kernel's masking.
// Affinity changes are in set-affinity.ts.
import type { DeviceSym, DomainSym, InterruptCap } from '../model/types.js';
import { apicDriver, compatMsg, compatTruncates, composeAmd, composeVtd, composeVtdRte, destApicId, isLogical, msgText } from './compose.js';
import { defaultAffinityOf, irqCalcAffinityVectors, irqCreateAffinityMasks, type AffinityDesc, type IrqAffinity } from './affinity.js';
import { counted, vec } from './kernel.js';
import type { Errno } from './matrix.js';
import { assignedFrom, hasHcall, hcallCompose, hostCapOf, trapped } from './guest.js';
import { allocIrtes, clearIrte, freeIrtes, programIrte, remapDomain } from './remap.js';
import { anyOnline, chainOf, platformOf, releaseVirq, writableDevice, writableIts, ZERO_MSG, type Irq, type Msg, type SimState } from './state.js';
import { messagesOf, MsgTable } from './msg-table.js';
import { irqStartupAffinity } from './set-affinity.js';
import { composeImsic, imsicOf, imsicVectorAlloc, imsicVectorFree } from './imsic.js';
import { composeIts, itsAddLoad, itsAllocEvents, itsFreeEvent, itsOf, itsTarget } from './its.js';
import {
  activateVector,
  deactivateVector,
  freeVector,
  reserveIrqVector,
  reserveManagedVector,
  type Log,
} from './vector.js';

/** Remapped by an IOMMU, or (in a guest) by the hypervisor behind the hcall domain: moves are immediate. */
export function isRemapped(irq: Irq): boolean {
  return remapDomain(irq.chain) !== undefined || hasHcall(irq);
}

/** The message the MSI level composes from the levels below it (irq_chip_compose_msi_msg()). */
export function composeFor(s: SimState, irq: Irq): Msg {
  const its = itsOf(irq.chain);
  if (its) return composeIts(its, irq.event ?? irq.index);
  const imsic = imsicOf(irq.chain);
  if (imsic) return composeImsic(imsic, irq.apic.hwCpu, irq.apic.hwVector);
  const ir = remapDomain(irq.chain);
  if (ir && irq.irte) {
    if (ir.domainKind === 'amd-ir') return composeAmd(irq.irte.index + irq.irte.subhandle);
    return irq.cap === 'ioapic' ? composeVtdRte(irq.irte.index, irq.index) : composeVtd(irq.irte.index, irq.irte.subhandle);
  }
  const driver = apicDriver(s.system);
  const msg = compatMsg(irq.apic.hwVector, destApicId(driver, irq.apic.hwCpu, s.system), isLogical(driver), s.system.extDestId);
  // ioapic_setup_msg_from_msi(): a PCI INTx RTE is level triggered and active low; an ISA line is edge, active high.
  if (irq.cap !== 'ioapic' || irq.device.ioapicPin?.trigger === 'edge') return msg;
  return { ...msg, data: msg.data | (1 << 15) | (1 << 14) };
}

/** Whether composeFor() gives a compat message whose destination APIC ID does not fit (__irq_msi_compose_msg()'s WARN). */
function composeTruncates(s: SimState, irq: Irq): boolean {
  if (itsOf(irq.chain) || imsicOf(irq.chain) || (remapDomain(irq.chain) && irq.irte)) return false;
  return compatTruncates(destApicId(apicDriver(s.system), irq.apic.hwCpu, s.system), s.system.extDestId);
}

/** The entry of the device that holds this IRQ's message (MSI: the block's first). */
function entryOf(irq: Irq): number {
  return irq.msiBlock ? 0 : irq.index;
}

/** The IO-APIC redirection entries, as messages, keyed by GSI (IRQ number). */
const rteKey = (irq: Irq): string => `ioapic:${irq.virq}`;

export function deviceMsg(s: SimState, irq: Irq): Msg | undefined {
  if (irq.cap === 'ioapic') return s.devices.get(rteKey(irq))?.msgs.get(0);
  return s.devices.get(irq.device.name)?.msgs.get(entryOf(irq));
}

// pci_msi_domain_write_msg(): only the first IRQ of a multi-MSI block writes.
export function writeMsg(s: SimState, irq: Irq, msg: Msg, log: Log, why: string): void {
  if (irq.msiBlock && irq.msiBlock.first !== irq.virq) return;
  if (irq.cap === 'ioapic') {
    const key = rteKey(irq);
    const rte = writableDevice(s, key);
    if (rte) rte.msgs.set(0, msg);
    else s.devices.set(key, { cap: 'ioapic', virqs: [], msgs: messagesOf(0, msg) });
  }
  const dev = writableDevice(s, irq.device.name);
  if (!dev) return;
  dev.msgs.set(entryOf(irq), msg);
  if (irq.cap === 'ioapic') log.lazy('ioapic_configure_entry', rteText, irq.index, msg, why);
  else log.lazy('pci_msi_domain_write_msg', writeText, irq.device.name, irq.cap, irq.index, msg, why);
}

// The texts of the per-IRQ events, made when a trace is read (Log.lazy()).
const rteText = (pin: number, msg: Msg, why: string): string => `IO-APIC pin ${pin} RTE ← ${msgText(msg)} as a message (${why})`;
const writeText = (device: string, cap: Irq['cap'], index: number, msg: Msg, why: string): string => {
  const what = cap === 'msix' ? `MSI-X entry ${index}` : cap === 'ims' ? `IMS entry ${index}` : 'MSI capability';
  return `${device} ${what} ← ${msgText(msg)} (${why})`;
};
const sharedText = (virq: number): string => `IRQ ${virq} is shared: another handler is added`;
const startupAbortText = (virq: number): string => `IRQ ${virq}: no online CPU in its mask, stays shut down`;
const kernelMaskedText = (virq: number): string => `IRQ ${virq}: masked at the device (irq_shutdown())`;
const kernelUnmaskedText = (virq: number): string => `IRQ ${virq}: unmasked at the device (irq_startup())`;

export function composeAndWrite(s: SimState, irq: Irq, log: Log, why: string): void {
  const msg = composeFor(s, irq);
  if (composeTruncates(s, irq)) log.warn('__irq_msi_compose_msg', `APIC ID ${irq.apic.hwCpu} does not fit in 8 bits: the destination is truncated`);
  writeMsg(s, irq, msg, log, why);
}

// __irq_domain_activate_irq(): the parent first (VECTOR, then IR or the hcall level), then the MSI level writes the message.
export function activateHierarchy(s: SimState, irq: Irq, reserve: boolean, log: Log): Errno | undefined {
  const platform = platformOf(irq.chain);
  if (platform !== 'x86') {
    // its_irq_domain_activate(): MAPTI to the least loaded CPU; the IMSIC identity exists since allocation.
    if (platform === 'its') {
      const err = itsTarget(s, irq, irq.affinity, log, 'its_irq_domain_activate');
      if (err) return err;
    } else if (!irq.apic.vector) {
      const err = imsicVectorAlloc(s, irq, irq.affinity, log);
      if (err) return err;
    }
    composeAndWrite(s, irq, log, 'activation');
    irq.activated = true;
    return undefined;
  }
  const err = activateVector(s, irq, reserve, log);
  if (err) return err;
  const hv = s.hypervisor;
  if (hv && hasHcall(irq) && !reserve) {
    // The hcall level: the hypervisor allocates and composes; the guest writes what it returns.
    const msg = hcallCompose(hv.host, hv.guest, s, irq, log);
    if (typeof msg === 'string') return msg;
    writeMsg(s, irq, msg, log, 'the message the hypercall returned');
    irq.activated = true;
    return undefined;
  }
  if (remapDomain(irq.chain)) programIrte(s, irq, log);
  composeAndWrite(s, irq, log, reserve ? 'reservation mode: placeholder vector' : 'activation');
  if (hv && trapped(irq) && !reserve) {
    const bound = trapBind(hv.host, s, irq, log);
    if (bound) return bound;
  }
  irq.activated = true;
  return undefined;
}

// The VMM traps the guest's table write: vfio-pci enables the entry on the host
// (vfio_msi_set_vector_signal(): pci_alloc_irq_vectors() once, request_irq()
// per entry) and KVM routes the host IRQ to the guest's vCPU and vector.
function trapBind(host: SimState, gs: SimState, irq: Irq, log: Log): Errno | undefined {
  if (gs.bindings.has(irq.virq)) return undefined;
  const from = assignedFrom(irq.device);
  const target = hostCapOf(irq);
  if (!from || !target) return undefined;
  // An emulated sub-device gets its own slice of the parent's IMS on the host.
  const sub = from.assignment.sub;
  const hostDev: DeviceSym = sub ? { ...target.dev, name: `${target.dev.name}:${sub.name}` } : target.dev;
  if (!host.devices.has(hostDev.name)) {
    const wanted = gs.devices.get(irq.device.name)?.virqs.length ?? 1;
    const r = pciAllocIrqVectors(host, hostDev, target.cap, 1, wanted, undefined, log);
    if (typeof r === 'string') return r;
  }
  const hostVirq = host.devices.get(hostDev.name)?.virqs[irq.index];
  const hostIrq = hostVirq === undefined ? undefined : host.irqs.writable(hostVirq);
  if (!hostIrq || hostVirq === undefined) return 'ENOSPC';
  if (!hostIrq.started) {
    const err = requestIrq(host, hostIrq, log);
    if (err) return err;
  }
  gs.bindings.set(irq.virq, { kind: 'trap', hostVirq });
  log.event('vfio_msi_set_vector_signal', `${gs.system.name}: ${irq.device.name}[${irq.index}] → host IRQ ${hostVirq} (CPU ${hostIrq.apic.cpu} vector ${vec(hostIrq.apic.vector)}); KVM injects the guest's vector`);
  return undefined;
}

// __irq_domain_deactivate_irq(): own level first (a zero message), then IR, then VECTOR.
export function deactivateHierarchy(s: SimState, irq: Irq, log: Log): void {
  if (!irq.activated) return;
  writeMsg(s, irq, ZERO_MSG, log, 'msi_domain_deactivate');
  if (platformOf(irq.chain) !== 'x86') {
    // A managed IMSIC IRQ shut down gives its identity back; it gets a new one at restart.
    if (platformOf(irq.chain) === 'imsic' && irq.managedShutdown) imsicVectorFree(s, irq);
    const its = platformOf(irq.chain) === 'its' ? writableIts(s) : undefined;
    if (its) itsAddLoad(its, irq.apic.cpu, -1, s.cpuOnline[irq.apic.cpu] === true);
    irq.activated = false;
    return;
  }
  if (isRemapped(irq)) clearIrte(s, irq);
  deactivateVector(s, irq, log);
  irq.activated = false;
}

/** msi_check_reservation_mode(): PCI MSI bus tokens only, MSI-X or maskable MSI. */
function canReserve(cap: InterruptCap): boolean {
  if (cap.cap === 'ims') return false;
  return cap.cap === 'msix' || cap.maskable;
}

/** MSI_FLAG_ACTIVATE_EARLY is set by the PCI MSI domains; the IMS template does not set it. */
function activatesEarly(cap: InterruptCap): boolean {
  return cap.cap !== 'ims';
}

/** The lowest n free, contiguous Linux IRQ numbers from the first dynamic one. */
export function lowestFreeVirqs(s: SimState, n: number): number {
  while (s.irqs.has(s.virqHint)) s.virqHint++;
  for (let base = Math.max(s.nextVirq, s.virqHint); ; base++) {
    let free = true;
    for (let i = 0; i < n; i++) {
      if (s.irqs.has(base + i)) {
        free = false;
        base += i;
        break;
      }
    }
    if (free) return base;
  }
}

/**
 * A fresh descriptor for MSI entry `index` (msi_domain_alloc_descs() +
 * irq_alloc_descs()): the lowest free IRQ number, or its place in a multi-MSI
 * block, and its affinity — the managed spread's mask or all CPUs (`all`, the
 * state's one shared list of every CPU: affinities are replaced, never
 * mutated, and a copy per IRQ costs cpus × IRQs on every keystroke).
 */
function msiDescAlloc(
  s: SimState,
  dev: DeviceSym,
  cap: InterruptCap,
  chain: DomainSym[],
  at: { index: number; offset: number; desc: AffinityDesc | undefined; all: readonly number[]; apicManaged: boolean },
  block: { first: number; count: number } | undefined,
): Irq {
  const managed = at.desc?.managed === true;
  const irq: Irq = {
    virq: block ? block.first + at.offset : lowestFreeVirqs(s, 1),
    device: dev,
    cap: cap.cap,
    index: at.index,
    chain,
    apic: { vector: 0, cpu: 0, prevVector: 0, prevCpu: 0, moveInProgress: false, isManaged: at.apicManaged, canReserve: false, hasReserved: false, hwVector: 0, hwCpu: 0 },
    affinity: at.desc?.mask ?? at.all,
    managed,
    irqdCanReserve: false,
    activated: false,
    started: false,
    managedShutdown: false,
    // msix_capability_init() → msix_mask_all(), msi_capability_init() → pci_msi_mask(): masked until irq_startup().
    masked: cap.cap === 'msix' || (cap.cap === 'msi' && cap.maskable),
    pending: false,
    // Declared now so that the IRTE reference an allocation adds later lives in the object, not in a property store of its own.
    irte: undefined,
  };
  // One object shape for every single-vector descriptor (the common case); a multi-MSI block adds its block.
  return block ? { ...irq, msiBlock: block } : irq;
}

/** One allocation attempt of n entries, all or nothing (irq_domain_alloc_irqs_locked() + msi_init_virq()). */
function allocOnce(
  s: SimState,
  dev: DeviceSym,
  cap: InterruptCap,
  n: number,
  affd: IrqAffinity | undefined,
  log: Log,
  entries?: readonly number[],
): { irqs: Irq[] } | { err: Errno; done: number } {
  const chain = chainOf(cap.domain);
  const all = defaultAffinityOf(s);
  const masks = affd ? irqCreateAffinityMasks(s.system, n, affd, all) : [];
  // irq_alloc_descs(): each descriptor's IRQs are the lowest free contiguous numbers.
  const block = cap.cap === 'msi' && n > 1 ? { first: lowestFreeVirqs(s, n), count: n } : undefined;
  if (platformOf(chain) !== 'x86') return allocOncePlatform(s, dev, cap, { n, masks, all, block }, chain, log);
  const ir = remapDomain(chain);
  const irqs: Irq[] = [];
  const rollback = (): void => {
    for (const irq of irqs) {
      freeIrtes(s, irq);
      freeVector(s, irq);
      releaseVirq(s, irq.virq);
    }
  };
  // A multi-MSI block is one descriptor: its IRQs are allocated together; any other IRQ is a descriptor of its own.
  const nvec = block ? n : 1;
  for (let index = 0; index < n; ) {
    // The descriptor's IRQs are the last nvec of irqs (no array per descriptor: this runs for every IRQ).
    const from = irqs.length;
    for (let i = 0; i < nvec; i++, index++) {
      const irq = msiDescAlloc(s, dev, cap, chain, { index: entries ? (entries[index] as number) : index, offset: i, desc: masks[index], all, apicManaged: false }, block);
      // x86_vector_alloc_irqs() → assign_irq_vector_policy()
      if (block && !ir && !s.k.multiMsiRejectedEarly) {
        log.event('x86_vector_alloc_irqs', `X86_IRQ_ALLOC_CONTIGUOUS_VECTORS with ${nvec} IRQs: the vector domain cannot give contiguous vectors (-ENOSYS)`);
        rollback();
        return { err: 'ENOSYS', done: index - i };
      }
      if (irq.managed) {
        const err = reserveManagedVector(s, irq, log);
        if (err) {
          rollback();
          return { err, done: index - i };
        }
      } else {
        reserveIrqVector(s, irq, log);
      }
      irqs.push(irq);
      s.irqs.set(irq.virq, irq);
    }
    // intel_irq_remapping_alloc(): the parent first, then the IRTE block; on failure the parent is freed.
    if (ir) {
      const err = allocIrtes(s, irqs, ir, log, from, irqs.length - from);
      if (err) {
        log.event('irq_domain_free_irqs_parent', `IRTE allocation failed: the vector allocation of ${counted(irqs.length - from, 'IRQ')} is undone`);
        rollback();
        return { err, done: index - nvec };
      }
    }
  }
  // msi_init_virq(): MSI_FLAG_ACTIVATE_EARLY activates now; reservation-mode IRQs clear IRQD_ACTIVATED again.
  for (const irq of irqs) {
    // dmar_alloc_hwirq() and hpet_assign_irq() allocate in reservation mode and activate at request_irq().
    if (dev.bus === 'platform') continue;
    const reserve = canReserve(cap);
    if (!reserve) {
      irq.irqdCanReserve = false;
      if (!activatesEarly(cap)) continue;
      if (irq.managed && !anyOnline(s, irq.affinity)) {
        irq.managedShutdown = true;
        s.cpuIrqs.noteManagedShutdown(irq.virq);
        continue;
      }
    }
    const err = activateHierarchy(s, irq, reserve, log);
    if (err) {
      rollback();
      return { err, done: 0 };
    }
    if (reserve) irq.activated = false;
  }
  return { irqs };
}

/**
 * arm64 (ITS) and riscv64 (IMSIC): the hierarchy has no x86 vector level.
 * Allocation takes the ITS events or the IMSIC identities, and
 * MSI_FLAG_ACTIVATE_EARLY activates (composes and writes) at once.
 */
function allocOncePlatform(
  s: SimState,
  dev: DeviceSym,
  cap: InterruptCap,
  req: { n: number; masks: readonly AffinityDesc[]; all: readonly number[]; block: { first: number; count: number } | undefined },
  chain: DomainSym[],
  log: Log,
): { irqs: Irq[] } | { err: Errno; done: number } {
  const { n, masks, all, block } = req;
  const its = itsOf(chain);
  const irqs: Irq[] = [];
  const rollback = (): void => {
    for (const irq of irqs) {
      if (its) itsFreeEvent(s, irq);
      else imsicVectorFree(s, irq);
      releaseVirq(s, irq.virq);
    }
  };
  const events = its ? itsAllocEvents(s, its, dev, n, log) : undefined;
  if (typeof events === 'string') return { err: events, done: 0 };
  for (let index = 0; index < n; index++) {
    const desc = masks[index];
    const irq = msiDescAlloc(s, dev, cap, chain, { index, offset: index, desc, all, apicManaged: desc?.managed === true }, block);
    if (events && typeof events !== 'string') {
      irq.event = events.event + index;
      irq.apic.vector = events.device.lpiBase + irq.event;
      irq.apic.hwVector = irq.apic.vector;
    } else {
      const err = imsicVectorAlloc(s, irq, irq.affinity, log);
      if (err) {
        rollback();
        return { err, done: index };
      }
    }
    irqs.push(irq);
    s.irqs.set(irq.virq, irq);
  }
  for (const irq of irqs) {
    const err = activateHierarchy(s, irq, false, log);
    if (err) {
      rollback();
      return { err, done: 0 };
    }
  }
  return { irqs };
}

/** Chooses the capability: `via`, else MSI-X, then MSI, then IMS (PCI_IRQ_ALL_TYPES order). */
export function capFor(dev: DeviceSym, via: string | undefined): InterruptCap | undefined {
  if (via === 'msi' || via === 'msix' || via === 'ims') return dev.caps[via];
  return dev.caps.msix ?? dev.caps.msi ?? dev.caps.ims;
}

// pci_alloc_irq_vectors_affinity() → __pci_enable_msix_range() / __pci_enable_msi_range(): min..max with retries.
export function pciAllocIrqVectors(
  s: SimState,
  dev: DeviceSym,
  cap: InterruptCap,
  min: number,
  max: number,
  affd: IrqAffinity | undefined,
  log: Log,
): { count: number; irqs: Irq[] } | Errno {
  if (s.devices.has(dev.name)) return 'EINVAL';
  let nvec = Math.min(max, cap.count);
  if (affd) {
    // irq_calc_affinity_vectors(): no more spread vectors than possible CPUs, besides the reserved ones.
    nvec = irqCalcAffinityVectors(s.system, min, nvec, affd);
  }
  const multiOk = remapDomain(chainOf(cap.domain)) !== undefined || platformOf(chainOf(cap.domain)) === 'its';
  if (cap.cap === 'msi' && nvec > 1 && !multiOk && (s.k.multiMsiRejectedEarly || platformOf(chainOf(cap.domain)) === 'imsic')) {
    log.event('pci_msi_domain_supports', 'the parent domain lacks MSI_FLAG_MULTI_PCI_MSI: multi-MSI is capped to 1 vector');
    nvec = 1;
  }
  if (nvec < min) {
    log.event('__pci_enable_msi_range', `only ${counted(nvec, 'vector')} possible, ${min} required`);
    return 'ENOSPC';
  }
  s.devices.set(dev.name, { cap: cap.cap, virqs: [], msgs: new MsgTable() });
  for (;;) {
    const r = allocOnce(s, dev, cap, nvec, affd, log);
    if ('irqs' in r) {
      const state = writableDevice(s, dev.name);
      if (state) for (const irq of r.irqs) state.virqs.push(irq.virq);
      return { count: nvec, irqs: r.irqs };
    }
    // msi_handle_pci_fail(): multi-MSI retries with 1, MSI-X with what was allocated.
    const retry = cap.cap === 'msi' && nvec > 1 ? 1 : r.done;
    if (retry <= 0 || retry < min) {
      s.devices.delete(dev.name);
      if (retry > 0 || (cap.cap === 'msi' && nvec > 1)) return 'ENOSPC';
      return r.err === 'ENOSYS' ? 'ENOSPC' : r.err;
    }
    log.event('__pci_enable_msix_range', `retrying with ${counted(retry, 'vector')}`);
    nvec = retry;
  }
}

// request_irq() → irq_startup(): activation with reserve = false gives the real vector.
export function requestIrq(s: SimState, irq: Irq, log: Log): Errno | undefined {
  if (irq.started && irq.cap === 'ioapic') {
    // A shared INTx line: another action on the same IRQ (IRQF_SHARED), nothing to activate.
    log.lazy('__setup_irq', sharedText, irq.virq);
    return undefined;
  }
  if (irq.started) return 'EBUSY';
  // __setup_irq(): a new handler resets the broken-IRQ detection and clears IRQS_SPURIOUS_DISABLED.
  if (irq.irqCount !== undefined || irq.spuriousDisabled) {
    irq.irqCount = 0;
    irq.irqsUnhandled = 0;
    irq.spuriousDisabled = false;
  }
  if (irq.managed && !anyOnline(s, irq.affinity)) {
    // __irq_startup_managed(): IRQ_STARTUP_ABORT, the IRQ stays shut down until a CPU of its mask comes online.
    irq.managedShutdown = true;
    s.cpuIrqs.noteManagedShutdown(irq.virq);
    irq.started = true;
    log.lazy('__irq_startup_managed', startupAbortText, irq.virq);
    return undefined;
  }
  irq.managedShutdown = false;
  if (platformOf(irq.chain) !== 'x86' && irq.activated) {
    irq.started = true;
    kernelUnmask(irq, log);
    return undefined;
  }
  const err = activateHierarchy(s, irq, false, log);
  if (err) return err;
  if (platformOf(irq.chain) === 'x86') irqStartupAffinity(s, irq, log);
  irq.started = true;
  kernelUnmask(irq, log);
  return undefined;
}

/** Whether the kernel can mask the IRQ at the device: MSI-X, or MSI with per-vector mask bits. */
function kernelMaskable(irq: Irq): boolean {
  if (irq.cap === 'msix') return true;
  return irq.cap === 'msi' && irq.device.caps.msi?.maskable === true;
}

// irq_shutdown() → __irq_disable(desc, true) → mask_irq() → pci_msi_mask_irq(): an interrupt now waits in the PBA.
export function kernelMask(irq: Irq, log: Log): void {
  if (!kernelMaskable(irq) || irq.masked) return;
  irq.masked = true;
  log.lazy('pci_msi_mask_irq', kernelMaskedText, irq.virq);
}

// irq_startup() → __irq_startup() → irq_enable() → unmask_irq() → pci_msi_unmask_irq(). A pending interrupt
// is sent by the device now; the caller delivers it (fireIrq()).
export function kernelUnmask(irq: Irq, log: Log): void {
  if (!kernelMaskable(irq) || !irq.masked) return;
  irq.masked = false;
  log.lazy('pci_msi_unmask_irq', kernelUnmaskedText, irq.virq);
}

// free_irq() → irq_shutdown_and_deactivate()
export function freeIrq(s: SimState, irq: Irq, log: Log): void {
  kernelMask(irq, log);
  deactivateHierarchy(s, irq, log);
  irq.started = false;
  irq.movePending = undefined;
}

// pci_free_irq_vectors() → msi_domain_free_irqs(): top level first (IRTE), then the vector level.
export function pciFreeIrqVectors(s: SimState, dev: DeviceSym, log: Log): void {
  const state = s.devices.get(dev.name);
  if (!state) return;
  if (state.cap === 'ioapic') {
    // acpi_pci_irq_disable() → mp_unmap_irq(): the GSI's IRQ goes when its last user does.
    s.devices.delete(dev.name);
    const gsi = state.virqs[0] ?? -1;
    const shared = [...s.devices.entries()].some(([n, d]) => !n.startsWith('ioapic:') && d.cap === 'ioapic' && d.virqs[0] === gsi);
    const irq = s.irqs.writable(gsi);
    if (irq && !shared) {
      if (irq.started) freeIrq(s, irq, log);
      freeIrtes(s, irq);
      freeVector(s, irq);
      releaseVirq(s, gsi);
    }
    log.event('acpi_pci_irq_disable', `${dev.name}: INTx ${shared ? 'released, the GSI stays for its other users' : `IRQ ${gsi} unmapped`}`);
    return;
  }
  let freed = 0;
  for (const virq of state.virqs) {
    const irq = virq === undefined ? undefined : s.irqs.writable(virq);
    if (!irq) continue;
    msiDomainFreeIrq(s, irq, log);
    freed++;
  }
  s.devices.delete(dev.name);
  log.event('pci_free_irq_vectors', `${dev.name}: ${counted(freed, 'IRQ')} freed`);
}

// msi_domain_free_irqs_range() for one descriptor: shut down, the top level first (IRTE), then the vector level.
function msiDomainFreeIrq(s: SimState, irq: Irq, log: Log): void {
  if (irq.started) freeIrq(s, irq, log);
  else deactivateHierarchy(s, irq, log);
  if (platformOf(irq.chain) === 'its') itsFreeEvent(s, irq);
  else if (platformOf(irq.chain) === 'imsic') imsicVectorFree(s, irq);
  else {
    freeIrtes(s, irq);
    freeVector(s, irq);
  }
  releaseVirq(s, irq.virq);
}

/**
 * pci_msix_alloc_irq_at() (drivers/pci/msi/api.c, 6.2+) →
 * msi_domain_alloc_irq_at(): MSI-X entries added one by one to a device
 * whose MSI-X is enabled, each a descriptor of its own at its table index,
 * allocated and activated as pci_alloc_irq_vectors() does (the caller checked
 * the index is free and inside the table).
 */
export function pciMsixAllocIrqAt(s: SimState, dev: DeviceSym, cap: InterruptCap, entries: readonly number[], log: Log): { irqs: Irq[] } | Errno {
  const r = allocOnce(s, dev, cap, entries.length, undefined, log, entries);
  if ('err' in r) return r.err;
  const state = writableDevice(s, dev.name);
  if (state) for (const irq of r.irqs) state.virqs[irq.index] = irq.virq;
  return r;
}

// pci_msix_free_irq() (drivers/pci/msi/api.c, 6.2+): one entry goes; MSI-X stays enabled with the others.
export function pciMsixFreeIrq(s: SimState, dev: DeviceSym, index: number, log: Log): boolean {
  const state = writableDevice(s, dev.name);
  const virq = state?.virqs[index];
  const irq = virq === undefined ? undefined : s.irqs.writable(virq);
  if (!state || !irq) return false;
  msiDomainFreeIrq(s, irq, log);
  // The table keeps its size: the entry is a hole, as in the descriptor xarray.
  delete state.virqs[index];
  return true;
}
