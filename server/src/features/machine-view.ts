// The `irqd/machineState` request: the simulated machine at one step of a
// scenario, as the machine view draws it (docs/lsp-extensions.md). The state
// is read the way hovers read it (peekStateAfter(): the kept end state, or
// the steps run again up to the position), and turned into plain data that
// stays compact on big machines: a CPU's 256 vectors are one string of state
// codes, and the IRQ table is capped.
import type * as A from '../../../grammar/index.js';
import type { Analysis } from '../analysis/analysis.js';
import type { DomainSym, GuestSym, SystemSym } from '../model/types.js';
import { peekStateAfter } from '../sim/engine.js';
import { bitmapList } from '../sim/matrix.js';
import type { Irq, SimState } from '../sim/state.js';
import { captureIrq, formatView } from '../sim/views.js';
import { ISA_IRQ_VECTOR_BASE, MANAGED_IRQ_SHUTDOWN_VECTOR, NR_VECTORS, vec } from '../sim/kernel.js';
import { stepLabel } from './trace-text.js';
import type { CpuRow, HierarchyNode, IrqRow, MachineState, TimelineEntry, VectorCode } from './machine-view-types.js';
import type { SteppingState } from './scenario-at.js';

/** The most IRQ rows one answer carries: machine512 holds 65,536 IRQs, a table of them all is megabytes no one reads. */
export const MAX_IRQ_ROWS = 2000;

export type MachineStateResult = MachineState | { problem: string };

/** The machine at `step` (default: the stepped position, else the end) of the scenario named or numbered. */
export function machineState(analysis: Analysis, scenario: unknown, step: unknown, stepping: SteppingState): MachineStateResult {
  const scenarios = analysis.model.scenarios;
  const line = lineOf(scenario);
  const index =
    typeof scenario === 'number' ? scenario : typeof scenario === 'string' ? scenarios.findIndex((s) => s.name === scenario) : line !== undefined ? scenarioAtLine(analysis, line) : -1;
  const sc = Number.isInteger(index) ? scenarios[index] : undefined;
  if (!sc) {
    const names = scenarios.map((s) => `'${s.name}'`).join(', ') || 'none';
    return { problem: `no scenario ${JSON.stringify(scenario ?? null)} in this document (it has ${names})` };
  }
  const trace = analysis.traces.get(sc);
  if (!trace || trace.skipped || !sc.system) return { problem: `scenario '${sc.name}' is not simulated: ${trace?.skipped ?? (analysis.pending.has(sc) ? 'its simulation has not finished' : 'it has no system')}` };
  const n = trace.records.length;
  // A cursor on a step shows the machine after that step; elsewhere in the scenario, the stepped position.
  const onStep = line !== undefined && (step === undefined || step === null) ? trace.records.find((r) => lineRange(analysis, r.step.span).includes(line)) : undefined;
  const at = onStep ? onStep.ordinal : step === undefined || step === null ? (stepping.get(index) ?? n) : step;
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at > n) return { problem: `step must be a whole number from 0 to ${n} (the steps of '${sc.name}'), not ${JSON.stringify(at)}` };
  const s = peekStateAfter(sc, at);
  if (!s) return { problem: `scenario '${sc.name}' is not simulated` };
  const system = sc.system;
  const steps: TimelineEntry[] = trace.records.map((r) => ({
    ordinal: r.ordinal,
    line: analysis.lines.position(r.step.span.start).line,
    text: stepLabel(analysis, r),
    outcome: r.outcome,
    summary: r.summary,
  }));
  const record = at > 0 ? trace.records[at - 1] : undefined;
  // A step inside `guest G { … }` acts on G's IRQs, which G's kernel numbers on its own.
  const inGuest = record ? guestOf(sc.decl.steps, record.step.span) : undefined;
  const changed = [...new Set((record?.views ?? []).map((v) => idOf(inGuest, v.virq)))];
  const irqs = irqRows(s, new Set(changed));
  return {
    scenario: sc.name,
    scenarioIndex: index,
    line: analysis.lines.position(sc.declSpan.start).line,
    step: at,
    system: { name: system.name, arch: system.arch, kernel: system.kernel.text, cpus: system.cpus },
    steps,
    hierarchy: hierarchyOf(system, domainNames(s, irqs.rows)),
    matrix: { onlineMaps: s.matrix.onlineMaps, globalAvailable: s.matrix.globalAvailable, globalReserved: s.matrix.globalReserved, totalAllocated: s.matrix.totalAllocated },
    cpus: cpuRows(s),
    irqs: irqs.rows,
    irqTotal: irqs.total,
    changed,
  };
}

