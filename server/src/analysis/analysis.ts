// The Analysis of one document version: every phase's result, computed once
// and shared by every feature (architecture.md: one Analysis per version).
//
// Each phase runs behind a guard: an exception inside irqd becomes an IRQD003
// diagnostic and the later phases still run on what there is, so the editor
// never goes silent on a bug.
import { LineIndex, parse, type ParseResult, type SourceFile } from '../../../grammar/index.js';
import { checkStates } from '../check/state.js';
import { checkTopology } from '../check/topology.js';
import { bind, type BindOptions } from '../model/binder.js';
import { diagnostic, type IrqdDiagnostic } from '../model/diagnostic.js';
import type { AnySymbol, ImportedNames, Model, ScenarioSym, SystemSym } from '../model/types.js';
import { runScenario, type EndStates, type Trace } from '../sim/engine.js';
import { moveTrace, ScenarioKeys, type Reusable } from './reuse.js';

export interface AnalysisOptions extends BindOptions {
  /** Stop reporting after this many problems (the irqd.maxProblems setting). */
  readonly maxProblems?: number;
  /** Where the text lives (a path or a URI): `use` paths are relative to it. */
  readonly file?: string;
  /** Reads the files this one `use`s; without it every `use` is reported as unreadable. */
  readonly uses?: UseResolver;
  /** The files being analysed on the way here (`a` uses `b` uses this one): a `use` of one of them is a cycle. */
  readonly chain?: readonly string[];
  /** The last analysis of the same document: the traces of scenarios the edit did not touch are taken from it (reuse.ts). */
  readonly previous?: Analysis;
}

/** A file named by `use`, analysed. */
export interface UsedFile {
  /** The path as the `use` wrote it. */
  readonly path: string;
  /** The file's identity (a path or a URI, as the resolver names files). */
  readonly file: string;
  readonly analysis: Analysis;
}

/** How the analysis reads used files: the CLI from disk, the server from open documents first. */
export interface UseResolver {
  /** The analysis of the file `path` names, relative to `from`, or why it cannot be had (one line). */
  analysisOf(from: string, path: string, chain: readonly string[]): { file: string; analysis: Analysis } | { problem: string; cycle?: readonly string[] };
}

/** How deep `use` may nest (a uses b uses c …): far above any real layout, and a bound on the work. */
export const MAX_USE_DEPTH = 16;

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
  /** Where the text lives, when known (AnalysisOptions.file). */
  readonly file?: string;
  /** The files this one uses, in the order of its `use` lines (the unreadable ones are diagnostics). */
  readonly used: readonly UsedFile[];
  /** The `use` cycles found through this file: each loop from a file back to itself. */
  readonly cycles: readonly (readonly string[])[];
  /** Each trace by what it was computed from, for the next analysis of this document (reuse.ts). */
  readonly reusable: ReadonlyMap<string, Reusable>;
  /** How many scenarios were simulated for this analysis, and how many traces were taken from the previous one. */
  readonly simulated: { readonly run: number; readonly reused: number };
}

/** Files larger than this are not analysed; the diagnostic says so. */
export const MAX_TEXT_LENGTH = 4 * 1024 * 1024;

const emptyFile: SourceFile = { items: [], span: { start: 0, end: 0 } };

