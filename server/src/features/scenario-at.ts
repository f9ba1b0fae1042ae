// Finding the scenario and step under the cursor, and the stepping position
// the server keeps per scenario (passed in: features hold no state).
import type * as A from '../../../grammar/index.js';
import type { Analysis } from '../analysis/analysis.js';
import type { ScenarioSym } from '../model/types.js';
import type { StepRecord, Trace } from '../sim/engine.js';

/** Steps stepped so far, per scenario index; absent means "the whole scenario". */
export type SteppingState = ReadonlyMap<number, number>;

export function scenarioAt(analysis: Analysis, offset: number): { scenario: ScenarioSym; index: number } | undefined {
  const index = analysis.model.scenarios.findIndex((s) => s.declSpan.start <= offset && offset <= s.declSpan.end);
  const scenario = analysis.model.scenarios[index];
  return scenario ? { scenario, index } : undefined;
}

function contains(span: A.Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

/** The record of the top-level step at the offset (an `expect fail` wraps its inner step). */
export function recordAt(trace: Trace, offset: number): StepRecord | undefined {
  return trace.records.find((r) => contains(r.step.span, offset));
}

export function traceOf(analysis: Analysis, scenario: ScenarioSym): Trace | undefined {
  return analysis.traces.get(scenario);
}
