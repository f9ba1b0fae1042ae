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
import { adoptEndState, runScenario, type EndStates, type Trace } from '../sim/engine.js';
import { moveTrace, sameRaw, ScenarioKeys, shiftTrace, type Reusable } from './reuse.js';

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
  /** Whether a chain of `use` through this file went past MAX_USE_DEPTH (said on this file's `use` line too). */
  readonly useTooDeep: boolean;
  /** Each trace with what it was computed from, for the next analysis of this document (reuse.ts). */
  readonly reusable: readonly Reusable[];
  /** How many scenarios were simulated for this analysis, and how many traces were taken from the previous one. */
  readonly simulated: { readonly run: number; readonly reused: number };
  /** The scenarios not simulated yet (AnalysisRun simulates in slices); empty once `complete`. */
  readonly pending: ReadonlySet<ScenarioSym>;
  /** Every scenario that can run has its trace, and `diagnostics` are final. */
  readonly complete: boolean;
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

/** What an AnalysisRun fills in as it goes; features see it as the readonly Analysis. */
interface AnalysisInProgress extends Omit<Analysis, 'diagnostics' | 'complete'> {
  diagnostics: readonly IrqdDiagnostic[];
  complete: boolean;
  readonly traces: Map<ScenarioSym, Trace>;
  readonly pending: Set<ScenarioSym>;
  readonly reusable: Reusable[];
  readonly simulated: { run: number; reused: number };
}

/**
 * One analysis of one document version, in two parts: the constructor does
 * everything but simulation (parse, uses, binding, checks) and takes the
 * traces the previous analysis can lend (reuse.ts); step() then simulates the
 * remaining scenarios one at a time, so the server can answer requests in
 * between and drop the run when a newer edit arrives. `analysis` is usable
 * at once: until it is complete, `pending` names the scenarios still to be
 * simulated and `diagnostics` holds all but theirs.
 */
export class AnalysisRun {
  readonly analysis: Analysis;
  private readonly state: AnalysisInProgress;
  private readonly queue: ScenarioSym[] = [];
  private readonly staticDiagnostics: IrqdDiagnostic[];
  /** Per scenario, what its simulation added to the diagnostics (its trace's, or an internal error). */
  private readonly scenarioDiagnostics = new Map<ScenarioSym, readonly IrqdDiagnostic[]>();
  private readonly ends: EndStates = new Map();
  private readonly keys: ScenarioKeys | undefined;

  private readonly options: AnalysisOptions;

