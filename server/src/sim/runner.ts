// The Runner: executes a scenario's steps one by one as the kernel operations
// they model, records a StepRecord per step (trace.ts) and turns failures
// into diagnostics. The VFIO and PASID steps are in steps-migration.ts.
import type * as A from '../../../grammar/index.js';
import { expandCpuList } from '../model/binder.js';
import { diagnostic, type IrqdDiagnostic } from '../model/diagnostic.js';
import type { DeviceSym } from '../model/types.js';
import { bootState, type Copies } from './boot.js';
import { fireIrq } from './deliver.js';
import { expectStep, type ExpectRunner } from './expect.js';
import { errnoText, StepFailure } from './failure.js';
import { guestSystem } from './guest.js';
import { hotplugCallbackWork } from './drivers.js';
import { offlineCpu, onlineCpu } from './hotplug.js';
import { pciAllocIntx } from './intx.js';
import { counted, vec } from './kernel.js';
import { bitmapList } from './matrix.js';
import { capFor, freeIrq, kernelMask, pciAllocIrqVectors, pciFreeIrqVectors, pciMsixAllocIrqAt, pciMsixFreeIrq, requestIrq } from './msi.js';
import { irqSetAffinity } from './set-affinity.js';
import { noteInterrupts, SPURIOUS_LIMIT, SPURIOUS_WINDOW } from './spurious.js';
import { anyOnline, chainOf, forkState, platformOf, unchangingMask, type Irq, type SimState } from './state.js';
import { dmaStep, mmioStep, pasidStep, vfioStep, type StepResult } from './steps-migration.js';
import { LazyEvent, MAX_EVENTS_PER_STEP, MAX_HOTPLUG_OPERATIONS, MAX_IRQS, MAX_STEPS, MAX_VIEWS_PER_STEP, stepRecord, type EventFormat, type StepOutcome, type StepRecord, type TraceEvent } from './trace.js';
import { captureIrq, type IrqCapture } from './views.js';

const maskedText = (virq: number): string => `IRQ ${virq}: masked`;
const unmaskedText = (virq: number): string => `IRQ ${virq}: unmasked`;

/** Kernel warnings that are WARN_ON_ONCE(): reported once per scenario run. */
const WARN_ONCE = new Set(['__irq_msi_compose_msg']);

export interface RunnerOptions {
  /** Stop after this many records (stateAfter()). */
  readonly stopAt?: number;
  /**
   * Test mode (test/sim/forks.test.ts): fork the state before every step, so
   * that each step writes a fork of what the steps before it made and any
   * write that bypasses the copy-on-write accessors hits a sealed state.
   */
  readonly forkEachStep?: boolean;
  /** How a guest's boot state is made (boot.ts). */
  readonly copies?: Copies;
}

export class Runner implements ExpectRunner {
  /** The kernel the steps act on: the host's, or inside `guest G { }` the guest's. */
  s: SimState;
  private events: TraceEvent[] = [];
  /** Events of the current step past MAX_EVENTS_PER_STEP: counted, not kept. */
  private moreEvents = 0;
  readonly records: StepRecord[] = [];
  readonly diagnostics: IrqdDiagnostic[] = [];
  private executed = 0;
  /** CPUs taken down or brought up so far, against MAX_HOTPLUG_OPERATIONS. */
  private hotplugOperations = 0;
  private overHotplugLimit = false;
  private failed = false;
  readonly warnedNoP2p = new Set<string>();
  /** Devices any `vfio` step of the scenario names (the devices of the migration). */
  vfioNamed: ReadonlySet<string> = new Set();
  private readonly warnedOnce = new Set<string>();
  private readonly stopAt: number;

  constructor(
    s: SimState,
    private readonly options: RunnerOptions = {},
  ) {
    this.s = s;
    this.stopAt = options.stopAt ?? Infinity;
  }

  event(fn: string, text: string): void {
    if (this.events.length < MAX_EVENTS_PER_STEP) this.events.push({ fn, text });
    else this.moreEvents++;
  }

