// The steps of a VFIO live migration and of PASID sets (semantics.md §10–12,
// seeds 001 and 003): the migration state machine arc by arc, the hazards a
// multi-device migration runs into, MMIO and DMA against the devices' states,
// and the IOASID set operations. They act on the runner through StepContext.
import type * as A from '../../../grammar/index.js';
import { diagnostic, type IrqdDiagnostic } from '../model/diagnostic.js';
import type { DeviceSym } from '../model/types.js';
import { errnoText, StepFailure } from './failure.js';
import { pasidAdjustQuota, pasidAlloc, pasidFreeSet, type PasidResult, type PasidState } from './pasid.js';
import { writablePasid, type Irq, type SimState } from './state.js';
import type { Log } from './vector.js';
import { acceptsMmio, arcDataFd, mayDma, mayP2p, vfioMigPath, type VfioState } from './vfio.js';

/** What a step handler returns: the inlay-hint summary and the IRQs it acted on. */
export interface StepResult {
  readonly summary: string;
  readonly irqs: readonly Irq[];
  readonly notSimulated?: boolean;
  readonly expectedFailure?: boolean;
}

/** What these handlers see of the runner (runner.ts). */
export interface StepContext extends Log {
  readonly s: SimState;
  readonly diagnostics: IrqdDiagnostic[];
  /** Devices any `vfio` step of the scenario names (the devices of the migration). */
  readonly vfioNamed: ReadonlySet<string>;
  /** Devices already warned about for lacking VFIO_MIGRATION_P2P. */
  readonly warnedNoP2p: Set<string>;
  device(ident: A.Ident | undefined): DeviceSym;
}
export function vfioState(c: StepContext, dev: DeviceSym): VfioState {
  return c.s.vfio.get(dev.name) ?? 'running';
}

function hazard(c: StepContext, span: A.Span, message: string): void {
  c.diagnostics.push(diagnostic('IRQD042', span, message));
}

// VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE → vfio_mig_get_next_state(), arc by arc.
export function vfioStep(c: StepContext, step: A.VfioStep): StepResult {
  const dev = c.device(step.device);
  const target = step.state?.text as VfioState | undefined;
  if (!target) return { summary: '', irqs: [] };
  const caps = dev.migration;
  if (!caps) throw new StepFailure('IRQD041', 'ENOTTY', `${dev.name} has no migration support: VFIO_DEVICE_FEATURE_MIGRATION fails with -ENOTTY`, step.device?.span);
  const cur = vfioState(c, dev);
  const r = vfioMigPath(cur, target, caps, c.s.k);
  if ('refused' in r) throw new StepFailure('IRQD041', 'EINVAL', `${dev.name}: ${cur} → ${target} fails with -EINVAL: ${r.refused}`, step.state?.span);
  for (let i = 1; i < r.path.length; i++) {
    const from = r.path[i - 1] as VfioState;
    const to = r.path[i] as VfioState;
    const fd = arcDataFd(from, to);
    c.event('vfio_mig_get_next_state', `${dev.name}: ${from} → ${to}${fd ? ` (returns a ${fd} data_fd)` : ''}`);
  }
  c.s.vfio.set(dev.name, target);
  checkMigrationHazards(c, step, dev, r.path);
  return { summary: r.path.length > 1 ? r.path.join(' → ') : `already ${target}`, irqs: [] };
}

/** Devices that take part in this scenario's migration: those a `vfio` step names. */
function migrating(c: StepContext): DeviceSym[] {
  return [...c.s.system.scope.devices.values()].filter((d) => c.s.vfio.has(d.name) || c.vfioNamed.has(d.name));
}

function checkMigrationHazards(c: StepContext, step: A.VfioStep, dev: DeviceSym, path: readonly VfioState[]): void {
  const others = migrating(c).filter((d) => d !== dev);
  if (others.length === 0) return;
  if (!dev.migration?.p2p && !c.warnedNoP2p.has(dev.name)) {
    c.warnedNoP2p.add(dev.name);
    hazard(c, step.device?.span ?? step.span, `${dev.name} has no VFIO_MIGRATION_P2P: in a multi-device migration it cannot be quiesced (RUNNING_P2P) before the others stop, so P2P DMA between the devices may corrupt the migration`);
  }
  // Only a device that was running and now stops can be hit by its peers' P2P DMA mid-save.
  if (mayDma(path[0] ?? 'running') && (path.includes('stop') || path.includes('stop-copy'))) {
    const active = others.filter((d) => mayP2p(vfioState(c, d)));
    if (active.length > 0) {
      hazard(c, step.span, `${dev.name} stops while ${active.map((d) => d.name).join(', ')} can still initiate P2P DMA to it: bring every device to running-p2p before any goes to stop`);
    }
  }
}