  constructor(text: string, version: number, options: AnalysisOptions = {}) {
    // The previous analysis lends its traces here, in the constructor, and is not kept (no chain of old versions).
    const { previous, ...rest } = options;
    this.options = rest;
    const lines = new LineIndex(text);
    const diagnostics: IrqdDiagnostic[] = [];
    const base = { version, text, lines, ...(options.file ? { file: options.file } : {}) };
    const empty = { traces: new Map(), pending: new Set<ScenarioSym>(), reusable: [], simulated: { run: 0, reused: 0 }, complete: false };
    if (text.length > MAX_TEXT_LENGTH) {
      diagnostics.push(
        diagnostic('IRQD004', { start: 0, end: 0 }, `this file has ${text.length} characters; irqd analyses files of up to ${MAX_TEXT_LENGTH}`),
      );
      this.staticDiagnostics = diagnostics;
      this.state = { ...base, ...empty, parse: { ast: emptyFile, errors: [], comments: [] }, model: emptyModel(), diagnostics, used: [], cycles: [], useTooDeep: false };
      this.analysis = this.state;
      this.keys = undefined;
      this.finishDiagnostics();
      return;
    }

    let parsed: ParseResult = { ast: emptyFile, errors: [], comments: [] };
    try {
      parsed = parse(text);
      for (const e of parsed.errors) diagnostics.push(diagnostic(e.phase === 'lex' ? 'IRQD002' : 'IRQD001', e.span, e.message));
    } catch (e) {
      diagnostics.push(internalError('parsing', e));
    }

    const cycles: string[][] = [];
    const depth = { tooDeep: false };
    const used = resolveUses(parsed.ast, options, diagnostics, cycles, depth);
    let model = emptyModel();
    try {
      const bound = bind(parsed.ast, { ...options, imported: importedNames(used) }, text);
      model = bound.model;
      appendAll(diagnostics, bound.diagnostics);
    } catch (e) {
      diagnostics.push(internalError('name binding', e));
    }

    try {
      appendAll(diagnostics, checkTopology(model));
      appendAll(diagnostics, checkStates(model.systems.values()));
    } catch (e) {
      diagnostics.push(internalError('topology checks', e));
    }
    this.staticDiagnostics = diagnostics;
    this.state = { ...base, ...empty, parse: parsed, model, diagnostics, used, cycles, useTooDeep: depth.tooDeep };
    this.analysis = this.state;

    // The static errors, once: a scenario's own trace diagnostics never fall in
    // another scenario's span or in a system's, so they need not be re-scanned.
    const staticErrors = diagnostics.filter((d) => d.severity === 'error');
    const byPosition = new ErrorsByPosition(staticErrors, text);
    const errorsIn = systemErrorCounter(model, used, byPosition);
    const local = new Set(model.scenarios);
    this.keys = new ScenarioKeys(text, local, new Set(model.systems.values()), optionsKey(options));
    for (const sc of model.scenarios) {
      try {
        const skipped = skipReason(sc, errorsIn, local, byPosition);
        if (skipped !== undefined) {
          if (skipped) this.state.traces.set(sc, skipped);
          continue;
        }
        if (!this.reuse(sc, previous)) {
          this.queue.push(sc);
          this.state.pending.add(sc);
        }
      } catch (e) {
        this.scenarioDiagnostics.set(sc, [{ ...internalError(`simulating scenario '${sc.name}'`, e), span: sc.nameSpan }]);
      }
    }
    if (this.queue.length === 0) this.finishDiagnostics();
    else this.state.diagnostics = this.sortedDiagnostics();
  }

  /**
   * Takes the previous analysis's trace of an unchanged scenario: one whose
   * exact text is unchanged (it only moved), or else one of the same name
   * whose tokens are unchanged (comments or whitespace edited); false when
   * there is none to take.
   */
  private reuse(sc: ScenarioSym, previous: Analysis | undefined): boolean {
    const keys = this.keys;
    if (!previous || !keys || sc.system === undefined) return false;
    const system = sc.system;
    const raw = keys.rawKeyOf(sc);
    if (raw === undefined) return false;
    const candidates = this.previousByName(previous).get(sc.name) ?? [];
    const same = candidates.find((old) => sameRaw(old.raw, raw));
    let trace = same ? shiftTrace(same, sc.declSpan.start, sc, system) : undefined;
    let used: Reusable | undefined;
    if (!trace) {
      for (const old of candidates) {
        if (old === same || !keys.sameInputs(sc, raw, old)) continue;
        trace = moveTrace(old, keys.tokensOf(sc), sc, system);
        if (trace) {
          used = old;
          break;
        }
      }
    }
    // An edit in a device declaration no step of the scenario names: the trace
    // is the same, but its end state holds the old system's symbols, so it is
    // not kept (a scenario continuing this one replays it on the new system).
    let narrowed = false;
    if (!trace) {
      const narrow = keys.narrowKeyOf(sc);
      const old = narrow && candidates.find((c) => {
        const n = c.narrow();
        return n !== undefined && sameRaw(n, narrow);
      });
      trace = old ? shiftTrace(old, sc.declSpan.start, sc, system) : undefined;
      narrowed = trace !== undefined;
    }
    if (!trace) return false;
    if (!narrowed) adoptEndState((used ?? same)?.trace.scenario ?? sc, sc, trace, this.ends);
    this.record(sc, trace);
    this.state.simulated.reused++;
    return true;
  }

  private byName: Map<string, Reusable[]> | undefined;

  /** The previous analysis's traces by scenario name, built on the first miss. */
  private previousByName(previous: Analysis): Map<string, Reusable[]> {
    if (!this.byName) {
      this.byName = new Map();
      for (const r of previous.reusable) {
        const list = this.byName.get(r.name) ?? [];
        list.push(r);
        this.byName.set(r.name, list);
      }
    }
    return this.byName;
  }

