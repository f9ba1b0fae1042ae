// The `irqd/scenarios` request (docs/lsp-extensions.md): every scenario of a
// file with its range and, once simulated, its result and each failure, for
// a client's test view (VS Code's Test Explorer). Expected and actual values
// come from the diagnostics' own fields (runner.ts expect()), not from their
// message text.
import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import type { Analysis } from '../analysis/analysis.js';
import type { StepRecord, Trace } from '../sim/engine.js';
import { toRange } from './convert.js';
import { failureOf, failureText } from './trace-text.js';
import type { ScenarioFailure, ScenarioInfo, ScenariosResult } from './scenarios-types.js';

export const SCENARIOS_REQUEST = 'irqd/scenarios';

export type { ScenarioFailure, ScenarioInfo, ScenariosResult, ScenarioStatus } from './scenarios-types.js';

/** The answer for a file that cannot be read, or a request that failed. */
export function scenariosProblem(uri: string, problem: string): ScenariosResult {
  return { uri, version: 0, scenarios: [], problem };
}

export interface ScenariosParams {
  readonly uri: string;
  /** The text to analyse when the document is not open (else the server reads the file). */
  readonly text?: string;
  /** Simulate every scenario before answering (a test run); else pending ones are 'pending'. */
  readonly run?: boolean;
}

/** The request's params, checked: -32602 saying what is wrong otherwise (params.ts). */
export function scenariosParams(p: unknown): ScenariosParams {
  const o = p !== null && typeof p === 'object' ? (p as Record<string, unknown>) : {};
  const { uri, text, run } = o;
  if (typeof uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'invalid params: uri must be a string');
  if (text !== undefined && typeof text !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'invalid params: text must be a string');
  if (run !== undefined && typeof run !== 'boolean') throw new ResponseError(ErrorCodes.InvalidParams, 'invalid params: run must be a boolean');
  return { uri, ...(text !== undefined ? { text } : {}), ...(run !== undefined ? { run } : {}) };
}

/** Every scenario of the analysis, in document order. */
export function scenarioInfos(analysis: Analysis, uri: string): ScenariosResult {
  const scenarios = analysis.model.scenarios.map((sc): ScenarioInfo => {
    const base = {
      name: sc.name,
      range: toRange(analysis, sc.declSpan),
      selectionRange: toRange(analysis, sc.nameSpan),
      ...(sc.system ? { system: sc.system.name } : {}),
    };
    if (analysis.pending.has(sc)) return { ...base, status: 'pending', steps: 0, failures: [] };
    const trace = analysis.traces.get(sc);
    if (!trace) return { ...base, status: 'not-simulated', reason: 'no system to run on', steps: 0, failures: [] };
    if (trace.skipped !== undefined) return { ...base, status: 'not-simulated', reason: trace.skipped, steps: 0, failures: [] };
    const steps = trace.records.length;
    if (trace.passed) return { ...base, status: 'passed', steps, failures: [] };
    return { ...base, status: 'failed', reason: failureText(trace), steps, failures: failuresOf(analysis, trace) };
  });
  return { uri, version: analysis.version, scenarios };
}

function failuresOf(analysis: Analysis, trace: Trace): ScenarioFailure[] {
  const out: ScenarioFailure[] = [];
  for (const r of trace.records) {
    if (r.outcome !== 'failed' && r.outcome !== 'expectation-failed') continue;
    out.push(failure(analysis, trace, r));
  }
  return out;
}

function failure(analysis: Analysis, trace: Trace, r: StepRecord): ScenarioFailure {
  const d = failureOf(trace, r);
  const kind = r.outcome === 'failed' ? 'step' : 'expectation';
  // The runner gives every failed record its diagnostic in the trace; should
  // one be missing, the step and its summary still say where and what.
  return {
    kind,
    step: r.ordinal,
    range: toRange(analysis, d?.span ?? r.step.span),
    ...(d ? { code: d.code } : {}),
    message: d?.message ?? r.summary,
    ...(d?.expected !== undefined && d.actual !== undefined ? { expected: d.expected, actual: d.actual } : {}),
  };
}
