// Runs a scenario like the kernel would: boot state, then each step as the
// kernel operation it models, recording a Trace. Pure and deterministic: no
// I/O, no clocks, no randomness; failures are data (architecture.md).
import type * as A from '../../../grammar/index.js';
import { expandCpuList } from '../model/binder.js';
import type { DiagnosticCode } from '../model/catalog.js';
import { diagnostic, type IrqdDiagnostic } from '../model/diagnostic.js';
import type { DeviceSym, ScenarioSym, SystemSym } from '../model/types.js';
import { fireIrq } from './deliver.js';
import { offlineCpu, onlineCpu } from './hotplug.js';
import { counted, FIRST_EXTERNAL_VECTOR, hex, ISA_IRQ_VECTOR_BASE, kernelFeatures, NR_VECTORS, PIC_CASCADE_VECTOR, systemVectorsInWindow, vec } from './kernel.js';
import { bitmapList, IrqMatrix, type Errno } from './matrix.js';
import { pciAllocIntx } from './intx.js';
import { capFor, deviceMsg, freeIrq, irqSetAffinity, pciAllocIrqVectors, pciFreeIrqVectors, requestIrq } from './msi.js';
import { irteIndex } from './remap.js';
import { guestSystem } from './guest.js';
import { bootImsicMatrix } from './imsic.js';
import { bootIts } from './its.js';
import { acceptsMmio, arcDataFd, mayDma, mayP2p, vfioMigPath, type VfioState } from './vfio.js';
import { bootPasid, pasidAdjustQuota, pasidAlloc, pasidFreeSet, pasidUsed, type PasidResult } from './pasid.js';
import { bootDeclaredState } from './declared.js';
import { cloneState, type Irq, type SimState } from './state.js';
import { irqView, type IrqView } from './views.js';
import type { Log } from './vector.js';

export interface TraceEvent {
  readonly fn: string;
  readonly text: string;
  readonly warning?: boolean;
}

export type StepOutcome = 'ok' | 'failed' | 'expected-failure' | 'not-run' | 'not-simulated';

export interface StepRecord {
  readonly step: A.Step;
  /** 1-based position in the scenario's flat list of steps. */
  readonly ordinal: number;
  readonly outcome: StepOutcome;
  /** A few words for the inlay hint: "→ CPU 1 vec 0x21", "-ENOSPC", "3 IRQs moved". */
  readonly summary: string;
  readonly events: readonly TraceEvent[];
  /** The IRQs the step acted on, as they are after it. */
  readonly views: readonly IrqView[];
}

export interface Trace {
  readonly scenario: ScenarioSym;
  readonly system: SystemSym;
  readonly records: readonly StepRecord[];
  readonly diagnostics: readonly IrqdDiagnostic[];
  /** Whether the scenario ran to its end without an unexpected failure. */
  readonly passed: boolean;
  /** Why the scenario was not simulated at all, if it was not. */
  readonly skipped?: string;
}

/** Kernel warnings that are WARN_ON_ONCE(): reported once per scenario run. */
const WARN_ONCE = new Set(['__irq_msi_compose_msg']);

/** The most steps one scenario may execute (a bound on the work any input causes). */
export const MAX_STEPS = 20000;
/** The most IRQs one scenario may hold at once (a bound on memory and time). */
export const MAX_IRQS = 65536;
/** What a step record keeps: the first IRQ views and kernel events (hovers show fewer). */
const MAX_VIEWS_PER_STEP = 16;
const MAX_EVENTS_PER_STEP = 400;

function errnoText(e: Errno): string {
  return `-${e}`;
}

/** The first dynamic IRQ number: after the legacy IRQs and every IO-APIC pin (arch_dynirq_lower_bound()). */
function firstDynamicIrq(system: SystemSym): number {
  const pins = [...system.scope.domains.values()].filter((d) => d.domainKind === 'ioapic').reduce((n, d) => n + (d.props.get('pins') ?? 24), 0);
  return Math.max(16, pins);
}

/** A booted machine's state before any scenario step: no IRQs, devices or VFIO state yet. */
function stateBoot(
  system: SystemSym,
  k: SimState['k'],
  matrix: IrqMatrix,
  vectorIrq: SimState['vectorIrq'],
  firstVirq: number,
  its?: SimState['its'],
): SimState {
  return {
    system,
    k,
    matrix,
    cpuOnline: Array.from({ length: system.cpus }, () => true),
    vectorIrq,
    irqs: new Map(),
    devices: new Map(),
    irteTables: new Map(),
    vfio: new Map(),
    guests: new Map(),
    bindings: new Map(),
    ...(system.pasid ? { pasid: bootPasid(system.pasid) } : {}),
    ...(its ? { its } : {}),
    nextVirq: firstVirq,
    virqHint: firstVirq,
  };
}

/** arm64 and riscv64: every CPU online; the IMSIC's identities in an irq_matrix, the ITS's tables. */
function bootOtherArch(system: SystemSym): SimState {
  const k = kernelFeatures(system);
  const riscv = system.arch === 'riscv64';
  const matrix = riscv ? bootImsicMatrix(system.cpus) : new IrqMatrix(0, 0, 0, system.cpus);
  if (!riscv) for (let c = 0; c < system.cpus; c++) matrix.online(c);
  const vectorIrq = Array.from({ length: system.cpus }, () => new Map<number, number | 'shutdown' | 'retriggered'>());
  // Both architectures number dynamic IRQs from after the legacy range.
  return stateBoot(system, k, matrix, vectorIrq, 16, riscv ? undefined : bootIts(system.cpus));
}