/** `{ line: N }`: a scenario named by a line in it (the editor's cursor). */
function lineOf(scenario: unknown): number | undefined {
  if (!scenario || typeof scenario !== 'object') return undefined;
  const line = (scenario as { line?: unknown }).line;
  return typeof line === 'number' && Number.isInteger(line) && line >= 0 ? line : undefined;
}

function scenarioAtLine(analysis: Analysis, line: number): number {
  return analysis.model.scenarios.findIndex((s) => lineRange(analysis, s.declSpan).includes(line));
}

/** The 0-based lines a span covers. */
function lineRange(analysis: Analysis, span: { start: number; end: number }): { includes(line: number): boolean } {
  const first = analysis.lines.lineOf(span.start);
  const last = analysis.lines.lineOf(span.end);
  return { includes: (line) => line >= first && line <= last };
}

function idOf(guest: string | undefined, virq: number): string {
  return guest === undefined ? String(virq) : `${guest}:${virq}`;
}

/** The guest whose step block holds a span (the innermost, for guests in guests), or undefined for a host step. */
function guestOf(steps: readonly A.Step[], span: A.Span): string | undefined {
  for (const st of steps) {
    if (st.kind !== 'guest' || !(st.span.start <= span.start && span.end <= st.span.end)) continue;
    return guestOf(st.steps, span) ?? st.guest?.text;
  }
  return undefined;
}

/** The table: the host's IRQs by number, then each guest's, at most MAX_IRQ_ROWS, with every changed one among them. */
function irqRows(s: SimState, changed: ReadonlySet<string>): { rows: IrqRow[]; total: number } {
  const rows: IrqRow[] = [];
  let total = 0;
  const add = (state: SimState, guest: string | undefined): void => {
    total += state.irqs.size;
    const picked: Irq[] = [];
    for (const irq of state.irqs.values()) {
      if (rows.length + picked.length < MAX_IRQ_ROWS || changed.has(idOf(guest, irq.virq))) picked.push(irq);
    }
    picked.sort((a, b) => a.virq - b.virq);
    for (const irq of picked) rows.push(irqRow(state, irq, guest));
  };
  add(s, undefined);
  for (const [name, g] of s.guests) add(g, name);
  return { rows, total };
}

function irqRow(s: SimState, irq: Irq, guest: string | undefined): IrqRow {
  const v = formatView(captureIrq(s, irq));
  const a = irq.apic;
  let pendingMove: string | undefined;
  if (irq.movePending) pendingMove = `to ${bitmapList(irq.movePending)} on the next interrupt`;
  else if (a.moveInProgress) pendingMove = `in progress (vector ${vec(a.prevVector)} on CPU ${a.prevCpu} until cleanup)`;
  return {
    id: idOf(guest, irq.virq),
    ...(guest !== undefined ? { guest } : {}),
    virq: irq.virq,
    device: irq.device.name,
    index: irq.index,
    cap: irq.cap,
    levels: v.levels.map((l) => ({ domain: l.domain, kernelName: l.kernelName, hwirq: l.hwirq })),
    ...(v.vector !== undefined ? { cpu: v.cpu, vector: v.vector } : {}),
    affinity: bitmapList(irq.affinity),
    effective: a.hwVector ? `${a.hwCpu}` : '',
    managed: irq.managed,
    ...(pendingMove ? { pendingMove } : {}),
    ...(v.message ? { message: v.message } : {}),
    ...(v.messageDecoded ? { messageDecoded: v.messageDecoded } : {}),
    ...(v.irte ? { irte: v.irte } : {}),
    state: v.state,
  };
}

/**
 * Every CPU's counters and its 256 vectors as state codes (VectorCode), the
 * IRQs behind them sparse. Each code reads the state the kernel keeps:
 * `irq_matrix` (kernel/irq/matrix.c) for system_map (irq_matrix_assign_system()),
 * the allocation start (below it the CPU exceptions) and each CPU's alloc_map
 * and managed_map; `apic_chip_data`'s move_in_progress and prev_vector
 * (arch/x86/kernel/apic/vector.c, freed by free_moved_vector() at cleanup)
 * for a move not yet cleaned up; ISA_IRQ_VECTOR() for the legacy IRQs
 * 0-15; MANAGED_IRQ_SHUTDOWN_VECTOR (0xEF), where
 * vector_assign_managed_shutdown() points a reserved or shut-down IRQ. The
 * counters are the VECTOR debugfs file's (irq_matrix_debug_show()).
 */
