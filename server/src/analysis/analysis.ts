// The Analysis of one document version: every phase's result, computed once
// and shared by every feature (architecture.md: one Analysis per version).
//
// Each phase runs behind a guard: an exception inside irqd becomes an IRQD003
// diagnostic and the later phases still run on what there is, so the editor
// never goes silent on a bug.
import { LineIndex, parse, type ParseResult, type SourceFile } from '../../../grammar/index.js';
import { checkTopology } from '../check/topology.js';
import { bind, type BindOptions } from '../model/binder.js';
import { diagnostic, type IrqdDiagnostic } from '../model/diagnostic.js';
import type { Model, ScenarioSym } from '../model/types.js';
import { runScenario, type Trace } from '../sim/engine.js';

export interface AnalysisOptions extends BindOptions {
  /** Stop reporting after this many problems (the irqd.maxProblems setting). */
  readonly maxProblems?: number;
}

export interface Analysis {
  readonly version: number;
  readonly text: string;
  readonly lines: LineIndex;
  readonly parse: ParseResult;
  readonly model: Model;
  /** All diagnostics, sorted by position, capped at maxProblems. */
  readonly diagnostics: readonly IrqdDiagnostic[];
  /** The simulation of each scenario that could run (its system and steps free of errors). */
  readonly traces: ReadonlyMap<ScenarioSym, Trace>;
}

/** Files larger than this are not analysed; the diagnostic says so. */
export const MAX_TEXT_LENGTH = 4 * 1024 * 1024;

const emptyFile: SourceFile = { items: [], span: { start: 0, end: 0 } };

function emptyModel(): Model {
  return { systems: new Map(), scenarios: [], symbols: [], references: [], resolved: new WeakMap() };
}

function internalError(phase: string, e: unknown): IrqdDiagnostic {
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return diagnostic('IRQD003', { start: 0, end: 0 }, `internal error in irqd, please report: ${phase} failed: ${what}`);
}

export function analyze(text: string, version: number, options: AnalysisOptions = {}): Analysis {
  const lines = new LineIndex(text);
  const diagnostics: IrqdDiagnostic[] = [];
  if (text.length > MAX_TEXT_LENGTH) {
    diagnostics.push(
      diagnostic('IRQD004', { start: 0, end: 0 }, `this file has ${text.length} characters; irqd analyses files of up to ${MAX_TEXT_LENGTH}`),
    );
    return { version, text, lines, parse: { ast: emptyFile, errors: [], comments: [] }, model: emptyModel(), diagnostics, traces: new Map() };
  }

  let parsed: ParseResult = { ast: emptyFile, errors: [], comments: [] };
  try {
    parsed = parse(text);
    for (const e of parsed.errors) diagnostics.push(diagnostic(e.phase === 'lex' ? 'IRQD002' : 'IRQD001', e.span, e.message));
  } catch (e) {
    diagnostics.push(internalError('parsing', e));
  }

  let model = emptyModel();
  try {
    const bound = bind(parsed.ast, options, text);
    model = bound.model;
    diagnostics.push(...bound.diagnostics);
  } catch (e) {
    diagnostics.push(internalError('name binding', e));
  }

  try {
    diagnostics.push(...checkTopology(model));
  } catch (e) {
    diagnostics.push(internalError('topology checks', e));
  }

  const traces = new Map<ScenarioSym, Trace>();
  // The static errors, once: a scenario's own trace diagnostics never fall in
  // another scenario's span or in a system's, so they need not be re-scanned.
  const staticErrors = diagnostics.filter((d) => d.severity === 'error');
  for (const sc of model.scenarios) {
    try {
      const trace = simulate(sc, staticErrors);
      if (trace) {
        traces.set(sc, trace);
        diagnostics.push(...trace.diagnostics);
      }
    } catch (e) {
      diagnostics.push({ ...internalError(`simulating scenario '${sc.name}'`, e), span: sc.nameSpan });
    }
  }

  diagnostics.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  const max = options.maxProblems ?? Infinity;
  return { version, text, lines, parse: parsed, model, diagnostics: diagnostics.length > max ? diagnostics.slice(0, max) : diagnostics, traces };
}

function inside(span: { start: number; end: number }, outer: { start: number; end: number }): boolean {
  return span.start >= outer.start && span.end <= outer.end;
}

/**
 * Runs a scenario unless its system or its own steps have errors: a broken
 * topology would only produce misleading kernel behaviour.
 */
function simulate(sc: ScenarioSym, staticErrors: readonly IrqdDiagnostic[]): Trace | undefined {
  const system = sc.system;
  if (!system) return undefined;
  const errors = staticErrors.filter((d) => inside(d.span, system.declSpan) || inside(d.span, sc.declSpan));
  if (errors.length > 0) {
    // The errors themselves are the diagnostics; lenses and hovers say why nothing ran.
    return {
      scenario: sc,
      system,
      records: [],
      diagnostics: [],
      passed: false,
      skipped: `fix the ${errors.length} error${errors.length === 1 ? '' : 's'} in system '${system.name}' or this scenario first`,
    };
  }
  return runScenario(sc);
}