// lapic_assign_system_vectors() and the boot CPU's legacy vectors, then every CPU online (semantics.md §1.2–1.3).
// A system with a declared `state` starts as it was found instead (declared.ts).
export function bootState(system: SystemSym): SimState {
  if (system.arch !== 'x86_64') return bootOtherArch(system);
  if (system.state) return bootDeclaredState(system, quiet).state;
  const k = kernelFeatures(system);
  const matrix = new IrqMatrix(NR_VECTORS, FIRST_EXTERNAL_VECTOR, k.firstSystemVector, system.cpus);
  for (const v of systemVectorsInWindow(k)) matrix.assignSystem(v);
  for (let v = k.firstSystemVector; v < NR_VECTORS; v++) matrix.assignSystem(v);
  const vectorIrq = Array.from({ length: system.cpus }, () => new Map<number, number | 'shutdown' | 'retriggered'>());
  matrix.online(0);
  // With an IO-APIC the legacy IRQs are taken over and only the timer keeps
  // its ISA vector on CPU 0; a legacy-PIC machine keeps all 15 (vector_configure_legacy()).
  const hasIoapic = [...system.scope.domains.values()].some((d) => d.domainKind === 'ioapic');
  for (let irq = 0; irq < 16; irq++) {
    const v = ISA_IRQ_VECTOR_BASE + irq;
    if (v === PIC_CASCADE_VECTOR || (hasIoapic && irq !== 0)) continue;
    matrix.assign(0, v);
    vectorIrq[0]?.set(v, irq);
  }
  for (let cpu = 1; cpu < system.cpus; cpu++) matrix.online(cpu);
  return stateBoot(system, k, matrix, vectorIrq, firstDynamicIrq(system));
}

/** A Log that keeps nothing: the boot of a declared state is not a step. */
const quiet: Log = { event: () => undefined, warn: () => undefined };

/** Why a system cannot be simulated (yet), or undefined. */
export function unsimulatable(system: SystemSym): string | undefined {
  if (!system.cpusKnown) return `system '${system.name}' has no valid 'cpus'`;
  if (system.state && system.arch !== 'x86_64') return `a declared 'state' is simulated on x86_64 only; system '${system.name}' is ${system.arch}`;
  return undefined;
}

class StepFailure {
  constructor(
    readonly code: DiagnosticCode,
    readonly errno: Errno | undefined,
    readonly message: string,
    readonly span?: A.Span,
  ) {}
}

class Runner implements Log {
  /** The kernel the steps act on: the host's, or inside `guest G { }` the guest's. */
  s: SimState;
  private events: TraceEvent[] = [];
  readonly records: StepRecord[] = [];
  readonly diagnostics: IrqdDiagnostic[] = [];
  private executed = 0;
  private failed = false;
  private readonly warnedNoP2p = new Set<string>();
  /** Devices any `vfio` step of the scenario names (the devices of the migration). */
  vfioNamed: ReadonlySet<string> = new Set();
  private readonly warnedOnce = new Set<string>();

  constructor(
    s: SimState,
    private readonly stopAt = Infinity,
  ) {
    this.s = s;
  }

  event(fn: string, text: string): void {
    if (this.events.length < MAX_EVENTS_PER_STEP) this.events.push({ fn, text });
  }

  warn(fn: string, text: string): void {
    // WARN_ON_ONCE() sites print once per boot.
    if (WARN_ONCE.has(fn)) {
      if (this.warnedOnce.has(fn)) return;
      this.warnedOnce.add(fn);
    }
    this.events.push({ fn, text, warning: true });
  }

  get stopped(): boolean {
    return this.failed || this.records.length >= this.stopAt;
  }

  /** Runs a list of steps; after a failure the rest are recorded as not run. */
  runSteps(steps: readonly A.Step[]): void {
    for (const step of steps) {
      if (step.kind === 'guest') {
        this.runGuest(step);
        continue;
      }
      if (this.stopped || this.executed >= MAX_STEPS) {
        if (this.records.length < this.stopAt) this.notRun(step);
        continue;
      }
      this.executed++;
      this.runOne(step);
    }
  }

  /** `guest G { steps }`: the steps act on the guest's kernel, booted at its first block. */
  private runGuest(step: A.GuestStep): void {
    const guest = step.guest ? this.s.system.guests.get(step.guest.text) : undefined;
    if (!guest || this.s.hypervisor) {
      this.runSteps([]);
      return;
    }
    let gs = this.s.guests.get(guest.name);
    if (!gs) {
      gs = bootState(guestSystem(guest));
      gs.hypervisor = { host: this.s, guest };
      this.s.guests.set(guest.name, gs);
    }
    const host = this.s;
    this.s = gs;
    try {
      this.runSteps(step.steps);
    } finally {
      this.s = host;
    }
  }

  private notRun(step: A.Step): void {
    const reason = this.executed >= MAX_STEPS ? `not run: the scenario exceeds ${MAX_STEPS} steps` : 'not run: an earlier step failed';
    this.diagnostics.push(diagnostic('IRQD036', step.span, reason, { unnecessary: true }));
    this.records.push({ step, ordinal: this.records.length + 1, outcome: 'not-run', summary: 'not run', events: [], views: [] });
  }

