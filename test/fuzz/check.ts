// The checks every input goes through: the pipeline exactly as the server
// drives it. The text is analysed with analyze() (as a file on disk, with a
// DiskUseResolver, so `use` works) and also as the server does it, an
// AnalysisRun simulated in 8 ms slices with requests answered in between;
// then every LSP feature runs at random positions, and an edited version is
// analysed incrementally ({ previous }) and compared with a fresh analysis.
//
// A failure is a thrown error, an IRQD003 (internal error) diagnostic, a
// single call over the time limit, the process over the memory limit, an
// incremental analysis that differs from a fresh one, or output no user should
// see (a non-finite number in a response; NaN, Infinity, undefined or
// [object Object] in a message when the input has no such word).
import { pathToFileURL } from 'node:url';
import type { Position, Range } from 'vscode-languageserver';
import { analyze, AnalysisRun, type Analysis, type AnalysisOptions } from '../../server/src/analysis/analysis.js';
import { DiskUseResolver } from '../../server/src/analysis/files.js';
import { codeActions } from '../../server/src/features/code-actions/index.js';
import { codeLenses } from '../../server/src/features/code-lens.js';
import { completion } from '../../server/src/features/completion.js';
import { prepareCallHierarchy } from '../../server/src/features/call-hierarchy.js';
import { signatureHelp } from '../../server/src/features/signature-help.js';
import { toLspDiagnostics } from '../../server/src/features/convert.js';
import { definition } from '../../server/src/features/definition.js';
import { foldingRanges } from '../../server/src/features/folding.js';
import { DEFAULT_LAYOUT } from '../../server/src/features/layout.js';
import { formatDocument, formatOnType, formatRange } from '../../server/src/features/formatting.js';
import { machineState } from '../../server/src/features/machine-view.js';
import { scenarioInfos } from '../../server/src/features/scenarios.js';
import { hover } from '../../server/src/features/hover.js';
import { inlayHints } from '../../server/src/features/inlay-hints.js';
import { references } from '../../server/src/features/references.js';
import { prepareRename, rename } from '../../server/src/features/rename.js';
import { semanticTokens } from '../../server/src/features/semantic-tokens.js';
import { documentSymbols } from '../../server/src/features/symbols.js';
import { traceLines } from '../../server/src/features/trace-text.js';
import { inputFile } from './corpus.js';
import { pieces, type Piece } from './mutate.js';
import { hotFunction, profiled } from './profile.js';
import type { Rng } from './rng.js';
import { shown } from '../support/shown.js';

export type FailureKind = 'throw' | 'internal' | 'slow' | 'memory' | 'incremental' | 'output' | 'import' | 'crash' | 'hang';

export interface Failure {
  readonly kind: FailureKind;
  /** The call that failed: analyze, hover, completion, …, importSnapshot. */
  readonly where: string;
  /** The whole message, as it happened. */
  readonly message: string;
  /** The failure with the input's particulars (numbers, long names) taken out: equal classes are one bug. */
  readonly klass: string;
  /** Where in irqd it points: the first frames in server/src or grammar/ (a stack, or a profile's hottest function). */
  readonly frames?: readonly string[];
  /** For a feature: the position it was called at. */
  readonly position?: Position;
  /** For a failure in the incremental analysis: the edit after which it happened. */
  readonly edit?: Edit;
  readonly ms?: number;
}

export interface Limits {
  /** A single call slower than this is a failure. */
  readonly slowMs: number;
  /** Resident memory above this is a failure. */
  readonly maxRssBytes: number;
}

export const DEFAULT_LIMITS: Limits = { slowMs: 1000, maxRssBytes: 1.5 * 2 ** 30 };

export const uri = pathToFileURL(inputFile).href;

/** What a check runs: everything, or (when minimizing) only what the failure needs. */
export interface CheckPlan {
  /** Positions at random (the fuzz run) or at every token (replaying or minimizing a failure). */
  readonly positions: 'random' | 'exhaustive';
  /** Only this feature after the analysis (a feature failure being minimized). */
  readonly only?: string;
  /** Run the incremental comparison; for an incremental failure, the edit to apply. */
  readonly incremental: boolean | Edit;
  /** Also drive an AnalysisRun in slices, with requests in between, as the server does. */
  readonly sliced: boolean;
  /**
   * A slow call is reported at once, without the second, profiled run that
   * confirms it and names its hot file (minimizing a slow input, where every
   * try costs seconds; the class is then `slow|where|`).
   */
  readonly quick?: boolean;
  /**
   * Called after every call: a worker replaying a big input at 600 positions
   * to minimize it reports progress, so that it is not taken for a hung one
   * (a hang is one call that does not return).
   */
  readonly tick?: () => void;
}

