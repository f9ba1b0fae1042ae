// The scenarios of .irqd files as test cases, for `irqd test`: every scenario
// of every file passes, fails, errs or is skipped, with the diagnostics that
// say why. The reporters (reporters.ts) only format these results.
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Span } from '../../../grammar/index.js';
import { AnalysisRun, type Analysis, type AnalysisOptions } from '../analysis/analysis.js';
import { DiskUseResolver, readSource } from '../analysis/files.js';
import type { IrqdDiagnostic } from '../model/diagnostic.js';
import type { ScenarioSym } from '../model/types.js';

/** A diagnostic where a terminal or CI prints it: 1-based line and column (UTF-16 code units). */
export interface Located {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly severity: IrqdDiagnostic['severity'];
  readonly code: string;
  readonly message: string;
}

export type CaseStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface CaseResult {
  readonly name: string;
  readonly line: number;
  readonly column: number;
  readonly status: CaseStatus;
  /** Seconds spent simulating it (0 when it was not simulated). */
  readonly time: number;
  /** Why it errs or is skipped, in a sentence (absent when it passed or failed). */
  readonly reason?: string;
  /** Every error diagnostic inside the scenario, in order: the failures of a failed scenario, the causes of an erring one. */
  readonly failures: readonly Located[];
}

export interface FileResult {
  /** The path as given on the command line or found under a directory given there. */
  readonly file: string;
  /** Seconds for the whole file: reading, checks and every simulation. */
  readonly time: number;
  /** When the file was analysed (ISO 8601, for JUnit's timestamp). */
  readonly timestamp: string;
  readonly cases: readonly CaseResult[];
  /** Error diagnostics outside every scenario: they make the file's suite err. */
  readonly fileErrors: readonly Located[];
}

/** How deep `irqd test DIR` descends, and how many files it takes: a bound on the work a directory argument causes. */
export const MAX_WALK_DEPTH = 32;
export const MAX_TEST_FILES = 10000;
/** How long a slice of simulation runs before its time is shared out (testFile()). */
const SLICE_MS = 10;

/**
 * The files a command-line argument names: the file itself, or every `*.irqd`
 * file under a directory, sorted, skipping `node_modules`, dot-directories
 * and symbolic links to directories (a link loop would never end). A problem
 * is one line naming the argument.
 */
export function filesOf(arg: string): { files: string[] } | { problem: string } {
  let isDir: boolean;
  try {
    isDir = statSync(arg).isDirectory();
  } catch {
    // readSource() gives the one-line reason (no such file, permission denied).
    return { files: [arg] };
  }
  if (!isDir) return { files: [arg] };
  const files: string[] = [];
  const walk = (dir: string, depth: number): string | undefined => {
    if (depth > MAX_WALK_DEPTH) return `'${arg}' nests directories deeper than ${MAX_WALK_DEPTH}`;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      return `'${dir}' cannot be listed (${(e as NodeJS.ErrnoException).code ?? 'unknown error'})`;
    }
    for (const name of names) {
      const p = join(dir, name);
      let st;
      let link;
      try {
        link = lstatSync(p);
        st = link.isSymbolicLink() ? statSync(p) : link;
      } catch {
        // A dangling link or an entry removed meanwhile: nothing to test.
        continue;
      }
      if (st.isDirectory()) {
        if (name === 'node_modules' || name.startsWith('.') || link.isSymbolicLink()) continue;
        const problem = walk(p, depth + 1);
        if (problem) return problem;
      } else if (st.isFile() && name.endsWith('.irqd')) {
        if (files.length >= MAX_TEST_FILES) return `'${arg}' holds more than ${MAX_TEST_FILES} .irqd files`;
        files.push(p);
      }
    }
    return undefined;
  };
  const problem = walk(arg, 0);
  if (problem) return { problem };
  if (files.length === 0) return { problem: `'${arg}' holds no .irqd files` };
  return { files };
}

export function located(file: string, a: Analysis, d: IrqdDiagnostic): Located {
  const r = a.lines.range(d.span);
  return {
    file,
    line: r.start.line + 1,
    column: r.start.character + 1,
    endLine: r.end.line + 1,
    endColumn: r.end.character + 1,
    severity: d.severity,
    code: d.code,
    message: d.message,
  };
}

function inside(span: Span, outer: Span): boolean {
  return span.start >= outer.start && span.end <= outer.end;
}

/**
 * Analyses one file the way the server does (AnalysisRun), one scenario
 * simulation at a time so that each scenario's time is its own.
 */