  private runOne(step: A.Step): void {
    this.events = [];
    let outcome: StepOutcome = 'ok';
    let summary = '';
    let views: IrqView[] = [];
    try {
      const r = this.execute(step);
      summary = r.summary;
      views = r.irqs.slice(0, MAX_VIEWS_PER_STEP).map((irq) => irqView(this.s, irq));
      if (r.notSimulated) outcome = 'not-simulated';
      if (r.expectedFailure) outcome = 'expected-failure';
    } catch (e) {
      if (!(e instanceof StepFailure)) throw e;
      outcome = 'failed';
      this.failed = true;
      summary = e.errno ? errnoText(e.errno) : 'failed';
      this.diagnostics.push(diagnostic(e.code, e.span ?? step.span, e.message));
    }
    // Kernel warnings become diagnostics, except where the failure message
    // already quotes them or a lost interrupt is reported as IRQD037.
    if (outcome === 'ok' && step.kind !== 'fire' && step.kind !== 'unmask') {
      const seen = new Set<string>();
      for (const ev of this.events) {
        const message = `${ev.fn}: ${ev.text}`;
        if (!ev.warning || seen.has(message)) continue;
        seen.add(message);
        this.diagnostics.push(diagnostic('IRQD039', step.span, message));
      }
    }
    this.records.push({ step, ordinal: this.records.length + 1, outcome, summary, events: this.events, views });
  }

  // ---- selections -------------------------------------------------------

  private device(ident: A.Ident | undefined): DeviceSym {
    const dev = ident ? this.s.system.scope.devices.get(ident.text) : undefined;
    if (!dev) throw new StepFailure('IRQD038', undefined, `unknown device '${ident?.text ?? ''}'`, ident?.span);
    return dev;
  }

  private select(sel: A.Selection | undefined): Irq[] {
    if (!sel) throw new StepFailure('IRQD038', undefined, 'no selection');
    if (sel.irq) {
      // /proc/irq/N: any IRQ the kernel has, whoever owns it.
      const irq = this.s.irqs.get(sel.irq.value);
      if (!irq) throw new StepFailure('IRQD038', 'EINVAL', `IRQ ${sel.irq.value} does not exist (no /proc/irq/${sel.irq.value})`, sel.irq.span);
      return [irq];
    }
    const dev = this.device(sel.device);
    const state = this.s.devices.get(dev.name);
    if (!state) throw new StepFailure('IRQD038', 'EINVAL', `${dev.name} has no IRQs: allocate them first with 'alloc ${dev.name} N'`, sel.span);
    if (!sel.indices) return state.virqs.map((v) => this.s.irqs.get(v)).filter((i): i is Irq => i !== undefined);
    const out: Irq[] = [];
    for (const index of expandCpuList(sel.indices)) {
      const virq = state.virqs[index];
      const irq = virq === undefined ? undefined : this.s.irqs.get(virq);
      if (!irq) {
        throw new StepFailure('IRQD038', 'EINVAL', `${dev.name} has ${counted(state.virqs.length, 'IRQ')} allocated (indices 0-${state.virqs.length - 1}); index ${index} is not one of them`, sel.indices.span);
      }
      out.push(irq);
    }
    return out;
  }

  private cpus(list: A.CpuList | undefined): number[] {
    return list ? expandCpuList(list, this.s.system.cpus) : [];
  }

  // ---- steps ------------------------------------------------------------

  private execute(step: A.Step): { summary: string; irqs: Irq[]; notSimulated?: boolean; expectedFailure?: boolean } {
    switch (step.kind) {
      case 'alloc':
        return this.alloc(step);
      case 'free': {
        const dev = this.device(step.device);
        const state = this.s.devices.get(dev.name);
        if (!state) throw new StepFailure('IRQD038', 'EINVAL', `${dev.name} has no IRQs to free`, step.device?.span);
        const live = state.virqs.filter((v) => this.s.irqs.get(v)?.started).length;
        if (live > 0) this.warn('pci_free_irq_vectors', `${counted(live, 'IRQ')} of ${dev.name} still ${live === 1 ? 'has a handler' : 'have handlers'}: free_irq() first (the kernel WARNs)`);
        pciFreeIrqVectors(this.s, dev, this);
        return { summary: `${counted(state.virqs.length, 'IRQ')} freed`, irqs: [] };
      }
      case 'request':
        return this.request(step);
      case 'release': {
        const irqs = this.select(step.selection);
        for (const irq of irqs) {
          if (!irq.started) throw new StepFailure('IRQD038', 'EINVAL', `IRQ ${irq.virq} (${irq.device.name}[${irq.index}]) has no handler: Trying to free already-free IRQ`, step.selection?.span);
          freeIrq(this.s, irq, this);
        }
        return { summary: `${counted(irqs.length, 'IRQ')} released`, irqs };
      }
      case 'affinity':
        return this.affinity(step);
      case 'offline':
        return this.offline(step);
      case 'online': {
        let restarted = 0;
        for (const cpu of this.cpus(step.cpus)) restarted += onlineCpu(this.s, cpu, this).restarted;
        return { summary: restarted ? `${counted(restarted, 'managed IRQ')} restarted` : 'online', irqs: [] };
      }
      case 'mask':
      case 'unmask':
        return this.mask(step);
      case 'fire':
        return this.fire(step.selection);
      case 'expect':
        return this.expect(step);
      case 'vfio':
        return this.vfio(step);
      case 'mmio':
        return this.mmio(step);
      case 'dma':
        return this.dma(step);
      case 'pasid':
        if (this.s.hypervisor) {
          this.diagnostics.push(diagnostic('IRQD040', step.keyword, "'pasid' steps inside a guest are not simulated: PASID sets are the host's"));
          return { summary: 'not simulated', irqs: [], notSimulated: true };
        }
        return this.pasid(step);
      case 'guest':
        return { summary: '', irqs: [] };
    }
  }