function cpuRows(s: SimState): CpuRow[] {
  const m = s.matrix;
  // The previous vectors of moves in progress and the CPUs that 0xEF placeholders point at.
  const cleanup = new Set<number>();
  const placeholder = new Set<number>();
  for (const irq of s.irqs.values()) {
    const a = irq.apic;
    if (a.moveInProgress && a.prevVector) cleanup.add(a.prevCpu * NR_VECTORS + a.prevVector);
    if (a.hwVector === MANAGED_IRQ_SHUTDOWN_VECTOR) placeholder.add(a.hwCpu);
  }
  const codes: VectorCode[] = new Array<VectorCode>(NR_VECTORS);
  return m.cpus.map((c, cpu) => {
    const irqs: number[] = [];
    for (let v = 0; v < NR_VECTORS; v++) {
      const slot = s.vectorIrq.get(cpu, v);
      const inMatrix = v < m.matrixBits;
      let code: VectorCode = '.';
      if (v === MANAGED_IRQ_SHUTDOWN_VECTOR && placeholder.has(cpu)) code = 'p';
      else if (inMatrix && m.systemMap[v]) code = 's';
      else if (m.matrixBits > 0 && v < m.allocStart) code = 'r';
      else if (typeof slot === 'number' && slot < 16 && v >= ISA_IRQ_VECTOR_BASE && v < ISA_IRQ_VECTOR_BASE + 16) code = 'l';
      else if (cleanup.has(cpu * NR_VECTORS + v)) code = 'c';
      else if (inMatrix && c.allocMap[v]) code = 'a';
      else if (inMatrix && c.managedMap[v]) code = 'm';
      codes[v] = code;
      if (typeof slot === 'number') irqs.push(v, slot);
    }
    return { cpu, online: c.online, avl: c.available, act: c.allocated, man: c.managed, mac: c.managedAllocated, vectors: codes.join(''), irqs };
  });
}

/** The debugfs name of a domain no IRQ goes through yet: what its kind is called in the kernel. */
function kindName(d: DomainSym): string {
  return (d.domainKind ?? 'domain').toUpperCase();
}

/**
 * The kernel's name of each host domain, from the first IRQ through it: the
 * table's rows, then (for a domain only IRQs past the table's cap go
 * through) the first such IRQ of the state.
 */
function domainNames(s: SimState, rows: readonly IrqRow[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const r of rows) if (r.guest === undefined) for (const l of r.levels) if (!names.has(l.domain)) names.set(l.domain, l.kernelName);
  const missing = new Set([...s.system.scope.domains.keys()].filter((d) => !names.has(d)));
  if (missing.size === 0) return names;
  for (const irq of s.irqs.values()) {
    if (!irq.chain.some((d) => missing.has(d.name))) continue;
    for (const l of formatView(captureIrq(s, irq)).levels) {
      if (!names.has(l.domain)) names.set(l.domain, l.kernelName);
      missing.delete(l.domain);
    }
    if (missing.size === 0) break;
  }
  return names;
}

/** Domains, devices and guests, with child → parent edges (device → its domain, guest → the host device it is given). */
function hierarchyOf(system: SystemSym, kernelNames: ReadonlyMap<string, string>): MachineState['hierarchy'] {
  const nodes: HierarchyNode[] = [];
  const edges: [string, string][] = [];
  const domainId = (owner: string, d: DomainSym): string => `domain:${owner}/${d.name}`;
  const addScope = (owner: SystemSym | GuestSym, host: boolean): void => {
    for (const d of owner.scope.domains.values()) {
      const kernelName = host ? kernelNames.get(d.name) : undefined;
      nodes.push({ id: domainId(owner.name, d), kind: 'domain', name: d.name, owner: owner.name, detail: d.domainKind ?? '?', kernelName: kernelName ?? kindName(d) });
      if (d.parent) edges.push([domainId(owner.name, d), domainId(owner.name, d.parent)]);
    }
    for (const dev of owner.scope.devices.values()) {
      const id = `device:${owner.name}/${dev.name}`;
      nodes.push({ id, kind: 'device', name: dev.name, owner: owner.name, detail: dev.bus });
      const parents = new Set<DomainSym>();
      for (const cap of Object.values(dev.caps)) if (cap?.domain) parents.add(cap.domain);
      if (dev.ioapicPin?.domain) parents.add(dev.ioapicPin.domain);
      for (const p of parents) edges.push([id, domainId(owner.name, p)]);
    }
  };
  addScope(system, true);
  for (const g of system.guests.values()) {
    const id = `guest:${g.name}`;
    nodes.push({ id, kind: 'guest', name: g.name, owner: system.name, detail: `${g.cpus} vCPUs` });
    addScope(g, false);
    const roots = [...g.scope.domains.values()].filter((d) => !d.parent);
    for (const d of roots) edges.push([domainId(g.name, d), id]);
    for (const as of g.assignments) if (as.device) edges.push([id, `device:${system.name}/${as.device.name}`]);
  }
  const known = new Set(nodes.map((n) => n.id));
  return { nodes, edges: edges.filter(([a, b]) => known.has(a) && known.has(b)) };
}