  private record(sc: ScenarioSym, trace: Trace): void {
    this.state.traces.set(sc, trace);
    this.scenarioDiagnostics.set(sc, trace.diagnostics);
    const reusable = this.keys?.reusable(sc, trace);
    if (reusable) this.state.reusable.push(reusable);
  }

  /** Simulates the next scenario; true while more remain. */
  private simulateNext(): boolean {
    const sc = this.queue.shift();
    if (!sc) return false;
    this.state.pending.delete(sc);
    try {
      const trace = runScenario(sc, { ends: this.ends });
      this.state.simulated.run++;
      if (trace) this.record(sc, trace);
    } catch (e) {
      this.scenarioDiagnostics.set(sc, [{ ...internalError(`simulating scenario '${sc.name}'`, e), span: sc.nameSpan }]);
    }
    return this.queue.length > 0;
  }

  /**
   * Simulates scenarios until none is left or `budgetMs` has passed (at least
   * one runs); true while more remain.
   */
  step(budgetMs = Infinity): boolean {
    if (this.state.complete) return false;
    const until = performance.now() + budgetMs;
    let more = this.queue.length > 0;
    while (more) {
      more = this.simulateNext();
      if (performance.now() >= until) break;
    }
    if (!more) this.finishDiagnostics();
    else this.state.diagnostics = this.sortedDiagnostics();
    return more;
  }

  /** Runs to the end and returns the complete analysis. */
  finish(): Analysis {
    while (this.step()) {
      // step() runs until the queue is empty.
    }
    return this.analysis;
  }

  /** Static diagnostics, then each scenario's in the order of the scenarios, sorted by position (a stable sort). */
  private sortedDiagnostics(): IrqdDiagnostic[] {
    const all = [...this.staticDiagnostics];
    for (const sc of this.state.model.scenarios) appendAll(all, this.scenarioDiagnostics.get(sc) ?? []);
    all.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
    const max = this.options.maxProblems ?? Infinity;
    return all.length > max ? all.slice(0, max) : all;
  }

  private finishDiagnostics(): void {
    this.state.diagnostics = this.sortedDiagnostics();
    this.state.complete = true;
  }
}

/** The complete analysis of a text, computed now (the CLI, tests, used files). */
export function analyze(text: string, version: number, options: AnalysisOptions = {}): Analysis {
  return new AnalysisRun(text, version, options).finish();
}