  // ---- VFIO migration (semantics.md §10, seed 003) -------------------------

  private vfioState(dev: DeviceSym): VfioState {
    return this.s.vfio.get(dev.name) ?? 'running';
  }

  private hazard(span: A.Span, message: string): void {
    this.diagnostics.push(diagnostic('IRQD042', span, message));
  }

  // VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE → vfio_mig_get_next_state(), arc by arc.
  private vfio(step: A.VfioStep): { summary: string; irqs: Irq[] } {
    const dev = this.device(step.device);
    const target = step.state?.text as VfioState | undefined;
    if (!target) return { summary: '', irqs: [] };
    const caps = dev.migration;
    if (!caps) throw new StepFailure('IRQD041', 'ENOTTY', `${dev.name} has no migration support: VFIO_DEVICE_FEATURE_MIGRATION fails with -ENOTTY`, step.device?.span);
    const cur = this.vfioState(dev);
    const r = vfioMigPath(cur, target, caps, this.s.k);
    if ('refused' in r) throw new StepFailure('IRQD041', 'EINVAL', `${dev.name}: ${cur} → ${target} fails with -EINVAL: ${r.refused}`, step.state?.span);
    for (let i = 1; i < r.path.length; i++) {
      const from = r.path[i - 1] as VfioState;
      const to = r.path[i] as VfioState;
      const fd = arcDataFd(from, to);
      this.event('vfio_mig_get_next_state', `${dev.name}: ${from} → ${to}${fd ? ` (returns a ${fd} data_fd)` : ''}`);
    }
    this.s.vfio.set(dev.name, target);
    this.checkMigrationHazards(step, dev, r.path);
    return { summary: r.path.length > 1 ? r.path.join(' → ') : `already ${target}`, irqs: [] };
  }

  /** Devices that take part in this scenario's migration: those a `vfio` step names. */
  private migrating(): DeviceSym[] {
    return [...this.s.system.scope.devices.values()].filter((d) => this.s.vfio.has(d.name) || this.vfioNamed.has(d.name));
  }

  private checkMigrationHazards(step: A.VfioStep, dev: DeviceSym, path: readonly VfioState[]): void {
    const others = this.migrating().filter((d) => d !== dev);
    if (others.length === 0) return;
    if (!dev.migration?.p2p && !this.warnedNoP2p.has(dev.name)) {
      this.warnedNoP2p.add(dev.name);
      this.hazard(step.device?.span ?? step.span, `${dev.name} has no VFIO_MIGRATION_P2P: in a multi-device migration it cannot be quiesced (RUNNING_P2P) before the others stop, so P2P DMA between the devices may corrupt the migration`);
    }
    // Only a device that was running and now stops can be hit by its peers' P2P DMA mid-save.
    if (mayDma(path[0] ?? 'running') && (path.includes('stop') || path.includes('stop-copy'))) {
      const active = others.filter((d) => mayP2p(this.vfioState(d)));
      if (active.length > 0) {
        this.hazard(step.span, `${dev.name} stops while ${active.map((d) => d.name).join(', ')} can still initiate P2P DMA to it: bring every device to running-p2p before any goes to stop`);
      }
    }
  }

  private mmio(step: A.MmioStep): { summary: string; irqs: Irq[] } {
    const dev = this.device(step.device);
    const state = this.vfioState(dev);
    if (!acceptsMmio(state)) {
      this.hazard(step.span, `MMIO ${step.access ?? 'access'} to ${dev.name} while it is ${state}: the device is not RUNNING, the migration may be corrupted (userspace must not touch MMIO when !RUNNING)`);
    }
    if (!step.bar || !step.offset) return { summary: state === 'running' ? 'ok' : `device ${state}`, irqs: [] };
    return { summary: this.msixAccess(step, dev, step.bar.value, step.offset.value), irqs: [] };
  }

  // vfio_pci_bar_rw() → vfio_pci_core_do_io_rw(): the MSI-X table is excluded from the region fd (semantics.md §11.2).
  private msixAccess(step: A.MmioStep, dev: DeviceSym, bar: number, offset: number): string {
    const n = dev.caps.msix?.count ?? 0;
    const t = dev.msixTable;
    const p = dev.msixPba;
    if (t && bar === t.bar && offset >= t.offset && offset < t.offset + n * 16) {
      const entry = Math.floor((offset - t.offset) / 16);
      if (step.access === 'write') {
        this.diagnostics.push(diagnostic('IRQD045', step.span, `vfio-pci drops writes to the MSI-X table (entry ${entry}): program MSI-X with VFIO_DEVICE_SET_IRQS (VFIO_PCI_MSIX_IRQ_INDEX)`));
        return 'write dropped (MSI-X table)';
      }
      this.event('vfio_pci_core_do_io_rw', `read of MSI-X table entry ${entry} through the region fd: 0xFF bytes`);
      return '→ 0xFF (MSI-X table masked by vfio-pci)';
    }
    if (p && bar === p.bar && offset >= p.offset && offset < p.offset + Math.ceil(n / 64) * 8 && step.access === 'write') {
      this.diagnostics.push(diagnostic('IRQD045', step.span, 'writes to the MSI-X PBA are undefined (PCI: software must not write the pending bits)'));
      return 'PBA write: undefined';
    }
    const page = this.s.system.pageSize;
    const sharesPage = [t, p].some((x) => x && x.bar === bar && Math.floor(x.offset / page) === Math.floor(offset / page));
    if (sharesPage) {
      this.event('vfio-pci', `offset 0x${offset.toString(16)} is in the host page of the MSI-X structures: the access is trapped and emulated`);
      return 'trapped (shares the MSI-X page)';
    }
    return 'ok';
  }

