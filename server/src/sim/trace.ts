// What a scenario run records: a Trace of StepRecords, and the bounds on it.
//
// A Trace is data: besides `record.step` (the AST node of the step) and the
// spans of `trace.diagnostics`, nothing in it holds a position, so a trace
// can be moved to a new version of the text by re-pointing those (the
// incremental analysis does). The IRQ views of a record are formatted on
// first access from captures made at the step (views.ts): the capture is the
// state as of that step, the strings cost nothing until a hover, a lens or a
// trace asks for them.
import type * as A from '../../../grammar/index.js';
import type { IrqdDiagnostic } from '../model/diagnostic.js';
import type { ScenarioSym, SystemSym } from '../model/types.js';
import { formatView, type IrqCapture, type IrqView } from './views.js';

export interface TraceEvent {
  readonly fn: string;
  readonly text: string;
  readonly warning?: boolean;
}

/**
 * 'failed' is a kernel step that failed (an errno): the scenario stops there.
 * 'expectation-failed' is an `expect` that is false: it changed nothing, so
 * the scenario goes on; the scenario fails all the same (Trace.passed).
 */
export type StepOutcome = 'ok' | 'failed' | 'expectation-failed' | 'expected-failure' | 'not-run' | 'not-simulated';

export interface StepRecord {
  readonly step: A.Step;
  /** 1-based position in the scenario's flat list of steps (the order of Runner.runSteps(), runner.ts). */
  readonly ordinal: number;
  readonly outcome: StepOutcome;
  /** A few words for the inlay hint: "→ CPU 1 vec 0x21", "-ENOSPC", "3 IRQs moved". */
  readonly summary: string;
  /** The step's first kernel events (MAX_EVENTS_PER_STEP) and every warning. */
  readonly events: readonly TraceEvent[];
  /** How many more events the step had than it kept (0 for most steps). */
  readonly moreEvents: number;
  /** The IRQs the step acted on, as they are after it (formatted on first access, then kept). */
  readonly views: readonly IrqView[];
}

export interface Trace {
  readonly scenario: ScenarioSym;
  readonly system: SystemSym;
  readonly records: readonly StepRecord[];
  readonly diagnostics: readonly IrqdDiagnostic[];
  /** Whether the scenario ran to its end without a failing step or a failed expectation. */
  readonly passed: boolean;
  /** Why the scenario was not simulated at all, if it was not. */
  readonly skipped?: string;
}

/** The first step that failed in the kernel (the scenario stopped there), if one did. */
export function kernelFailure(trace: Trace): StepRecord | undefined {
  return trace.records.find((r) => r.outcome === 'failed');
}

/** The `expect` steps of a trace that were false. */
export function failedExpectations(trace: Trace): StepRecord[] {
  return trace.records.filter((r) => r.outcome === 'expectation-failed');
}

/** The most steps one scenario may execute (a bound on the work any input causes). */
export const MAX_STEPS = 20000;
/**
 * CPU hotplug operations (one CPU taken down or brought up) in one scenario.
 * A step can take 8,191 CPUs down, so steps alone do not bound the work of
 * hotplug: 10,000 cycles of `offline cpu 1-63` / `online cpu 1-63` are 1.26
 * million CPU operations. 500,000 is 30 round trips of 8,192 CPUs.
 */
export const MAX_HOTPLUG_OPERATIONS = 500_000;
/** The most IRQs one scenario may hold at once (a bound on memory and time). */
export const MAX_IRQS = 65536;
/** What a step record keeps: the first IRQ views and kernel events (hovers show fewer). */
export const MAX_VIEWS_PER_STEP = 16;
export const MAX_EVENTS_PER_STEP = 32;

/** A formatter of a lazy event's text: a module-level function of the values the event captured. */
export type EventFormat<A, B, C, D, E> = (a: A, b: B, c: C, d: D, e: E) => string;

/**
 * A kernel event whose text is made when first read. The events of every
 * IRQ of a large step (an allocation, a request, a CPU going down) are most
 * of a trace and are rarely all read: these keep the values (numbers,
 * strings, immutable messages and masks) and format once, on demand.
 * JSON.stringify() sees { fn, text }, as for any other event.
 */
export class LazyEvent implements TraceEvent {
  private formatted: string | undefined = undefined;

  // The values are fields, not an array: a trace holds hundreds of thousands of these.
  constructor(
    readonly fn: string,
    private readonly format: EventFormat<unknown, unknown, unknown, unknown, unknown>,
    private readonly a: unknown,
    private readonly b: unknown,
    private readonly c: unknown,
    private readonly d: unknown,
    private readonly e: unknown,
  ) {}

  get text(): string {
    if (this.formatted === undefined) this.formatted = this.format(this.a, this.b, this.c, this.d, this.e);
    return this.formatted;
  }

  toJSON(): TraceEvent {
    return { fn: this.fn, text: this.text };
  }
}

/** The views of one record: captures until the first read, then the formatted views. */
class LazyViews {
  private views?: readonly IrqView[];

  constructor(private captures: readonly IrqCapture[] | undefined) {}

  get(): readonly IrqView[] {
    if (!this.views) {
      this.views = (this.captures ?? []).map(formatView);
      this.captures = undefined;
    }
    return this.views;
  }
}

const LAZY = Symbol('lazy views');
type LazyRecord = StepRecord & { readonly [LAZY]: LazyViews };

/** One getter for every record: `this` is the record, the views come from its LazyViews. */
function viewsOf(this: LazyRecord): readonly IrqView[] {
  return this[LAZY].get();
}

const NO_VIEWS: readonly IrqView[] = Object.freeze([]);

function withViews(fields: Omit<StepRecord, 'views'>, lazy: LazyViews | undefined): StepRecord {
  const r = { step: fields.step, ordinal: fields.ordinal, outcome: fields.outcome, summary: fields.summary, events: fields.events, moreEvents: fields.moreEvents };
  if (!lazy) return Object.assign(r, { views: NO_VIEWS });
  // `views` is an own, enumerable accessor, so a spread copy of the record
  // ({ ...r, step }) or JSON.stringify still sees the views (formatted then);
  // the LazyViews sits under a symbol that is not enumerable.
  Object.defineProperty(r, LAZY, { value: lazy });
  Object.defineProperty(r, 'views', { get: viewsOf, enumerable: true });
  return r as unknown as StepRecord;
}

/** A record whose views are formatted from these captures when first read. */
export function stepRecord(fields: Omit<StepRecord, 'views'>, captures: readonly IrqCapture[]): StepRecord {
  return withViews(fields, captures.length > 0 ? new LazyViews(captures) : undefined);
}

/**
 * The same record for another AST node of the same step (a trace moved to a
 * new version of the text): views not read yet stay unformatted. A spread
 * copy ({ ...r, step }) is equally correct but formats them.
 */
export function recordAtStep(r: StepRecord, step: A.Step): StepRecord {
  const lazy = (r as Partial<LazyRecord>)[LAZY];
  if (lazy) return withViews({ ...fieldsOf(r), step }, lazy);
  return { ...fieldsOf(r), step, views: r.views };
}

function fieldsOf(r: StepRecord): Omit<StepRecord, 'views'> {
  return { step: r.step, ordinal: r.ordinal, outcome: r.outcome, summary: r.summary, events: r.events, moreEvents: r.moreEvents };
}