/** Appends one array to another; `push(...items)` overflows the stack on a few hundred thousand items. */
function appendAll<T>(to: T[], items: readonly T[]): void {
  for (const item of items) to.push(item);
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
function resolveUses(ast: SourceFile, options: AnalysisOptions, diagnostics: IrqdDiagnostic[], cycles: string[][], depth: { tooDeep: boolean }): UsedFile[] {
  const out: UsedFile[] = [];
  const chain = [...(options.chain ?? []), ...(options.file ? [options.file] : [])];
  const resolved = new Map<string, ReturnType<UseResolver['analysisOf']>>();
  for (const item of ast.items) {
    if (item.kind !== 'use' || !item.path) continue;
    const span = item.path.span;
    if (!options.uses || !options.file) {
      diagnostics.push(diagnostic('IRQD051', span, `'${item.path.text}' cannot be read: this text is not in a file, so there is nothing to resolve the path against`));
      continue;
    }
    if (chain.length > MAX_USE_DEPTH) {
      diagnostics.push(diagnostic('IRQD051', span, `'use' nests deeper than ${MAX_USE_DEPTH} files here (MAX_USE_DEPTH)`));
      depth.tooDeep = true;
      continue;
    }
    // The same path twice is one file: it is read and resolved once per analysis (a 4 MiB file of
    // 50,000 identical `use` lines read the file 50,000 times).
    let r = resolved.get(item.path.text);
    if (!r) {
      try {
        r = options.uses.analysisOf(options.file, item.path.text, chain);
      } catch (e) {
        r = { problem: `cannot be read (${e instanceof Error ? e.message : String(e)})` };
      }
      resolved.set(item.path.text, r);
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
    // The file that went too deep is far down the chain: say it where the chain starts too.
    if (r.analysis.useTooDeep) {
      depth.tooDeep = true;
      diagnostics.push(diagnostic('IRQD051', span, `'${item.path.text}' starts a chain of 'use' deeper than ${MAX_USE_DEPTH} files (MAX_USE_DEPTH)`));
    }
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
function systemErrorCounter(model: Model, used: readonly UsedFile[], staticErrors: ErrorsByPosition): (system: SystemSym) => { errors: number; where: string } {
  const home = new Map<SystemSym, UsedFile>();
  for (const u of used) for (const sys of u.analysis.model.systems.values()) home.set(sys, u);
  // Once per system: every scenario on it asks.
  const counted = new Map<SystemSym, { errors: number; where: string }>();
  return (system) => {
    let c = counted.get(system);
    if (!c) {
      const u = home.get(system);
      c =
        !u || model.systems.get(system.name) === system
          ? { errors: staticErrors.insideOf(system.declSpan), where: '' }
          : { errors: u.analysis.diagnostics.filter((d) => d.severity === 'error' && inside(d.span, system.declSpan)).length, where: ` (${u.path})` };
      counted.set(system, c);
    }
    return c;
  };
}

function inside(span: { start: number; end: number }, outer: { start: number; end: number }): boolean {
  return span.start >= outer.start && span.end <= outer.end;
}

/**
 * The static errors by position, to count those that concern a declaration:
 * inside it, or a syntax error on the line where it ends. Recovery can end a
 * scenario early ("expected 'available' after 'expect cpu 1', found
 * 'system'" closes it before `system`): the step the error is about is the
 * scenario's last, and must not run with its value missing. Each count is a
 * search, not a pass over every error: a file can have thousands of errors
 * and of scenarios.
 */
class ErrorsByPosition {
  private readonly sorted: readonly IrqdDiagnostic[];
  private readonly starts: readonly number[];

  constructor(
    errors: readonly IrqdDiagnostic[],
    private readonly text: string,
  ) {
    this.sorted = [...errors].sort((a, b) => a.span.start - b.span.start);
    this.starts = this.sorted.map((d) => d.span.start);
  }

  /** How many errors lie inside the declaration. */
  insideOf(decl: { start: number; end: number }): number {
    let n = 0;
    for (let i = lowerBound(this.starts, decl.start); i < this.sorted.length; i++) {
      const d = this.sorted[i] as IrqdDiagnostic;
      if (d.span.start > decl.end) break;
      if (inside(d.span, decl)) n++;
    }
    return n;
  }

  /** How many errors concern the declaration. */
  concerning(decl: { start: number; end: number }): number {
    let lineEnd = decl.end;
    while (lineEnd < this.text.length && this.text.charCodeAt(lineEnd) !== 10 && this.text.charCodeAt(lineEnd) !== 13) lineEnd++;
    let n = 0;
    for (let i = lowerBound(this.starts, decl.start); i < this.sorted.length; i++) {
      const d = this.sorted[i] as IrqdDiagnostic;
      if (d.span.start > lineEnd) break;
      if (inside(d.span, decl) || ((d.code === 'IRQD001' || d.code === 'IRQD002') && d.span.start >= decl.end)) n++;
    }
    return n;
  }
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Why a scenario is not simulated: undefined when it is to be; a trace that
 * says why when its system or its own steps (or a scenario it continues) have
 * errors, since a broken topology would only produce misleading kernel
 * behaviour; null when it has no system at all.
 */
function skipReason(
  sc: ScenarioSym,
  errorsIn: (system: SystemSym) => { errors: number; where: string },
  local: ReadonlySet<ScenarioSym>,
  byPosition: ErrorsByPosition,
): Trace | null | undefined {
  const system = sc.system;
  if (!system) return null;
  const inSystem = errorsIn(system);
  // A scenario it continues must be free of errors too: its steps run first.
  const chain: ScenarioSym[] = [];
  for (let s: ScenarioSym | undefined = sc; s && !chain.includes(s); s = s.after) chain.push(s);
  let own = 0;
  for (const s of chain) if (local.has(s)) own += byPosition.concerning(s.declSpan);
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