  private dma(step: A.DmaStep): { summary: string; irqs: Irq[] } {
    const dev = this.device(step.device);
    const state = this.vfioState(dev);
    const target = step.target && step.target.text !== 'memory' ? this.device(step.target) : undefined;
    if (!mayDma(state)) {
      this.hazard(step.span, `${dev.name} issues DMA while it is ${state}: a stopped device must not DMA, the migration may be corrupted`);
    } else if (target && !mayP2p(state)) {
      this.hazard(step.span, `${dev.name} initiates P2P DMA in ${state}: in RUNNING_P2P a device must not start P2P DMA`);
    }
    if (target && !acceptsMmio(this.vfioState(target))) {
      this.hazard(step.span, `P2P DMA into ${target.name}, which is ${this.vfioState(target)}: its state is being saved, the write may be lost or corrupt the migration`);
    }
    return { summary: target ? `P2P → ${target.name}` : 'DMA → memory', irqs: [] };
  }

  // ---- PASID sets (semantics.md §12.3, seed 001) ---------------------------

  private pasid(step: A.PasidStep): { summary: string; irqs: Irq[] } {
    const p = this.s.pasid;
    const name = step.set?.text;
    if (!p || !name || !step.op) return { summary: '', irqs: [] };
    let r: PasidResult;
    let call: string;
    if (step.op === 'alloc') {
      const n = step.count?.value ?? 1;
      call = `ioasid_alloc(${name})${n > 1 ? ` × ${n}` : ''}`;
      r = pasidAlloc(p, name, n, this);
    } else if (step.op === 'free') {
      call = `ioasid_free_set(${name})`;
      r = pasidFreeSet(p, this.s.system, name, this);
    } else {
      call = `ioasid_adjust_set(${name}, ${step.count?.value ?? 0})`;
      r = pasidAdjustQuota(p, name, step.count?.value ?? 0, this);
    }
    if ('err' in r) throw new StepFailure('IRQD043', r.err, `${call} fails with ${errnoText(r.err)}: ${r.why}`, step.span);
    return { summary: r.ok, irqs: [] };
  }

  private alloc(step: A.AllocStep): { summary: string; irqs: Irq[] } {
    const dev = this.device(step.device);
    if (step.via?.text === 'ioapic' || (!capFor(dev, step.via?.text) && dev.ioapicPin && !step.via)) return this.allocIntx(step, dev);
    const cap = capFor(dev, step.via?.text);
    if (!cap) throw new StepFailure('IRQD038', 'EINVAL', `${dev.name} has no ${step.via?.text ?? 'interrupt'} capability`, step.device?.span);
    if (!cap.domain) throw new StepFailure('IRQD038', 'EINVAL', `${dev.name}'s ${cap.cap} capability has no domain`, step.device?.span);
    const max = step.count?.value ?? 1;
    const min = step.min?.value ?? max;
    if (this.s.devices.has(dev.name)) throw new StepFailure('IRQD030', 'EINVAL', `${dev.name} already has IRQs allocated: pci_alloc_irq_vectors() returns -EINVAL (free them first)`, step.device?.span);
    if (this.s.irqs.size + Math.min(max, cap.count) > MAX_IRQS) {
      throw new StepFailure('IRQD040', undefined, `irqd simulates at most ${MAX_IRQS} IRQs in one scenario; this allocation would exceed it`, step.span);
    }
    const flags = cap.cap === 'msix' ? 'PCI_IRQ_MSIX' : cap.cap === 'msi' ? 'PCI_IRQ_MSI' : 'IMS';
    const call = `pci_alloc_irq_vectors${step.managed ? '_affinity' : ''}(${dev.name}, ${min}, ${max}, ${flags}${step.managed ? ' | PCI_IRQ_AFFINITY' : ''})`;
    const affd = step.managed ? { pre: step.pre?.value ?? 0, post: step.post?.value ?? 0, ...(step.sets ? { sets: step.sets.sizes.map((n) => n.value) } : {}) } : undefined;
    const r = pciAllocIrqVectors(this.s, dev, cap, min, max, affd, this);
    if (typeof r === 'string') throw new StepFailure('IRQD030', r, `${call} fails with ${errnoText(r)}${this.lastWarning()}`);
    const first = r.irqs[0];
    const last = r.irqs[r.irqs.length - 1];
    const range = first && last ? (first === last ? `IRQ ${first.virq}` : `IRQs ${first.virq}-${last.virq}`) : '';
    this.event(call, `${counted(r.count, 'vector')}: ${range}`);
    const how = r.irqs.every((i) => i.apic.hasReserved) ? ', reserved' : r.irqs.some((i) => i.apic.isManaged) ? ', managed' : '';
    return { summary: `→ ${r.count} IRQ${r.count === 1 ? '' : 's'} (${range.replace('IRQs ', '').replace('IRQ ', '')})${how}`, irqs: r.irqs };
  }