function emptyModel(): Model {
  return { systems: new Map(), scenarios: [], symbols: [], references: [], resolved: new WeakMap(), imported: { systems: new Map(), scenarios: new Map(), origin: new Map() } };
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
    return {
      version,
      text,
      lines,
      parse: { ast: emptyFile, errors: [], comments: [] },
      model: emptyModel(),
      diagnostics,
      traces: new Map(),
      ...(options.file ? { file: options.file } : {}),
      used: [],
      cycles: [],
      reusable: new Map(),
      simulated: { run: 0, reused: 0 },
    };
  }

  let parsed: ParseResult = { ast: emptyFile, errors: [], comments: [] };
  try {
    parsed = parse(text);
    for (const e of parsed.errors) diagnostics.push(diagnostic(e.phase === 'lex' ? 'IRQD002' : 'IRQD001', e.span, e.message));
  } catch (e) {
    diagnostics.push(internalError('parsing', e));
  }

  const cycles: string[][] = [];
  const used = resolveUses(parsed.ast, options, diagnostics, cycles);
  let model = emptyModel();
  try {
    const bound = bind(parsed.ast, { ...options, imported: importedNames(used) }, text);
    model = bound.model;
    diagnostics.push(...bound.diagnostics);
  } catch (e) {
    diagnostics.push(internalError('name binding', e));
  }

  try {
    diagnostics.push(...checkTopology(model));
    diagnostics.push(...checkStates(model.systems.values()));
  } catch (e) {
    diagnostics.push(internalError('topology checks', e));
  }

  const traces = new Map<ScenarioSym, Trace>();
  // The static errors, once: a scenario's own trace diagnostics never fall in
  // another scenario's span or in a system's, so they need not be re-scanned.
  const staticErrors = diagnostics.filter((d) => d.severity === 'error');
  const errorsIn = systemErrorCounter(model, used, staticErrors);
  const ends: EndStates = new Map();
  const local = new Set(model.scenarios);
  const keys = new ScenarioKeys(text, local, new Set(model.systems.values()), optionsKey(options));
  const previous = options.previous?.reusable;
  const reusable = new Map<string, Reusable>();
  const simulated = { run: 0, reused: 0 };
  for (const sc of model.scenarios) {
    try {
      const skipped = skipReason(sc, staticErrors, errorsIn, local);
      if (skipped !== undefined) {
        if (skipped) traces.set(sc, skipped);
        continue;
      }
      const system = sc.system as SystemSym;
      const key = keys.keyOf(sc);
      const tokens = key === undefined ? undefined : keys.tokensOf(sc);
      const old = key === undefined ? undefined : previous?.get(key);
      let trace = old && tokens ? moveTrace(old, tokens, sc, system) : undefined;
      if (trace) simulated.reused++;
      else {
        trace = runScenario(sc, { ends });
        simulated.run++;
      }
      if (!trace) continue;
      traces.set(sc, trace);
      diagnostics.push(...trace.diagnostics);
      if (key !== undefined && tokens) reusable.set(key, { trace, tokens });
    } catch (e) {
      diagnostics.push({ ...internalError(`simulating scenario '${sc.name}'`, e), span: sc.nameSpan });
    }
  }

  diagnostics.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  const max = options.maxProblems ?? Infinity;
  return {
    version,
    text,
    lines,
    parse: parsed,
    model,
    diagnostics: diagnostics.length > max ? diagnostics.slice(0, max) : diagnostics,
    traces,
    ...(options.file ? { file: options.file } : {}),
    used,
    cycles,
    reusable,
    simulated,
  };
}

/** The options a trace depends on, as part of its key. */
function optionsKey(options: AnalysisOptions): string {
  return `kernel=${options.defaultKernel ?? ''}`;
}

/** A loop of files for messages: the base names, 'a.irqd → b.irqd → a.irqd'. */
function loopText(loop: readonly string[]): string {
  return loop.map((f) => f.replace(/^.*[\\/]/, '')).join(' → ');
}