export function mmioStep(c: StepContext, step: A.MmioStep): StepResult {
  const dev = c.device(step.device);
  const state = vfioState(c, dev);
  if (!acceptsMmio(state)) {
    hazard(c, step.span, `MMIO ${step.access ?? 'access'} to ${dev.name} while it is ${state}: the device is not RUNNING, the migration may be corrupted (userspace must not touch MMIO when !RUNNING)`);
  }
  if (!step.bar || !step.offset) return { summary: state === 'running' ? 'ok' : `device ${state}`, irqs: [] };
  return { summary: msixAccess(c, step, dev, step.bar.value, step.offset.value), irqs: [] };
}

// vfio_pci_bar_rw() → vfio_pci_core_do_io_rw(): the MSI-X table is excluded from the region fd (semantics.md §11.2).
function msixAccess(c: StepContext, step: A.MmioStep, dev: DeviceSym, bar: number, offset: number): string {
  const n = dev.caps.msix?.count ?? 0;
  const t = dev.msixTable;
  const p = dev.msixPba;
  if (t && bar === t.bar && offset >= t.offset && offset < t.offset + n * 16) {
    const entry = Math.floor((offset - t.offset) / 16);
    if (step.access === 'write') {
      c.diagnostics.push(diagnostic('IRQD045', step.span, `vfio-pci drops writes to the MSI-X table (entry ${entry}): program MSI-X with VFIO_DEVICE_SET_IRQS (VFIO_PCI_MSIX_IRQ_INDEX)`));
      return 'write dropped (MSI-X table)';
    }
    c.event('vfio_pci_core_do_io_rw', `read of MSI-X table entry ${entry} through the region fd: 0xFF bytes`);
    return '→ 0xFF (MSI-X table masked by vfio-pci)';
  }
  if (p && bar === p.bar && offset >= p.offset && offset < p.offset + Math.ceil(n / 64) * 8 && step.access === 'write') {
    c.diagnostics.push(diagnostic('IRQD045', step.span, 'writes to the MSI-X PBA have no defined effect (PCI: software must not write the pending bits)'));
    return 'PBA write: no defined effect';
  }
  const page = c.s.system.pageSize;
  const sharesPage = [t, p].some((x) => x && x.bar === bar && Math.floor(x.offset / page) === Math.floor(offset / page));
  if (sharesPage) {
    c.event('vfio-pci', `offset 0x${offset.toString(16)} is in the host page of the MSI-X structures: the access is trapped and emulated`);
    return 'trapped (shares the MSI-X page)';
  }
  return 'ok';
}

export function dmaStep(c: StepContext, step: A.DmaStep): StepResult {
  const dev = c.device(step.device);
  const state = vfioState(c, dev);
  const target = step.target && step.target.text !== 'memory' ? c.device(step.target) : undefined;
  if (!mayDma(state)) {
    hazard(c, step.span, `${dev.name} issues DMA while it is ${state}: a stopped device must not DMA, the migration may be corrupted`);
  } else if (target && !mayP2p(state)) {
    hazard(c, step.span, `${dev.name} initiates P2P DMA in ${state}: in RUNNING_P2P a device must not start P2P DMA`);
  }
  if (target && !acceptsMmio(vfioState(c, target))) {
    hazard(c, step.span, `P2P DMA into ${target.name}, which is ${vfioState(c, target)}: its state is being saved, the write may be lost or corrupt the migration`);
  }
  return { summary: target ? `P2P → ${target.name}` : 'DMA → memory', irqs: [] };
}

// ---- PASID sets (semantics.md §12.3, seed 001) ---------------------------

export function pasidStep(c: StepContext, step: A.PasidStep): StepResult {
  const name = step.set?.text;
  if (!c.s.pasid || !name || !step.op) return { summary: '', irqs: [] };
  // Every operation may change the sets: this state's own copy.
  const p = writablePasid(c.s) as PasidState;
  let r: PasidResult;
  let call: string;
  if (step.op === 'alloc') {
    const n = step.count?.value ?? 1;
    call = `ioasid_alloc(${name})${n > 1 ? ` × ${n}` : ''}`;
    r = pasidAlloc(p, name, n, c);
  } else if (step.op === 'free') {
    call = `ioasid_free_set(${name})`;
    r = pasidFreeSet(p, c.s.system, name, c);
  } else {
    call = `ioasid_adjust_set(${name}, ${step.count?.value ?? 0})`;
    r = pasidAdjustQuota(p, name, step.count?.value ?? 0, c);
  }
  if ('err' in r) throw new StepFailure('IRQD043', r.err, `${call} fails with ${errnoText(r.err)}: ${r.why}`, step.span);
  return { summary: r.ok, irqs: [] };
}