  private allocIntx(step: A.AllocStep, dev: DeviceSym): { summary: string; irqs: Irq[] } {
    const max = step.count?.value ?? 1;
    const min = step.min?.value ?? max;
    const call = `pci_alloc_irq_vectors(${dev.name}, ${min}, ${max}, PCI_IRQ_INTX)`;
    if (this.s.devices.has(dev.name)) throw new StepFailure('IRQD030', 'EINVAL', `${dev.name} already has IRQs allocated: ${call} returns -EINVAL`, step.device?.span);
    const r = pciAllocIntx(this.s, dev, min, this);
    if (typeof r === 'string') throw new StepFailure('IRQD030', r, `${call} fails with ${errnoText(r)}${this.lastWarning()}`);
    const irq = r.irqs[0] as Irq;
    return { summary: `→ INTx IRQ ${irq.virq} (pin ${irq.index}), reserved`, irqs: r.irqs };
  }

  private lastWarning(): string {
    const w = [...this.events].reverse().find((e) => e.warning);
    return w ? ` (${w.text})` : '';
  }

  private request(step: A.SelectionStep): { summary: string; irqs: Irq[] } {
    const irqs = this.select(step.selection);
    for (const irq of irqs) {
      const err = requestIrq(this.s, irq, this);
      if (err) {
        const why = err === 'EBUSY' ? 'it is already requested' : `activation fails${this.lastWarning()}`;
        throw new StepFailure('IRQD032', err, `request_irq(${irq.virq}) for ${irq.device.name}[${irq.index}] fails with ${errnoText(err)}: ${why}`, step.selection?.span);
      }
    }
    return { summary: placement(irqs), irqs };
  }

  private affinity(step: A.AffinityStep): { summary: string; irqs: Irq[] } {
    const irqs = this.select(step.selection);
    const mask = this.cpus(step.cpus);
    let pending = 0;
    for (const irq of irqs) {
      // write_irq_affinity(): irq_can_set_affinity_usr() refuses managed and no-balancing IRQs.
      if (irq.managed) throw new StepFailure('IRQD033', 'EIO', `IRQ ${irq.virq} (${irq.device.name}[${irq.index}]) is managed: writing its smp_affinity_list fails with -EIO`, step.selection?.span);
      if (irq.noBalancing) throw new StepFailure('IRQD033', 'EIO', `IRQ ${irq.virq} (${irq.device.name}) is IRQF_NOBALANCING: writing its smp_affinity_list fails with -EIO`, step.selection?.span);
      if (!mask.some((c) => this.s.cpuOnline[c])) throw new StepFailure('IRQD033', 'EINVAL', `no online CPU in ${bitmapList(mask)}: irq_set_affinity() fails with -EINVAL`, step.cpus?.span);
      const r = irqSetAffinity(this.s, irq, mask, this);
      if (r.kind === 'pending') pending++;
      if (r.kind === 'error') throw new StepFailure('IRQD033', r.err, `irq_set_affinity(${irq.virq}, ${bitmapList(mask)}) fails with ${errnoText(r.err)}${this.lastWarning()}`, step.cpus?.span);
    }
    return { summary: pending === irqs.length && pending > 0 ? `pending → CPU ${bitmapList(mask)} at next interrupt` : placement(irqs), irqs };
  }

  private offline(step: A.HotplugStep): { summary: string; irqs: Irq[] } {
    let moved = 0;
    let shutdown = 0;
    for (const cpu of this.cpus(step.cpus)) {
      const r = offlineCpu(this.s, cpu, this);
      if ('err' in r) {
        throw new StepFailure('IRQD031', r.err, `CPU ${cpu}: ${r.message}; the write to cpu${cpu}/online fails with ${errnoText(r.err)} and CPU ${cpu} stays online`, step.cpus?.span);
      }
      moved += r.moved;
      shutdown += r.shutdown;
    }
    const parts = [`${moved} IRQ${moved === 1 ? '' : 's'} moved`, ...(shutdown ? [`${shutdown} shut down`] : [])];
    return { summary: parts.join(', '), irqs: [] };
  }

  private mask(step: A.SelectionStep): { summary: string; irqs: Irq[] } {
    const irqs = this.select(step.selection);
    const deliveries: string[] = [];
    for (const irq of irqs) {
      const cap = irq.cap === 'ioapic' ? undefined : irq.device.caps[irq.cap];
      if (irq.cap === 'msi' && cap && !cap.maskable) {
        this.warn('pci_msi_mask', `${irq.device.name} has no per-vector mask bits: ${step.kind} has no effect on the device`);
        continue;
      }
      if (step.kind === 'mask') {
        irq.masked = true;
        this.event('pci_msix_mask', `IRQ ${irq.virq}: masked`);
      } else {
        irq.masked = false;
        this.event('pci_msix_unmask', `IRQ ${irq.virq}: unmasked`);
        if (irq.pending) {
          irq.pending = false;
          const d = fireIrq(this.s, irq, this);
          deliveries.push(d.delivered ? 'pending interrupt delivered' : `pending interrupt lost`);
          if (!d.delivered) this.diagnostics.push(diagnostic('IRQD037', step.span, `${irq.device.name}[${irq.index}]: ${d.reason}`));
        }
      }
    }
    return { summary: deliveries[0] ?? step.kind + 'ed', irqs };
  }