  lazy<A, B = undefined, C = undefined, D = undefined, E = undefined>(fn: string, format: EventFormat<A, B, C, D, E>, a: A, b?: B, c?: C, d?: D, e?: E): void {
    if (this.events.length < MAX_EVENTS_PER_STEP) this.events.push(new LazyEvent(fn, format as EventFormat<unknown, unknown, unknown, unknown, unknown>, a, b, c, d, e));
    else this.moreEvents++;
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

  /**
   * Runs a list of steps; after a failure the rest are recorded as not run.
   *
   * This defines the order of a trace's records (StepRecord.ordinal): the
   * scenario's steps in document order, a `guest G { … }` block replaced by
   * its own steps in order (no record for the block itself; none for the
   * steps of a block whose guest is unknown or that sits inside another
   * guest block), and an `expect fail STEP` one record, its inner step
   * having none. Moving a trace to a new text re-points records in this order.
   */
  runSteps(steps: readonly A.Step[]): void {
    for (const step of steps) {
      if (step.kind === 'guest') {
        this.runGuest(step);
        continue;
      }
      const hotplug = step.kind === 'offline' || step.kind === 'online' ? this.cpuCount(step.cpus) * this.hotplugWeight() : 0;
      if (hotplug > 0 && this.hotplugOperations + hotplug > MAX_HOTPLUG_OPERATIONS) this.overHotplugLimit = true;
      if (this.stopped || this.executed >= MAX_STEPS || this.overHotplugLimit) {
        if (this.records.length < this.stopAt) this.notRun(step);
        continue;
      }
      this.executed++;
      this.hotplugOperations += hotplug;
      if (this.options.forkEachStep) this.refork();
      this.runOne(step);
    }
  }

  /** forkEachStep: the state (the host's, with its guests) sealed and forked before a step. */
  private refork(): void {
    const hv = this.s.hypervisor;
    if (!hv) {
      this.s = forkState(this.s);
      return;
    }
    const host = forkState(hv.host);
    this.s = host.guests.get(hv.guest.name) as SimState;
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
      gs = bootState(guestSystem(guest), this.options.copies);
      gs.hypervisor = { host: this.s, guest };
      this.s.guests.set(guest.name, gs);
    }
    const host = this.s;
    this.s = gs;
    try {
      this.runSteps(step.steps);
    } finally {
      // The guest's link, not `host`: forkEachStep may have replaced the host meanwhile.
      this.s = this.s.hypervisor?.host ?? host;
    }
  }

  private notRun(step: A.Step): void {
    const reason = this.overHotplugLimit
      ? `not run: the scenario exceeds ${MAX_HOTPLUG_OPERATIONS} CPU hotplug operations (MAX_HOTPLUG_OPERATIONS: each CPU taken down or brought up counts${this.hotplugWeight() > 1 ? `, ${this.hotplugWeight()} times on this system: once, and once for each 64 CPUs and each queue IRQ that virtio-net's hotplug callback re-spreads` : ''})`
      : this.executed >= MAX_STEPS
        ? `not run: the scenario exceeds ${MAX_STEPS} steps (MAX_STEPS)`
        : 'not run: an earlier step failed';
    this.diagnostics.push(diagnostic('IRQD036', step.span, reason, { unnecessary: true }));
    this.records.push(stepRecord({ step, ordinal: this.records.length + 1, outcome: 'not-run', summary: 'not run', events: [], moreEvents: 0 }, []));
  }

