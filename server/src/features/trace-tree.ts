// The `irqd/trace` request: a scenario's trace as data, for a tree of its
// steps and their kernel functions (the client's "irqd: Scenario Trace"
// view, docs/lsp-extensions.md). The whole scenario comes with the first
// events of each step, as the text trace shows them; the rest of a step's
// events are asked for a page at a time, so a step that allocated thousands
// of IRQs costs nothing until its "… N more" is opened.
import type { Analysis } from '../analysis/analysis.js';
import type { StepRecord } from '../sim/engine.js';
import type { TraceEvent } from '../sim/trace.js';
import { stepLabel } from './trace-text.js';

/** Events of each step in the scenario's answer: as many as the text trace shows. */
export const FIRST_EVENTS = 12;
/** The largest page of one step's events. */
export const MAX_PAGE = 200;

export interface TraceStep {
  /** 1-based, as the text trace numbers steps. */
  ordinal: number;
  /** 0-based line and character range of the step's text. */
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  label: string;
  outcome: StepRecord['outcome'];
  summary: string;
  /** The events from `eventsFrom`, in the order the kernel ran them. */
  events: TraceEvent[];
  eventsFrom: number;
  /** Events the trace kept for this step: those after `eventsFrom + events.length` can be asked for. */
  eventsTotal: number;
  /** Events the simulator counted but did not keep (it keeps the first ones and every warning). */
  notKept: number;
}

export interface TraceTree {
  scenario: string;
  scenarioIndex: number;
  passed: boolean;
  steps: TraceStep[];
}

export type TraceTreeResult = TraceTree | { problem: string };

/**
 * `scenario`: a name, an index or `{line}`; `step` (an ordinal) with
 * `from`/`count`: only that step, with that page of its events.
 */
export function traceTree(analysis: Analysis, scenario: unknown, step: unknown, from: unknown, count: unknown): TraceTreeResult {
  const scenarios = analysis.model.scenarios;
  const line = scenario && typeof scenario === 'object' ? (scenario as { line?: unknown }).line : undefined;
  const index =
    typeof scenario === 'number'
      ? scenario
      : typeof scenario === 'string'
        ? scenarios.findIndex((s) => s.name === scenario)
        : typeof line === 'number' && Number.isInteger(line)
          ? scenarios.findIndex((s) => analysis.lines.lineOf(s.declSpan.start) <= line && line <= analysis.lines.lineOf(s.declSpan.end))
          : -1;
  const sc = Number.isInteger(index) ? scenarios[index] : undefined;
  if (!sc) return { problem: `no scenario ${JSON.stringify(scenario ?? null)} in this document (it has ${scenarios.map((s) => `'${s.name}'`).join(', ') || 'none'})` };
  const trace = analysis.traces.get(sc);
  if (!trace || trace.skipped) return { problem: `scenario '${sc.name}' is not simulated: ${trace?.skipped ?? 'it has no system or has not been simulated yet'}` };
  for (const [name, v] of [['step', step], ['from', from], ['count', count]] as const) {
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) return { problem: `'${name}' must be a non-negative integer` };
  }
  const records = step === undefined ? trace.records : trace.records.filter((r) => r.ordinal === step);
  if (step !== undefined && records.length === 0) return { problem: `scenario '${sc.name}' has no step ${String(step)} (it has ${trace.records.length})` };
  const start = step === undefined ? 0 : ((from as number | undefined) ?? 0);
  const size = step === undefined ? FIRST_EVENTS : Math.min(MAX_PAGE, (count as number | undefined) ?? MAX_PAGE);
  return {
    scenario: sc.name,
    scenarioIndex: index,
    passed: trace.passed,
    steps: records.map((r) => ({
      ordinal: r.ordinal,
      range: { start: analysis.lines.position(r.step.span.start), end: analysis.lines.position(r.step.span.end) },
      label: stepLabel(analysis, r),
      outcome: r.outcome,
      summary: r.summary,
      events: r.events.slice(start, start + size).map((e) => ({ fn: e.fn, text: e.text, ...(e.warning ? { warning: true } : {}) })),
      eventsFrom: start,
      eventsTotal: r.events.length,
      notKept: r.moreEvents,
    })),
  };
}