  private fire(sel: A.Selection | undefined): { summary: string; irqs: Irq[] } {
    const irqs = this.select(sel);
    let delivered = 0;
    let lastSummary = '';
    for (const irq of irqs) {
      const d = fireIrq(this.s, irq, this);
      if (d.delivered) {
        delivered++;
        lastSummary = `→ CPU ${d.cpu} vec ${vec(d.vector ?? 0)}`;
      } else if (d.pending) {
        lastSummary = 'pending (masked)';
      } else if (sel) {
        this.diagnostics.push(diagnostic('IRQD037', sel.span, `${irq.device.name}[${irq.index}] (IRQ ${irq.virq}): ${d.reason}`));
      }
    }
    const summary = irqs.length === 1 ? (delivered || lastSummary ? lastSummary : 'lost') : `${delivered}/${irqs.length} delivered`;
    return { summary, irqs };
  }

  // ---- expectations -----------------------------------------------------

  private expect(step: A.ExpectStep): { summary: string; irqs: Irq[]; expectedFailure?: boolean; notSimulated?: boolean } {
    const a = step.assertion;
    if (!a) return { summary: '', irqs: [] };
    const fail = (message: string): never => {
      throw new StepFailure('IRQD034', undefined, message, a.span);
    };
    switch (a.kind) {
      case 'fail':
        return this.expectFail(step, a.step, a.errno);
      case 'cpu-available': {
        const cpu = a.cpu?.value ?? 0;
        const c = this.s.matrix.cpus[cpu];
        if (c?.available !== a.count?.value) fail(`CPU ${cpu} has ${c?.available ?? 0} vectors available, not ${a.count?.value}`);
        return { summary: '✓', irqs: [] };
      }
      case 'vfio': {
        const dev = this.device(a.device);
        const state = this.vfioState(dev);
        if (a.state && state !== a.state.text) fail(`${dev.name} is ${state}, not ${a.state.text}`);
        return { summary: '✓', irqs: [] };
      }
      case 'pasid-used': {
        const used = this.s.pasid && a.set ? pasidUsed(this.s.pasid, a.set.text) : undefined;
        if (used !== a.count?.value) fail(`set ${a.set?.text ?? '?'} has ${used ?? 'no'} PASIDs allocated, not ${a.count?.value}`);
        return { summary: '✓', irqs: [] };
      }
      default:
        break;
    }
    const irqs = this.select(a.selection);
    for (const irq of irqs) {
      const who = `${irq.device.name}[${irq.index}] (IRQ ${irq.virq})`;
      switch (a.kind) {
        case 'cpu': {
          const want = this.cpus(a.cpus);
          if (!irq.apic.vector) fail(`${who} has no vector yet (${irq.apic.hasReserved ? 'reserved until request_irq' : irq.managedShutdown ? 'managed, shut down' : 'not activated'})`);
          if (!want.includes(irq.apic.cpu)) fail(`${who} is on CPU ${irq.apic.cpu}, not on ${bitmapList(want)}`);
          break;
        }
        case 'affinity': {
          // show_irq_affinity(AFFINITY_LIST): the pending mask while a move is pending, else the affinity.
          const want = this.cpus(a.cpus);
          const shown = irq.movePending ?? irq.affinity;
          if (bitmapList(shown) !== bitmapList(want)) fail(`${who} has affinity ${bitmapList(shown)}${irq.movePending ? ' (a pending move)' : ''}, not ${bitmapList(want)}`);
          break;
        }
        case 'vector':
          if (irq.apic.vector !== a.vector?.value) fail(`${who} has vector ${irq.apic.vector ? vec(irq.apic.vector) : 'none (0)'}${irq.apic.vector ? ` on CPU ${irq.apic.cpu}` : ''}, not ${a.vector ? vec(a.vector.value) : '?'}`);
          break;
        case 'message': {
          const msg = deviceMsg(this.s, irq);
          if (!msg || msg.addressLo !== a.address?.value || msg.data !== a.data?.value) {
            fail(`${who}: the device holds ${msg ? `${hex(msg.addressLo, 8)} / ${hex(msg.data, 8)}` : 'no message'}, not ${hex(a.address?.value ?? 0, 8)} / ${hex(a.data?.value ?? 0, 8)}`);
          }
          break;
        }
        case 'irte': {
          const index = irteIndex(irq);
          if (index !== a.index?.value) fail(`${who} ${index === undefined ? 'has no IRTE (not remapped)' : `uses IRTE ${hex(index)}`}, not ${hex(a.index?.value ?? 0)}`);
          break;
        }
        case 'lost':
        case 'delivered': {
          const d = irq.lastDelivery;
          if (!d) fail(`${who} has not fired yet: add 'fire ${irq.device.name}[${irq.index}]' first`);
          if (d && (d.delivered !== (a.kind === 'delivered') || (a.kind === 'lost' && d.pending))) {
            fail(`${who}: the last interrupt was ${d.delivered ? 'delivered' : d.pending ? 'held pending (masked), not lost' : `lost (${d.reason})`}`);
          }
          break;
        }
      }
    }
    return { summary: '✓', irqs };
  }

