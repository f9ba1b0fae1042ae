// The JSON shape of the `irqd/machineState` request (docs/lsp-extensions.md):
// what the machine view (client/view/) draws. Plain data only, shared by the
// server that builds it and the page that renders it.

/**
 * The request's params. `scenario` is a name, an index, or `{line}` for the
 * scenario around a 0-based line (the cursor: a line on a step then means
 * the state after that step); `step` counts steps done (0 = before the first).
 */
export interface MachineStateParams {
  textDocument: { uri: string };
  scenario: string | number | { line: number };
  /** Absent: the step at `scenario.line`, else the stepped position of the Step lens, else the end of the scenario. */
  step?: number;
}

export type StepOutcomeCode = 'ok' | 'failed' | 'expected-failure' | 'not-run' | 'not-simulated' | 'expectation-failed';

export interface TimelineEntry {
  /** 1-based, as the Step lens counts. */
  ordinal: number;
  /** 0-based line of the step's first character. */
  line: number;
  text: string;
  outcome: StepOutcomeCode;
  summary: string;
}

export type HierarchyNodeKind = 'domain' | 'device' | 'guest';

export interface HierarchyNode {
  /** Unique in the payload: `domain:OWNER/NAME`, `device:OWNER/NAME`, `guest:NAME`. */
  id: string;
  kind: HierarchyNodeKind;
  name: string;
  /** The system or guest that declares it. */
  owner: string;
  /** Domains: the declared kind (vector, intel-ir, pci-msi, …). Devices: the bus. */
  detail: string;
  /** Domains: the kernel's debugfs name, as the IRQs through it show it. */
  kernelName?: string;
}

/** One CPU's row of the vector matrix. */
export interface CpuRow {
  cpu: number;
  online: boolean;
  avl: number;
  act: number;
  man: number;
  mac: number;
  /** 256 state codes, one per vector 0x00–0xFF (VECTOR_CODES). */
  vectors: string;
  /** Flat pairs [vector, virq, vector, virq, …] of the vectors that deliver to an IRQ. */
  irqs: number[];
}

/**
 * The state code of a vector cell: s system, l legacy (ISA), r reserved (CPU
 * exceptions 0x00–0x1F), m managed-reserved, a allocated, p the 0xEF
 * placeholder that reserved and shut-down IRQs point at, c pending cleanup
 * (a moved IRQ's previous vector), . free.
 */
export type VectorCode = 's' | 'l' | 'r' | 'm' | 'a' | 'p' | 'c' | '.';

export interface LevelCell {
  domain: string;
  kernelName: string;
  hwirq: number;
}

export interface IrqRow {
  /** Unique in the table: the IRQ number for the host's IRQs, `GUEST:number` for a guest's (guests number their own IRQs). */
  id: string;
  /** The guest whose kernel holds the IRQ; absent for the host's. */
  guest?: string;
  virq: number;
  device: string;
  index: number;
  cap: string;
  levels: LevelCell[];
  /** Absent when the IRQ has no vector (reserved, shut down). */
  cpu?: number;
  vector?: number;
  affinity: string;
  /** Where the hardware points: the CPU of hw_irq_cfg (the effective affinity). */
  effective: string;
  managed: boolean;
  /** The CPUs of a deferred move, or of a move in progress ("in progress"). */
  pendingMove?: string;
  message?: string;
  messageDecoded?: string;
  irte?: string;
  state: string;
}

export interface MatrixCounters {
  onlineMaps: number;
  globalAvailable: number;
  globalReserved: number;
  totalAllocated: number;
}

export interface MachineState {
  scenario: string;
  scenarioIndex: number;
  /** 0-based line of the scenario's declaration. */
  line: number;
  /** Steps done: 0..steps.length. */
  step: number;
  system: { name: string; arch: string; kernel: string; cpus: number };
  steps: TimelineEntry[];
  hierarchy: { nodes: HierarchyNode[]; edges: [string, string][] };
  matrix: MatrixCounters;
  cpus: CpuRow[];
  /** The host's IRQs in ascending order, then each guest's, at most MAX_IRQ_ROWS (the changed ones always among them). */
  irqs: IrqRow[];
  /** How many IRQs the host and its guests hold (more than irqs.length when capped). */
  irqTotal: number;
  /** The ids of the IRQs the step acted on (its record's views, in the guest whose block holds the step). */
  changed: string[];
}