  private runOne(step: A.Step): void {
    this.events = [];
    this.moreEvents = 0;
    let outcome: StepOutcome = 'ok';
    let summary = '';
    let captures: IrqCapture[] = [];
    try {
      const r = this.execute(step);
      summary = r.summary;
      // The views as of this step: captured now, formatted when read (trace.ts).
      const n = Math.min(r.irqs.length, MAX_VIEWS_PER_STEP);
      captures = new Array<IrqCapture>(n);
      for (let i = 0; i < n; i++) captures[i] = captureIrq(this.s, r.irqs[i] as Irq);
      if (r.notSimulated) outcome = 'not-simulated';
      if (r.expectedFailure) outcome = 'expected-failure';
    } catch (e) {
      if (!(e instanceof StepFailure)) throw e;
      if (step.kind === 'expect') {
        // An expectation reads the state and changes nothing (for `expect
        // fail`, what its step did stands, as it would on the machine), so
        // the scenario goes on; it fails at its end all the same (engine.ts
        // traceOf()). A selection that names no IRQ is a false expectation too.
        outcome = 'expectation-failed';
        summary = e.expectation ? `✗ ${e.expectation.actual}` : '✗ expectation failed';
        this.diagnostics.push(diagnostic(e.code, e.span ?? step.span, e.message, { ...e.expectation, ...(e.replacements ? { replacements: e.replacements } : {}) }));
      } else {
        outcome = 'failed';
        this.failed = true;
        summary = e.errno ? errnoText(e.errno) : 'failed';
        this.diagnostics.push(diagnostic(e.code, e.span ?? step.span, e.message, e.replacements ? { replacements: e.replacements } : undefined));
      }
    }
    // Kernel warnings become diagnostics, except where the failure message
    // already quotes them or a lost interrupt is reported as IRQD037.
    if (outcome === 'ok' && step.kind !== 'fire' && step.kind !== 'unmask') {
      const seen = new Set<string>();
      for (const ev of this.events) {
        if (!ev.warning) continue;
        const message = `${ev.fn}: ${ev.text}`;
        if (seen.has(message)) continue;
        seen.add(message);
        this.diagnostics.push(diagnostic('IRQD039', step.span, message));
      }
    }
    this.records.push(stepRecord({ step, ordinal: this.records.length + 1, outcome, summary, events: this.events, moreEvents: this.moreEvents }, captures));
  }

  // ---- selections -------------------------------------------------------

  device(ident: A.Ident | undefined): DeviceSym {
    const dev = ident ? this.s.system.scope.devices.get(ident.text) : undefined;
    if (!dev) throw new StepFailure('IRQD038', undefined, `unknown device '${ident?.text ?? ''}'`, ident?.span);
    return dev;
  }

  /**
   * The IRQs a selection names. A step that changes them selects them
   * writable (this state's own copies, made on the first write after a
   * fork); `expect` only reads them.
   */
  select(sel: A.Selection | undefined, writable = true): Irq[] {
    if (!sel) throw new StepFailure('IRQD038', undefined, 'no selection');
    const irqs = this.s.irqs;
    const get = (virq: number): Irq | undefined => (writable ? irqs.writable(virq) : irqs.get(virq));
    if (sel.irq) {
      // /proc/irq/N: any IRQ the kernel has, whoever owns it.
      const irq = get(sel.irq.value);
      if (!irq) throw new StepFailure('IRQD038', 'EINVAL', `IRQ ${sel.irq.value} does not exist (no /proc/irq/${sel.irq.value})`, sel.irq.span);
      return [irq];
    }
    const dev = this.device(sel.device);
    const state = this.s.devices.get(dev.name);
    if (!state) throw new StepFailure('IRQD038', 'EINVAL', `${dev.name} has no IRQs: allocate them first with 'alloc ${dev.name} N'`, sel.span);
    if (!sel.indices) {
      const all: Irq[] = [];
      for (const v of state.virqs) {
        const irq = get(v);
        if (irq) all.push(irq);
      }
      return all;
    }
    const out: Irq[] = [];
    for (const index of expandCpuList(sel.indices)) {
      const virq = state.virqs[index];
      const irq = virq === undefined ? undefined : get(virq);
      if (!irq) {
        throw new StepFailure('IRQD038', 'EINVAL', `${dev.name} has ${counted(state.virqs.length, 'IRQ')} allocated (indices 0-${state.virqs.length - 1}); index ${index} is not one of them`, sel.indices.span);
      }
      out.push(irq);
    }
    return out;
  }

  private hotplugWeight(): number {
    return 1 + hotplugCallbackWork(this.s.system);
  }