  private expectFail(step: A.ExpectStep, inner: A.Step | undefined, errno: A.Ident | undefined): { summary: string; irqs: Irq[]; expectedFailure: boolean } {
    if (!inner) return { summary: '', irqs: [], expectedFailure: true };
    const want = errno?.text.replace(/^-/, '');
    try {
      const r = this.execute(inner);
      if (r.notSimulated) return { summary: 'not simulated', irqs: [], expectedFailure: true };
      throw new StepFailure('IRQD035', undefined, `expected this step to fail${want ? ` with -${want}` : ''}, but it succeeded (${r.summary})`, inner.span);
    } catch (e) {
      if (!(e instanceof StepFailure) || e.code === 'IRQD035') throw e;
      if (want && e.errno !== want) {
        throw new StepFailure('IRQD035', e.errno, `expected -${want}, but the step fails with ${e.errno ? errnoText(e.errno) : 'another error'}: ${e.message}`, inner.span);
      }
      this.event('expect fail', `fails as expected: ${e.message}`);
      void step;
      return { summary: `${e.errno ? errnoText(e.errno) : 'failed'} as expected`, irqs: [], expectedFailure: true };
    }
  }
}

/** Where a set of IRQs landed, in a few words. */
function placement(irqs: readonly Irq[]): string {
  if (irqs.length === 1) {
    const a = (irqs[0] as Irq).apic;
    return a.vector ? `→ CPU ${a.cpu} vec ${vec(a.vector)}` : (irqs[0] as Irq).managedShutdown ? 'shut down (no CPU)' : `reserved (${vec(a.hwVector)})`;
  }
  const cpus = [...new Set(irqs.filter((i) => i.apic.vector).map((i) => i.apic.cpu))].sort((a, b) => a - b);
  return `${irqs.length} IRQs on CPU${cpus.length === 1 ? '' : 's'} ${bitmapList(cpus)}`;
}

/** The end state of scenarios that others continue (`after`), computed once per analysis. */
export type EndStates = Map<ScenarioSym, { readonly state: SimState; readonly failedAt?: number }>;

/**
 * Where a scenario starts: its system's boot state (or declared state), or
 * with `after S` the end state of S, which must have run to its end.
 */
function startState(scenario: ScenarioSym, system: SystemSym, ends: EndStates, depth = 0): SimState | { skipped: string } {
  const base = scenario.after;
  if (!base) return bootState(system);
  // The binder refuses cycles; the depth bound keeps any other chain finite.
  if (depth > 64) return { skipped: `the chain of 'after' from scenario '${scenario.name}' is longer than 64` };
  let end = ends.get(base);
  if (!end) {
    const from = startState(base, system, ends, depth + 1);
    if ('skipped' in from) return { skipped: `scenario '${base.name}' does not run (${from.skipped})` };
    const runner = new Runner(from);
    runner.vfioNamed = vfioDevicesOf(base.decl.steps);
    runner.runSteps(base.decl.steps);
    const failed = runner.records.find((r) => r.outcome === 'failed');
    end = { state: runner.s, ...(failed ? { failedAt: failed.ordinal } : {}) };
    ends.set(base, end);
  }
  if (end.failedAt !== undefined) return { skipped: `scenario '${base.name}', which this one continues, fails at step ${end.failedAt}` };
  return cloneState(end.state);
}

function skippedTrace(scenario: ScenarioSym, system: SystemSym, why: string): Trace {
  return {
    scenario,
    system,
    records: [],
    diagnostics: [diagnostic('IRQD040', scenario.nameSpan, `scenario not simulated: ${why}`)],
    passed: true,
    skipped: why,
  };
}

/** Runs a scenario from its start state and records its trace. */
export function runScenario(scenario: ScenarioSym, options: { stopAfter?: number; ends?: EndStates } = {}): Trace | undefined {
  const system = scenario.system;
  if (!system) return undefined;
  const why = unsimulatable(system);
  if (why) return skippedTrace(scenario, system, why);
  const start = startState(scenario, system, options.ends ?? new Map());
  if ('skipped' in start) return skippedTrace(scenario, system, start.skipped);
  const runner = new Runner(start, options.stopAfter);
  runner.vfioNamed = vfioDevicesOf(scenario.decl.steps);
  runner.runSteps(scenario.decl.steps);
  const passed = !runner.records.some((r) => r.outcome === 'failed');
  return { scenario, system, records: runner.records, diagnostics: runner.diagnostics, passed };
}

/** The devices named by `vfio` steps, at any depth. */
function vfioDevicesOf(steps: readonly A.Step[]): Set<string> {
  const out = new Set<string>();
  const visit = (s: A.Step): void => {
    if (s.kind === 'vfio' && s.device) out.add(s.device.text);
    if (s.kind === 'expect' && s.assertion?.kind === 'fail' && s.assertion.step) visit(s.assertion.step);
  };
  steps.forEach(visit);
  return out;
}

/** The state after the first `count` steps of a scenario (for hovers "as of step k"). */
export function stateAfter(scenario: ScenarioSym, count: number): SimState | undefined {
  const system = scenario.system;
  if (!system || unsimulatable(system)) return undefined;
  const start = startState(scenario, system, new Map());
  if ('skipped' in start) return undefined;
  const runner = new Runner(start, count);
  runner.vfioNamed = vfioDevicesOf(scenario.decl.steps);
  runner.runSteps(scenario.decl.steps);
  return cloneState(runner.s);
}