/** Analyses every `use`d file through the resolver; what cannot be read is IRQD051 on the path. */
function resolveUses(ast: SourceFile, options: AnalysisOptions, diagnostics: IrqdDiagnostic[], cycles: string[][]): UsedFile[] {
  const out: UsedFile[] = [];
  const chain = [...(options.chain ?? []), ...(options.file ? [options.file] : [])];
  for (const item of ast.items) {
    if (item.kind !== 'use' || !item.path) continue;
    const span = item.path.span;
    if (!options.uses || !options.file) {
      diagnostics.push(diagnostic('IRQD051', span, `'${item.path.text}' cannot be read: this text is not in a file, so there is nothing to resolve the path against`));
      continue;
    }
    if (chain.length > MAX_USE_DEPTH) {
      diagnostics.push(diagnostic('IRQD051', span, `'use' nests deeper than ${MAX_USE_DEPTH} files here`));
      continue;
    }
    let r: ReturnType<UseResolver['analysisOf']>;
    try {
      r = options.uses.analysisOf(options.file, item.path.text, chain);
    } catch (e) {
      r = { problem: `cannot be read (${e instanceof Error ? e.message : String(e)})` };
    }
    if ('problem' in r) {
      if (r.cycle) {
        cycles.push([...r.cycle]);
        diagnostics.push(diagnostic('IRQD051', span, `'${item.path.text}' is in a cycle of 'use': ${loopText(r.cycle)}`));
      } else {
        diagnostics.push(diagnostic('IRQD051', span, `'${item.path.text}' ${r.problem}`));
      }
      continue;
    }
    // A cycle found further down that comes back here is this file's too.
    const loop = r.analysis.cycles.find((c) => options.file !== undefined && c.includes(options.file));
    if (loop) {
      cycles.push([...loop]);
      diagnostics.push(diagnostic('IRQD051', span, `'${item.path.text}' uses this file again: ${loopText(loop)}`));
      continue;
    }
    for (const c of r.analysis.cycles) cycles.push([...c]);
    if (out.some((u) => u.file === r.file)) continue;
    out.push({ path: item.path.text, file: r.file, analysis: r.analysis });
  }
  return out;
}

/** The systems and scenarios the used files declare (not the files they use in turn). */
function importedNames(used: readonly UsedFile[]): ImportedNames {
  const systems = new Map<string, SystemSym>();
  const scenarios = new Map<string, ScenarioSym>();
  const origin = new Map<AnySymbol, string>();
  for (const u of used) {
    for (const [name, sys] of u.analysis.model.systems) {
      if (systems.has(name)) continue;
      systems.set(name, sys);
      origin.set(sys, u.path);
    }
    for (const sc of u.analysis.model.scenarios) {
      if (sc.name === '' || scenarios.has(sc.name)) continue;
      scenarios.set(sc.name, sc);
      origin.set(sc, u.path);
    }
  }
  return { systems, scenarios, origin };
}

/** Counts the errors inside a system's declaration, in this file or in the used file that declares it. */
function systemErrorCounter(model: Model, used: readonly UsedFile[], staticErrors: readonly IrqdDiagnostic[]): (system: SystemSym) => { errors: number; where: string } {
  const home = new Map<SystemSym, UsedFile>();
  for (const u of used) for (const sys of u.analysis.model.systems.values()) home.set(sys, u);
  return (system) => {
    const u = home.get(system);
    if (!u || model.systems.get(system.name) === system) {
      return { errors: staticErrors.filter((d) => inside(d.span, system.declSpan)).length, where: '' };
    }
    return { errors: u.analysis.diagnostics.filter((d) => d.severity === 'error' && inside(d.span, system.declSpan)).length, where: ` (${u.path})` };
  };
}

function inside(span: { start: number; end: number }, outer: { start: number; end: number }): boolean {
  return span.start >= outer.start && span.end <= outer.end;
}

/**
 * Why a scenario is not simulated: undefined when it is to be; a trace that
 * says why when its system or its own steps (or a scenario it continues) have
 * errors, since a broken topology would only produce misleading kernel
 * behaviour; null when it has no system at all.
 */
function skipReason(
  sc: ScenarioSym,
  staticErrors: readonly IrqdDiagnostic[],
  errorsIn: (system: SystemSym) => { errors: number; where: string },
  local: ReadonlySet<ScenarioSym>,
): Trace | null | undefined {
  const system = sc.system;
  if (!system) return null;
  const inSystem = errorsIn(system);
  // A scenario it continues must be free of errors too: its steps run first.
  const chain: ScenarioSym[] = [];
  for (let s: ScenarioSym | undefined = sc; s && !chain.includes(s); s = s.after) chain.push(s);
  const own = staticErrors.filter((d) => chain.some((s) => local.has(s) && inside(d.span, s.declSpan))).length;
  const errors = inSystem.errors + own;
  if (errors === 0) return undefined;
  // The errors themselves are the diagnostics; lenses and hovers say why nothing ran.
  return {
    scenario: sc,
    system,
    records: [],
    diagnostics: [],
    passed: false,
    skipped: `fix the ${errors} error${errors === 1 ? '' : 's'} in system '${system.name}'${inSystem.where} or this scenario first`,
  };
}