export const FULL_PLAN: CheckPlan = { positions: 'random', incremental: true, sliced: true };

/** One edit of a text: `deleted` characters at `at` replaced by `inserted`. */
export interface Edit {
  readonly at: number;
  readonly deleted: number;
  readonly inserted: string;
}

export function applyEdit(text: string, e: Edit): string {
  return text.slice(0, e.at) + e.inserted + text.slice(e.at + e.deleted);
}

/** Thrown inside a check to end it with a failure. */
class Failed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/** The frames of a stack that are irqd's own (server/src, grammar; not a library's folder of the same name), as `function (file:line)`. */
export function ownFrames(stack: string | undefined, max = 4): string[] {
  if (!stack) return [];
  const out: string[] = [];
  for (const line of stack.split('\n')) {
    const m = /^\s+at (?:(.+?) \()?(.*?):(\d+)(?::\d+)?\)?$/.exec(line);
    if (!m || /node_modules/.test(m[2] ?? '')) continue;
    const file = /(?:^|\/)((?:server\/src|grammar)\/[^/].*)$/.exec(m[2] ?? '')?.[1];
    if (!file) continue;
    out.push(`${m[1] ?? '<anonymous>'} (${file}:${m[3] ?? ''})`);
    if (out.length >= max) break;
  }
  return out;
}

/** A message with the input's particulars taken out, for grouping. */
export function normalize(message: string): string {
  return message
    .replace(/'[^'\n]{24,}'/g, "'…'")
    .replace(/"[^"\n]{24,}"/g, '"…"')
    .replace(/scenario '[^']*'/g, "scenario '…'")
    .replace(/\b0x[0-9a-fA-F]+\b/g, 'N')
    .replace(/\d+(\.\d+)?/g, 'N')
    .replace(/\s+/g, ' ')
    .slice(0, 300);
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : `thrown: ${String(e)}`;
}

/** The first own frame's function, for a class: the same message from another place is another bug. */
function frameKey(frames: readonly string[]): string {
  const f = frames[0];
  return f ? f.replace(/:\d+\)$/, ')') : '';
}

function thrown(where: string, e: unknown, position?: Position): Failure {
  const stack = e instanceof Error ? e.stack : undefined;
  const frames = ownFrames(stack);
  const message = errorText(e);
  return { kind: 'throw', where, message, klass: `throw|${where}|${normalize(message)}|${frameKey(frames)}`, frames, ...(position ? { position } : {}) };
}

/** Words a message must not show unless the user wrote them: JavaScript leaking through. */
const LEAKS = /\b(NaN|Infinity|undefined)\b|\[object Object\]/;