export function testFile(file: string, options: AnalysisOptions): FileResult | { problem: string } {
  const src = readSource(file);
  if ('problem' in src) return { problem: src.problem };
  const timestamp = new Date().toISOString().replace(/\.\d+Z$/, '');
  const t0 = performance.now();
  const run = new AnalysisRun(src.text, 0, { ...options, file: resolve(file) });
  const times = new Map<ScenarioSym, number>();
  // The run simulates its pending scenarios in declaration order, in slices of at least one scenario
  // and about SLICE_MS. A slice's time is shared among its scenarios: one scenario per slice would be
  // exact, but each slice re-sorts the file's diagnostics, which for thousands of scenarios costs more
  // than simulating them. A slow scenario's time is its own to within SLICE_MS.
  const order = run.analysis.model.scenarios.filter((sc) => run.analysis.pending.has(sc));
  for (let i = 0, more = order.length > 0; more; ) {
    const before = run.analysis.pending.size;
    const s = performance.now();
    more = run.step(SLICE_MS);
    const done = before - run.analysis.pending.size;
    const each = (performance.now() - s) / 1000 / Math.max(1, done);
    for (const sc of order.slice(i, i + done)) times.set(sc, each);
    i += done;
  }
  return { ...classify(file, run.analysis, times), time: (performance.now() - t0) / 1000, timestamp };
}

function classify(file: string, a: Analysis, times: ReadonlyMap<ScenarioSym, number>): Pick<FileResult, 'file' | 'cases' | 'fileErrors'> {
  // Scenarios do not overlap: each error belongs to the last scenario starting at or before it, if inside that one.
  // A search per error, not a pass over every scenario: a file can have thousands of both.
  const scenarios = [...a.model.scenarios].sort((x, y) => x.declSpan.start - y.declSpan.start);
  const starts = scenarios.map((sc) => sc.declSpan.start);
  const inScenario = new Map<ScenarioSym, Located[]>();
  const fileErrors: Located[] = [];
  for (const d of a.diagnostics) {
    if (d.severity !== 'error') continue;
    const sc = scenarios[upperBound(starts, d.span.start) - 1];
    if (sc && inside(d.span, sc.declSpan)) {
      const list = inScenario.get(sc) ?? [];
      list.push(located(file, a, d));
      inScenario.set(sc, list);
    } else {
      fileErrors.push(located(file, a, d));
    }
  }
  const cases: CaseResult[] = [];
  for (const sc of a.model.scenarios) {
    const failures = inScenario.get(sc) ?? [];
    const at = a.lines.position(sc.nameSpan.start);
    const base = { name: sc.name, line: at.line + 1, column: at.character + 1, time: times.get(sc) ?? 0, failures };
    const trace = a.traces.get(sc);
    if (!trace) {
      cases.push({ ...base, status: 'error', reason: 'not simulated: it has no system' });
    } else if (trace.skipped !== undefined && !trace.passed) {
      cases.push({ ...base, status: 'error', reason: `not simulated: ${trace.skipped}` });
    } else if (trace.skipped !== undefined) {
      // The system cannot be simulated, or the scenario it continues fails (that one is a failure of its own).
      cases.push({ ...base, status: failures.length > 0 ? 'error' : 'skipped', reason: `not simulated: ${trace.skipped}` });
    } else if (failures.some((f) => f.code === 'IRQD003')) {
      cases.push({ ...base, status: 'error', reason: 'irqd failed while simulating it (IRQD003)' });
    } else if (failures.length > 0 || !trace.passed) {
      cases.push({ ...base, status: 'failed', ...(failures.length === 0 ? { reason: 'the scenario does not pass' } : {}) });
    } else {
      cases.push({ ...base, status: 'passed' });
    }
  }
  return { file, cases, fileErrors };
}

/** The number of values at or below `value` in an ascending array. */
function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Every file of every argument, tested; `problems` are the arguments or files that could not be read (one line each). */
export function testAll(args: readonly string[], options: Omit<AnalysisOptions, 'file' | 'uses'>): { results: FileResult[]; problems: string[] } {
  const results: FileResult[] = [];
  const problems: string[] = [];
  const uses = new DiskUseResolver(options);
  for (const arg of args) {
    const found = filesOf(arg);
    if ('problem' in found) {
      problems.push(found.problem);
      continue;
    }
    for (const file of found.files) {
      const r = testFile(file, { ...options, uses });
      if ('problem' in r) problems.push(r.problem);
      else results.push(r);
    }
  }
  return { results, problems };
}