  /**
   * How many CPUs a list names, for MAX_HOTPLUG_OPERATIONS, without making
   * the list (the step makes it when it runs): CPUs in two overlapping ranges
   * count twice, which only ever reaches the bound sooner.
   */
  private cpuCount(list: A.CpuList | undefined): number {
    const below = this.s.system.cpus;
    let n = 0;
    for (const r of list?.ranges ?? []) n += Math.max(0, Math.min(r.to, below - 1) - r.from + 1);
    return n;
  }

  cpus(list: A.CpuList | undefined): number[] {
    return list ? expandCpuList(list, this.s.system.cpus) : [];
  }

  // ---- steps ------------------------------------------------------------

  execute(step: A.Step): StepResult {
    switch (step.kind) {
      case 'alloc':
        return this.alloc(step);
      case 'free': {
        const dev = this.device(step.device);
        if (step.entries) return this.freeEntries(step, step.entries, dev);
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
        return this.fire(step);
      case 'expect':
        return expectStep(this, step);
      case 'vfio':
        return vfioStep(this, step);
      case 'mmio':
        return mmioStep(this, step);
      case 'dma':
        return dmaStep(this, step);
      case 'pasid':
        if (this.s.hypervisor) {
          this.diagnostics.push(diagnostic('IRQD040', step.keyword, "'pasid' steps inside a guest are not simulated: PASID sets are the host's"));
          return { summary: 'not simulated', irqs: [], notSimulated: true };
        }
        return pasidStep(this, step);
      case 'guest':
        return { summary: '', irqs: [] };
    }
  }

  /** The checks pci_msix_alloc_irq_at() and pci_msix_free_irq() make before they touch an entry. */
  private dynamicMsix(dev: DeviceSym, what: string, span: A.Span | undefined): void {
    // Per-device MSI domains came with 6.2 (the kernel feature the names use too); before, every vector is allocated at once.
    if (!this.s.k.perDeviceMsiDomains) throw new StepFailure('IRQD030', undefined, `${what} is from Linux 6.2 (per-device MSI domains): a ${this.s.system.kernel.text} driver allocates and frees every vector with pci_alloc_irq_vectors() and pci_free_irq_vectors()`, span);
    const state = this.s.devices.get(dev.name);
    if (state?.cap !== 'msix') throw new StepFailure('IRQD030', undefined, `MSI-X is not enabled on ${dev.name}: ${what} returns -ENOTSUPP; 'alloc ${dev.name} N' (pci_alloc_irq_vectors(PCI_IRQ_MSIX)) enables it`, span);
  }

  // pci_msix_alloc_irq_at(dev, index, NULL) for each entry listed: msi_insert_desc() refuses an index past the table (-ERANGE) or in use (-EBUSY).
  private allocEntries(step: A.AllocStep, entries: A.CpuList, dev: DeviceSym): StepResult {
    this.dynamicMsix(dev, 'pci_msix_alloc_irq_at()', step.device?.span);
    const cap = dev.caps.msix as NonNullable<DeviceSym['caps']['msix']>;
    if (platformOf(chainOf(cap.domain)) !== 'x86') throw new StepFailure('IRQD040', undefined, `MSI-X entries allocated one by one are simulated on x86 only (MSI_FLAG_PCI_MSIX_ALLOC_DYN of the x86 MSI parents)`, step.span);
    const state = this.s.devices.get(dev.name);
    const indices = expandCpuList(entries);
    for (const index of indices) {
      if (index >= cap.count) throw new StepFailure('IRQD030', 'ERANGE', `pci_msix_alloc_irq_at(${dev.name}, ${index}) fails with -ERANGE: the MSI-X table has ${cap.count} entries`, entries.span);
      if (state?.virqs[index] !== undefined) throw new StepFailure('IRQD030', 'EBUSY', `pci_msix_alloc_irq_at(${dev.name}, ${index}) fails with -EBUSY: entry ${index} already has IRQ ${state.virqs[index] as number}`, entries.span);
    }
    if (this.s.irqs.size + indices.length > MAX_IRQS) throw new StepFailure('IRQD040', undefined, `irqd simulates at most ${MAX_IRQS} IRQs in one scenario; this allocation would exceed it`, step.span);
    const r = pciMsixAllocIrqAt(this.s, dev, cap, indices, this);
    if (typeof r === 'string') throw new StepFailure('IRQD030', r, `pci_msix_alloc_irq_at(${dev.name}) fails with ${errnoText(r)}${this.lastWarning()}`);
    for (const irq of r.irqs) this.event('pci_msix_alloc_irq_at', `${dev.name} entry ${irq.index}: IRQ ${irq.virq}`);
    const one = r.irqs.length === 1 ? r.irqs[0] : undefined;
    return { summary: one ? `→ IRQ ${one.virq} at entry ${one.index}, reserved` : `→ ${r.irqs.length} IRQs at entries ${bitmapList(indices)}, reserved`, irqs: r.irqs };
  }

  // pci_msix_free_irq() for each entry listed.
  private freeEntries(step: A.FreeStep, entries: A.CpuList, dev: DeviceSym): StepResult {
    this.dynamicMsix(dev, 'pci_msix_free_irq()', step.device?.span);
    const state = this.s.devices.get(dev.name);
    const indices = expandCpuList(entries);
    for (const index of indices) {
      const virq = state?.virqs[index];
      if (virq === undefined) throw new StepFailure('IRQD038', 'EINVAL', `${dev.name} has no IRQ at MSI-X entry ${index} to free`, entries.span);
      if (this.s.irqs.get(virq)?.started) this.warn('pci_msix_free_irq', `IRQ ${virq} of ${dev.name} still has a handler: free_irq() first (the kernel WARNs)`);
      pciMsixFreeIrq(this.s, dev, index, this);
    }
    return { summary: `${indices.length === 1 ? 'entry' : `${indices.length} entries`} freed`, irqs: [] };
  }

  private alloc(step: A.AllocStep): StepResult {
    const dev = this.device(step.device);
    if (step.entries) return this.allocEntries(step, step.entries, dev);
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

  private allocIntx(step: A.AllocStep, dev: DeviceSym): StepResult {
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

  private request(step: A.SelectionStep): StepResult {
    const irqs = this.select(step.selection);
    let delivered = 0;
    for (const irq of irqs) {
      const err = requestIrq(this.s, irq, this);
      if (err) {
        const why = err === 'EBUSY' ? 'it is already requested' : `activation fails${this.lastWarning()}`;
        throw new StepFailure('IRQD032', err, `request_irq(${irq.virq}) for ${irq.device.name}[${irq.index}] fails with ${errnoText(err)}: ${why}`, step.selection?.span);
      }
      // An interrupt raised while the entry was masked (from allocation, or since free_irq()) is sent at the unmask.
      if (irq.pending && !irq.masked) {
        irq.pending = false;
        const d = fireIrq(this.s, irq, this);
        if (d.delivered) delivered++;
        else this.diagnostics.push(diagnostic('IRQD037', step.span, `${irq.device.name}[${irq.index}]: the interrupt pending since before request_irq(): ${d.reason}`));
      }
    }
    const summary = placement(irqs);
    return { summary: delivered > 0 ? `${summary}; ${counted(delivered, 'pending interrupt')} delivered` : summary, irqs };
  }

  private affinity(step: A.AffinityStep): StepResult {
    const irqs = this.select(step.selection);
    // One mask for every IRQ of the step, made here and never changed: each IRQ keeps it without a copy (65,536 IRQs × 3,000 CPUs were 1.6 GB).
    const mask = unchangingMask(this.cpus(step.cpus));
    let pending = 0;
    for (const irq of irqs) {
      // write_irq_affinity(): irq_can_set_affinity_usr() refuses managed and no-balancing IRQs.
      if (irq.managed) throw new StepFailure('IRQD033', 'EIO', `IRQ ${irq.virq} (${irq.device.name}[${irq.index}]) is managed: writing its smp_affinity_list fails with -EIO`, step.selection?.span);
      if (irq.noBalancing) throw new StepFailure('IRQD033', 'EIO', `IRQ ${irq.virq} (${irq.device.name}) is IRQF_NOBALANCING: writing its smp_affinity_list fails with -EIO`, step.selection?.span);
      if (!anyOnline(this.s, mask)) throw new StepFailure('IRQD033', 'EINVAL', `no online CPU in ${bitmapList(mask)}: irq_set_affinity() fails with -EINVAL`, step.cpus?.span);
      const r = irqSetAffinity(this.s, irq, mask, this);
      if (r.kind === 'pending') pending++;
      if (r.kind === 'error') throw new StepFailure('IRQD033', r.err, `irq_set_affinity(${irq.virq}, ${bitmapList(mask)}) fails with ${errnoText(r.err)}${this.lastWarning()}`, step.cpus?.span);
    }
    return { summary: pending === irqs.length && pending > 0 ? `pending → CPU ${bitmapList(mask)} at next interrupt` : placement(irqs), irqs };
  }

  private offline(step: A.HotplugStep): StepResult {
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

  private mask(step: A.SelectionStep): StepResult {
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
        this.lazy('pci_msix_mask', maskedText, irq.virq);
      } else {
        irq.masked = false;
        this.lazy('pci_msix_unmask', unmaskedText, irq.virq);
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

  private fire(step: A.FireStep): StepResult {
    const sel = step.selection;
    const irqs = this.select(sel);
    // N interrupts back to back: the first takes the path (and completes any move); the rest find it as it is.
    const n = step.count?.value ?? 1;
    const unhandled = step.handling?.text === 'unhandled';
    let delivered = 0;
    let disabled = 0;
    let lastSummary = '';
    for (const irq of irqs) {
      const d = fireIrq(this.s, irq, this);
      if (d.delivered) {
        delivered++;
        lastSummary = `→ CPU ${d.cpu} vec ${vec(d.vector ?? 0)}${unhandled ? ', unhandled' : ''}`;
        const r = noteInterrupts(this.s, irq, n, unhandled, this);
        if (r.disabledAfter !== undefined) {
          disabled++;
          kernelMask(irq, this);
          lastSummary += `; disabled after ${r.disabledAfter} (nobody cared)`;
          this.diagnostics.push(diagnostic('IRQD055', step.span, `${irq.device.name}[${irq.index}] (IRQ ${irq.virq}): nobody cared: ${r.disabledAfter} interrupts in a row that no handler claimed (more than ${SPURIOUS_LIMIT} of ${SPURIOUS_WINDOW}); the kernel disables the IRQ until it is requested again`));
        }
      } else if (d.pending) {
        lastSummary = 'pending (masked)';
      } else if (sel) {
        this.diagnostics.push(diagnostic('IRQD037', sel.span, `${irq.device.name}[${irq.index}] (IRQ ${irq.virq}): ${d.reason}`));
      }
    }
    const times = n > 1 ? `${n}× ` : '';
    const summary = irqs.length === 1 ? times + (delivered || lastSummary ? lastSummary : 'lost') : `${times}${delivered}/${irqs.length} delivered${disabled ? `, ${disabled} disabled` : ''}`;
    return { summary, irqs };
  }

}

/** Where a set of IRQs landed, in a few words. */
function placement(irqs: readonly Irq[]): string {
  if (irqs.length === 1) {
    const a = (irqs[0] as Irq).apic;
    return a.vector ? `→ CPU ${a.cpu} vec ${vec(a.vector)}` : (irqs[0] as Irq).managedShutdown ? 'shut down (no CPU)' : `reserved (${vec(a.hwVector)})`;
  }
  // The CPUs in ascending order, from a bitmap (a request of a whole device lands on hundreds of CPUs).
  let top = 0;
  for (const i of irqs) if (i.apic.vector && i.apic.cpu >= top) top = i.apic.cpu + 1;
  const seen = new Uint8Array(top);
  for (const i of irqs) if (i.apic.vector) seen[i.apic.cpu] = 1;
  const cpus: number[] = [];
  for (let c = 0; c < top; c++) if (seen[c]) cpus.push(c);
  return `${irqs.length} IRQs on CPU${cpus.length === 1 ? '' : 's'} ${bitmapList(cpus)}`;
}