/** Walks a response for numbers JSON cannot carry (NaN, ±Infinity become null on the wire) and leaked words in text. */
function badOutput(value: unknown, inputHasLeakWords: boolean, path = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path || 'the result'} is ${value}`;
  if (typeof value === 'string') {
    if (inputHasLeakWords) return undefined;
    const m = LEAKS.exec(value);
    return m ? `${path || 'the text'} shows '${m[0]}': ${JSON.stringify(value.slice(Math.max(0, (m.index ?? 0) - 60), (m.index ?? 0) + 40))}` : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const r = badOutput(v, inputHasLeakWords, `${path}[${i}]`);
      if (r) return r;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const r = badOutput(v, inputHasLeakWords, path ? `${path}.${k}` : k);
      if (r) return r;
    }
  }
  return undefined;
}

/** The first place two plain values differ, as a path with indices (`traces[2].records[0]`), or undefined. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return undefined;
  }
  return path || '(the value)';
}

/** An edit like a user's: a digit changed, a comment, characters deleted, a line duplicated, a word typed. */
const INSERTS = ['1', '0', '3', ' ', '\n', 'x', '-', ',', '[', ']', '{', '}', '// note\n', '/* c */', '"', '  expect cpu 0 available 1\n', '  offline cpu 1\n', '0x', 'managed ', 'irq ', '  request nvme0[0]\n', '}\n'];

export function randomEdit(text: string, rng: Rng): Edit {
  const at = rng.int(0, text.length);
  const r = rng.float();
  if (r < 0.3) {
    const digits = [...text.matchAll(/\d/g)];
    if (digits.length) {
      const m = rng.pick(digits);
      return { at: m.index ?? 0, deleted: 1, inserted: String(rng.int(0, 9)) };
    }
  }
  if (r < 0.45) {
    const nl = text.indexOf('\n', at);
    return { at: nl < 0 ? text.length : nl, deleted: 0, inserted: ' // edited' };
  }
  if (r < 0.6) return { at, deleted: Math.min(text.length - at, rng.int(1, 3)), inserted: '' };
  if (r < 0.7) {
    const s = text.lastIndexOf('\n', at - 1) + 1;
    const e = text.indexOf('\n', at);
    return { at: s, deleted: 0, inserted: text.slice(s, e < 0 ? text.length : e + 1) };
  }
  return { at, deleted: 0, inserted: rng.pick(INSERTS) };
}

const NEW_NAMES = ['renamed', 'x', 'VECTOR', 'nvme0', 'constructor', '__proto__', 'toString', 'not a name', '', '0abc', 'A-B.C', 'trailing-', 'nvmé0', 'a'.repeat(10000), 'vector', 'system'];

/** The tokens of a text, once per analysis: positions are drawn from them many times. */
const tokenCache = new WeakMap<Analysis, Piece[]>();

function tokensOf(a: Analysis): Piece[] {
  let t = tokenCache.get(a);
  if (!t) {
    t = pieces(a.text).filter((p) => !p.space);
    tokenCache.set(a, t);
  }
  return t;
}

/** Positions to call a feature at: random ones as a user would click, some past the end, some absurd. */
function positionsFor(a: Analysis, rng: Rng | undefined, plan: CheckPlan, count: number): Position[] {
  const lines = a.lines;
  if (plan.positions === 'exhaustive' || !rng) {
    const ps = tokensOf(a);
    const offsets = new Set<number>([0, a.text.length]);
    for (const p of ps) {
      offsets.add(p.start);
      offsets.add(p.start + (p.text.length >> 1));
      offsets.add(p.start + p.text.length);
    }
    let all = [...offsets].sort((x, y) => x - y);
    // A long text is sampled evenly: every offset of a 1 MB file would take hours.
    if (all.length > 600) all = all.filter((_, i) => i % Math.ceil(all.length / 600) === 0);
    const out = all.map((o) => lines.position(o));
    out.push({ line: lines.lineCount + 3, character: 0 }, { line: 0, character: 100000 });
    return out;
  }
  const out: Position[] = [];
  for (let i = 0; i < count; i++) {
    const r = rng.float();
    if (r < 0.7) out.push(lines.position(rng.int(0, a.text.length)));
    else if (r < 0.85) {
      const ps = tokensOf(a);
      const p = ps.length ? rng.pick(ps) : undefined;
      out.push(lines.position(p ? p.start + rng.int(0, p.text.length) : 0));
    } else if (r < 0.93) out.push({ line: rng.int(0, lines.lineCount + 5), character: rng.int(0, 300) });
    else if (r < 0.97) out.push({ line: lines.lineCount + rng.int(0, 100), character: rng.int(0, 5) });
    else out.push({ line: rng.pick([2 ** 31 - 1, 2 ** 53, 0]), character: rng.pick([2 ** 31 - 1, 2 ** 53, 0]) });
  }
  return out;
}

function rangeFrom(a: Analysis, rng: Rng | undefined): Range {
  if (!rng || rng.chance(0.3)) return { start: { line: 0, character: 0 }, end: { line: a.lines.lineCount + 1, character: 0 } };
  const x = a.lines.position(rng.int(0, a.text.length));
  const y = rng.chance(0.1) ? { line: 2 ** 31 - 1, character: 2 ** 31 - 1 } : a.lines.position(rng.int(0, a.text.length));
  // Inverted ranges too: a client may send one.
  return rng.chance(0.9) && (x.line < y.line || (x.line === y.line && x.character <= y.character)) ? { start: x, end: y } : { start: y, end: x };
}

/** Steps stepped per scenario index, as the server keeps them across edits: some indices and counts are stale. */
function steppingFrom(a: Analysis, rng: Rng | undefined): Map<number, number> {
  const m = new Map<number, number>();
  if (!rng) return m;
  const n = a.model.scenarios.length;
  for (let i = 0; i < rng.int(0, 3); i++) m.set(rng.chance(0.9) ? rng.int(0, Math.max(0, n - 1)) : rng.int(n, n + 3), rng.int(0, 30));
  return m;
}

interface Runner {
  readonly limits: Limits;
  readonly inputHasLeakWords: boolean;
  /** Confirm a slow call by a second, profiled run that names its hot file. */
  readonly confirm: boolean;
  readonly tick?: (() => void) | undefined;
}

/** Runs one call, timed; a throw, a slow call, bad output or too much memory ends the check. */
function call<T>(r: Runner, where: string, f: () => T, position?: Position, repeatable = true): T {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let value: T;
  try {
    value = f();
  } catch (e) {
    if (e instanceof Failed) throw e;
    throw new Failed(thrown(where, e, position));
  }
  const ms = elapsed(t0, c0);
  r.tick?.();
  if (ms > r.limits.slowMs) {
    // Once more, to tell a slow call from a pause of the machine, profiled to say where the time goes
    // (a slice of a run cannot be run twice: it is reported as it took).
    const again = !repeatable || !r.confirm ? { ms, hot: [] as string[] } : profiled(f);
    if (again.ms > r.limits.slowMs) {
      const hot = hotFunction(again.hot);
      throw new Failed({
        kind: 'slow',
        where,
        message: `${where} took ${Math.round(Math.min(ms, again.ms))} ms (limit ${r.limits.slowMs} ms)`,
        klass: `slow|${where}|${hot}`,
        frames: again.hot,
        ms: Math.min(ms, again.ms),
        ...(position ? { position } : {}),
      });
    }
  }
  if (ms > 50 || where.endsWith('analyze')) memory(r, where);
  if (where !== 'analyze' && where !== 'incremental analyze' && where !== 'fresh analyze' && where !== 'slice') {
    const bad = badOutput(value, r.inputHasLeakWords);
    if (bad) throw new Failed({ kind: 'output', where, message: `${where}: ${bad}`, klass: `output|${where}|${normalize(bad.replace(/: ".*$/, ''))}`, ...(position ? { position } : {}) });
  }
  return value;
}

/**
 * How long a call took: the smaller of its wall-clock and CPU time. On a
 * shared machine the wall clock also counts other processes' turns, and the
 * process's CPU time also counts the garbage collector's helper threads;
 * a call that is slow by both is slow.
 */
export function elapsed(t0: number, c0: NodeJS.CpuUsage): number {
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return Math.min(wall, (c.user + c.system) / 1000);
}

/** When resident memory was last read: reading it costs a system call and a /proc read, so at most every 20 ms. */
let lastRss = 0;

/** Resident memory over the limit ends the check (read after analyses, long calls and the features). */
function memory(r: Runner, where: string): void {
  const now = performance.now();
  if (now - lastRss < 20) return;
  lastRss = now;
  const rss = process.memoryUsage.rss();
  if (rss > r.limits.maxRssBytes) {
    // Garbage not yet collected is not memory in use: collect first when the process allows it. Then
    // count what the heap holds, not the resident pages: after a 4 MiB input a long-lived worker keeps
    // pages it no longer uses, and the next, small input was blamed for them.
    const gc = (globalThis as { gc?: () => void }).gc;
    let inUse = rss;
    if (gc) {
      gc();
      const m = process.memoryUsage();
      inUse = m.heapUsed + m.external;
    }
    if (inUse > r.limits.maxRssBytes) {
      const what = gc ? `memory in use ${Math.round(inUse / 2 ** 20)} MiB (resident ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MiB)` : `resident memory ${Math.round(inUse / 2 ** 20)} MiB`;
      throw new Failed({ kind: 'memory', where, message: `${what} after ${where} (limit ${Math.round(r.limits.maxRssBytes / 2 ** 20)} MiB)`, klass: `memory|${where}` });
    }
  }
}

function internalErrors(where: string, a: Analysis): void {
  const d = a.diagnostics.find((x) => x.code === 'IRQD003');
  if (!d) return;
  // "internal error in irqd, please report: simulating scenario 'x' failed: RangeError: …"
  const what = d.message.replace(/^internal error in irqd, please report: /, '');
  const phase = /^(.*?) failed: /.exec(what)?.[1] ?? '';
  const error = what.slice(phase.length + ' failed: '.length);
  throw new Failed({ kind: 'internal', where, message: `IRQD003 ${what}`, klass: `internal|${normalize(phase)}|${normalize(error)}` });
}

function leakOutput(r: Runner, where: string, a: Analysis): void {
  if (r.inputHasLeakWords) return;
  for (const d of a.diagnostics) {
    const m = LEAKS.exec(d.message);
    if (m) throw new Failed({ kind: 'output', where, message: `${d.code} shows '${m[0]}': ${d.message.slice(0, 200)}`, klass: `output|diagnostic|${d.code}|${m[0]}` });
  }
}

export interface CheckInput {
  readonly text: string;
  /** Where the text pretends to live (for `use`); test/fuzz/found/input.irqd by default. */
  readonly file?: string;
  readonly uses?: DiskUseResolver;
  readonly maxProblems?: number;
}

/** Runs every check on one text; the first failure, or undefined when all pass. */
export function checkText(input: CheckInput, rng: Rng | undefined, plan: CheckPlan = FULL_PLAN, limits: Limits = DEFAULT_LIMITS): Failure | undefined {
  const r: Runner = { limits, inputHasLeakWords: LEAKS.test(input.text), confirm: plan.quick !== true, tick: plan.tick };
  try {
    run(input, rng, plan, r);
    return undefined;
  } catch (e) {
    if (e instanceof Failed) return e.failure;
    return thrown('the fuzzer', e);
  }
}

function run(input: CheckInput, rng: Rng | undefined, plan: CheckPlan, r: Runner): void {
  const file = input.file ?? inputFile;
  const options: AnalysisOptions = { file, uses: input.uses ?? new DiskUseResolver(), ...(input.maxProblems !== undefined ? { maxProblems: input.maxProblems } : {}) };
  const text = input.text;
  const only = plan.only;
  const a = call(r, 'analyze', () => analyze(text, 1, options));
  internalErrors('analyze', a);
  leakOutput(r, 'analyze', a);

  // The server's way, for one input in four (it costs a third analysis): the static part at once,
  // the requests a client makes while scenarios are pending, then 8 ms slices.
  if (plan.sliced && !only && (!rng || rng.chance(0.25))) {
    const run = call(r, 'slice', () => new AnalysisRun(text, 1, options));
    pendingRequests(run.analysis, r, rng);
    let more = true;
    for (let i = 0; more && i < 100000; i++) more = call(r, 'slice', () => run.step(8), undefined, false);
    internalErrors('slice', run.analysis);
  }

  if (only !== 'incremental' && only !== 'none') {
    features(a, r, rng, plan, 3);
    memory(r, 'the features');
  }

  if (plan.incremental !== false && (!only || only === 'incremental')) {
    const edit = typeof plan.incremental === 'object' ? plan.incremental : rng ? randomEdit(text, rng) : undefined;
    if (edit) {
      try {
        incremental(r, text, edit, options, a);
      } catch (e) {
        if (e instanceof Failed) throw new Failed({ ...e.failure, edit });
        throw e;
      }
    }
  }
}

/** The edited text analysed with the previous analysis and without: the two must show the same. */
function incremental(r: Runner, text: string, edit: Edit, options: AnalysisOptions, a: Analysis): void {
  const edited = applyEdit(text, edit);
  const inc = call(r, 'incremental analyze', () => analyze(edited, 2, { ...options, previous: a }));
  internalErrors('incremental analyze', inc);
  const fresh = call(r, 'fresh analyze', () => analyze(edited, 2, options));
  const diff = firstDifference(shown(inc), shown(fresh));
  if (diff) {
    const where = diff.replace(/\[\d+\]/g, '[]');
    throw new Failed({
      kind: 'incremental',
      where: 'incremental analyze',
      message: `an incremental analysis after the edit ${JSON.stringify(edit).slice(0, 200)} differs from a fresh one at ${diff}`,
      klass: `incremental|${where}`,
    });
  }
}

/** Every LSP feature, as server.ts calls it, at `count` random positions each (or at every token, replaying). */
function features(a: Analysis, r: Runner, rng: Rng | undefined, plan: CheckPlan, count: number): void {
  const want = (name: string): boolean => !plan.only || plan.only === name;
  // Replaying, the random choices become every choice: stepping states, new names, ranges.
  const steppings = rng ? [steppingFrom(a, rng)] : steppingVariants(a);
  const names = rng ? [rng.pick(NEW_NAMES)] : NEW_NAMES;
  const ranges = rng ? [rangeFrom(a, rng)] : rangeVariants(a);
  const peers = a.used.map((u) => u.analysis);
  if (want('diagnostics')) call(r, 'diagnostics', () => toLspDiagnostics(a, uri));
  const positions = positionsFor(a, rng, plan, count);
  const at = (name: string, f: (p: Position) => unknown): void => {
    if (!want(name)) return;
    for (const p of rng ? positionsFor(a, rng, plan, count) : positions) call(r, name, () => f(p), p);
  };
  for (const stepping of steppings) at('hover', (p) => hover(a, p, stepping));
  at('completion', (p) => completion(a, p));
  at('signatureHelp', (p) => signatureHelp(a, p));
  at('prepareCallHierarchy', (p) => prepareCallHierarchy({ uri, analysis: a }, p));
  at('definition', (p) => definition(a, uri, p));
  at('references', (p) => references(a, uri, p, rng ? rng.chance(0.5) : true, peers));
  at('prepareRename', (p) => prepareRename(a, p));
  for (const name of names) at('rename', (p) => rename(a, uri, p, name, peers));
  if (want('semanticTokens')) call(r, 'semanticTokens', () => semanticTokens(a));
  for (const range of ranges) if (want('semanticTokens/range')) call(r, 'semanticTokens/range', () => semanticTokens(a, range));
  if (want('foldingRanges')) call(r, 'foldingRanges', () => foldingRanges(a));
  if (want('documentSymbols')) call(r, 'documentSymbols', () => documentSymbols(a));
  for (const stepping of steppings) if (want('codeLenses')) call(r, 'codeLenses', () => codeLenses(a, uri, stepping));
  for (const range of ranges) if (want('inlayHints')) call(r, 'inlayHints', () => inlayHints(a, range));
  // Code actions over a range, re-analysing as the server does (the scenario-wide update simulates the edited text).
  for (const range of ranges) {
    if (want('codeActions')) call(r, 'codeActions', () => codeActions(a, { uri, range, versioned: true }, (t) => analyze(t, 3, { file: uri })));
  }
  if (want('formatting')) call(r, 'formatting', () => formatDocument(a.text, DEFAULT_LAYOUT));
  for (const range of ranges) if (want('rangeFormatting')) call(r, 'rangeFormatting', () => formatRange(a.text, range, DEFAULT_LAYOUT));
  at('onTypeFormatting', (p) => formatOnType(a.text, p, '}', DEFAULT_LAYOUT));
  if (want('scenarios')) call(r, 'scenarios', () => scenarioInfos(a, uri));
  if (want('machineState')) {
    const n = a.model.scenarios.length;
    // Every scenario of a small file, a random one of a big file, and names and steps that do not exist.
    const targets: [unknown, unknown][] = rng ? [[rng.int(0, Math.max(0, n)), rng.pick([0, 1, 3, 1000, -1, 'x'])]] : [...a.model.scenarios.keys()].slice(0, 8).map((i) => [i, 1] as [unknown, unknown]);
    targets.push([{ line: 0 }, undefined], ['no such scenario', 0]);
    for (const stepping of steppings) for (const [sc, step] of targets) call(r, 'machineState', () => machineState(a, sc, step, stepping));
  }
  if (want('traceLines')) {
    for (const trace of a.traces.values()) {
      for (const verbose of rng ? [rng.chance(0.5)] : [true, false]) call(r, 'traceLines', () => traceLines(a, trace, verbose));
    }
  }
}

/** What a client asks right after an edit, while the server is still simulating: lenses, hints, a hover, the outline. */
function pendingRequests(a: Analysis, r: Runner, rng: Rng | undefined): void {
  const stepping = rng ? steppingFrom(a, rng) : new Map<number, number>();
  const full: Range = { start: { line: 0, character: 0 }, end: { line: a.lines.lineCount + 1, character: 0 } };
  call(r, 'codeLenses', () => codeLenses(a, uri, stepping));
  call(r, 'inlayHints', () => inlayHints(a, full));
  call(r, 'documentSymbols', () => documentSymbols(a));
  for (const p of positionsFor(a, rng, { positions: rng ? 'random' : 'exhaustive', incremental: false, sliced: false }, 2)) call(r, 'hover', () => hover(a, p, stepping), p);
}

/** Stepping states to replay with: none, every scenario at its first step, past its end, an index past the last. */
function steppingVariants(a: Analysis): Map<number, number>[] {
  const n = a.model.scenarios.length;
  const each = (k: number): Map<number, number> => new Map(a.model.scenarios.map((_, i) => [i, k]));
  return [new Map(), each(1), each(2), each(1000), new Map([[n, 1]])];
}

function rangeVariants(a: Analysis): Range[] {
  const end = { line: a.lines.lineCount + 1, character: 0 };
  const mid = a.lines.position(a.text.length >> 1);
  return [
    { start: { line: 0, character: 0 }, end },
    { start: mid, end: { line: 0, character: 0 } },
    { start: { line: 0, character: 0 }, end: { line: 2 ** 31 - 1, character: 2 ** 31 - 1 } },
  ];
}
