// The irqd command line: the same Analysis the editor shows, printed for
// terminals and CI.
//
//   irqd check FILE...   diagnostics as file:line:col: severity CODE message
//   irqd run FILE...     the step-by-step trace of every scenario, then the diagnostics
//   irqd snapshot …      copy a live host's interrupt files (host/collect.ts)
//
// Exit status: 0 clean, 1 when any file has errors (for run: or a scenario
// fails), 2 for usage or I/O problems (one line each on stderr, never a
// stack trace).
import { resolve } from 'node:path';
import { analyze, type Analysis } from './analysis/analysis.js';
import { DiskUseResolver, readSource } from './analysis/files.js';
import { parseKernelVersion } from './model/binder.js';
import type { IrqdDiagnostic } from './model/diagnostic.js';
import { traceLines } from './features/trace-text.js';
import { snapshotMain } from './host/collect.js';
import { compareMain } from './host/compare-main.js';
import { importMain } from './host/import.js';
import { formatMain } from './format-main.js';
import { viewMain } from './view-main.js';

const VERSION = '0.1.0';

const USAGE = `usage: irqd check [--format text|json] [--kernel VERSION] FILE...
       irqd run [--scenario NAME] [--format text|json] [--kernel VERSION] FILE...
       irqd snapshot [--root DIR] [OUT]
       irqd import SNAPSHOT [-o FILE.irqd] [--name NAME]
       irqd compare SNAPSHOT FILE.irqd [--scenario NAME] [--step N] [--since PREV] [--format text|json]
       irqd format [--check] FILE...
       irqd view FILE.irqd --scenario NAME [--step N] [-o FILE.html]
       irqd --help | --version

check: checks .irqd files and prints what the editor would show.
run:   simulates their scenarios like the kernel would and prints each trace.
snapshot: copies this host's interrupt files (run as root for debugfs); irqd snapshot --help.
import: writes a snapshot's machine as an .irqd file; irqd import --help.
compare: every fact of a snapshot against the simulated state; irqd compare --help.
format: rewrites files in the canonical layout (--check: lists those that are not); irqd format --help.
view:  the machine view of a scenario as one HTML page; irqd view --help.
  --format text|json   output format (default text)
  --scenario NAME      run only the scenarios with this name
  --kernel VERSION     kernel for systems that do not say 'kernel' (default 6.1)`;

class UsageError extends Error {}

interface Options {
  command: 'check' | 'run';
  format: 'text' | 'json';
  kernel?: string;
  scenario?: string;
  files: string[];
}

function parseArgs(argv: readonly string[]): Options | 'help' | 'version' {
  const args = [...argv];
  if (args.length === 0) throw new UsageError('no command given');
  const opts: Options = { command: 'check', format: 'text', files: [] };
  let command: string | undefined;
  while (args.length > 0) {
    const a = args.shift() as string;
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--version' || a === '-v') return 'version';
    if (a === '--format') {
      const f = args.shift();
      if (f !== 'text' && f !== 'json') throw new UsageError(`--format takes 'text' or 'json', not '${f ?? ''}'`);
      opts.format = f;
    } else if (a.startsWith('--format=')) {
      const f = a.slice('--format='.length);
      if (f !== 'text' && f !== 'json') throw new UsageError(`--format takes 'text' or 'json', not '${f}'`);
      opts.format = f;
    } else if (a === '--kernel') {
      const k = args.shift();
      if (!k || !parseKernelVersion(k)) throw new UsageError(`--kernel takes a version such as 6.1, 6.6, 6.10 or mainline, not '${k ?? ''}'`);
      opts.kernel = k;
    } else if (a === '--scenario') {
      const n = args.shift();
      if (n === undefined) throw new UsageError('--scenario takes a scenario name');
      opts.scenario = n;
    } else if (a === '--') {
      opts.files.push(...args.splice(0));
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option '${a}'`);
    } else if (command === undefined) {
      command = a;
      if (command !== 'check' && command !== 'run') throw new UsageError(`unknown command '${command}'`);
      opts.command = command;
    } else {
      opts.files.push(a);
    }
  }
  if (command === undefined) throw new UsageError('no command given');
  if (opts.files.length === 0) throw new UsageError(`'irqd ${command}' needs at least one file`);
  return opts;
}

interface FileReport {
  readonly file: string;
  readonly analysis: Analysis;
}

function location(a: Analysis, d: IrqdDiagnostic): { line: number; column: number; endLine: number; endColumn: number } {
  const r = a.lines.range(d.span);
  return { line: r.start.line + 1, column: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 };
}

function printText(reports: readonly FileReport[], out: (s: string) => void): void {
  let errors = 0;
  let warnings = 0;
  for (const { file, analysis } of reports) {
    for (const d of analysis.diagnostics) {
      const at = location(analysis, d);
      out(`${file}:${at.line}:${at.column}: ${d.severity} ${d.code} ${d.message}`);
      if (d.severity === 'error') errors++;
      if (d.severity === 'warning') warnings++;
    }
  }
  const files = reports.length;
  out(`${files} file${files === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
}

function printJson(reports: readonly FileReport[], out: (s: string) => void): void {
  const files = reports.map(({ file, analysis }) => ({
    file,
    diagnostics: analysis.diagnostics.map((d) => ({ ...location(analysis, d), severity: d.severity, code: d.code, message: d.message })),
  }));
  const all = files.flatMap((f) => f.diagnostics);
  out(
    JSON.stringify(
      {
        files,
        summary: {
          files: files.length,
          errors: all.filter((d) => d.severity === 'error').length,
          warnings: all.filter((d) => d.severity === 'warning').length,
        },
      },
      null,
      2,
    ),
  );
}

/** Prints (text) or emits (json) the traces; true when a scenario failed. */
function printTraces(reports: readonly FileReport[], opts: Options, out: (s: string) => void): boolean {
  let failed = false;
  const json: unknown[] = [];
  for (const { file, analysis } of reports) {
    for (const [sc, trace] of analysis.traces) {
      if (opts.scenario !== undefined && sc.name !== opts.scenario) continue;
      if (!trace.passed) failed = true;
      if (opts.format === 'text') {
        out(`${file}: ${traceLines(analysis, trace).join('\n')}`);
        out('');
        continue;
      }
      json.push({
        file,
        scenario: sc.name,
        system: trace.system.name,
        passed: trace.passed,
        skipped: trace.skipped ?? null,
        steps: trace.records.map((r) => ({
          ordinal: r.ordinal,
          line: analysis.lines.position(r.step.span.start).line + 1,
          text: analysis.text.slice(r.step.span.start, r.step.span.end),
          outcome: r.outcome,
          summary: r.summary,
          events: r.events,
          moreEvents: r.moreEvents,
          irqs: r.views,
        })),
        diagnostics: trace.diagnostics.map((d) => ({ ...location(analysis, d), severity: d.severity, code: d.code, message: d.message })),
      });
    }
  }
  if (opts.format === 'json') out(JSON.stringify({ scenarios: json }, null, 2));
  return failed;
}

export function main(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  // Commands about real machines parse their own arguments.
  if (argv[0] === 'snapshot') return snapshotMain(argv.slice(1), out, err);
  if (argv[0] === 'import') return importMain(argv.slice(1), out, err);
  if (argv[0] === 'compare') return compareMain(argv.slice(1), out, err);
  if (argv[0] === 'format') return formatMain(argv.slice(1), out, err);
  if (argv[0] === 'view') return viewMain(argv.slice(1), out, err);
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`irqd: ${e.message}`);
      err(USAGE);
      return 2;
    }
    throw e;
  }
  if (opts === 'help') {
    out(USAGE);
    return 0;
  }
  if (opts === 'version') {
    out(`irqd ${VERSION}`);
    return 0;
  }
  const reports: FileReport[] = [];
  let ioProblem = false;
  const base = opts.kernel ? { defaultKernel: opts.kernel } : {};
  const uses = new DiskUseResolver(base);
  for (const file of opts.files) {
    const src = readSource(file);
    if ('problem' in src) {
      err(`irqd: ${src.problem}`);
      ioProblem = true;
      continue;
    }
    reports.push({ file, analysis: analyze(src.text, 0, { ...base, file: resolve(file), uses }) });
  }
  let scenarioFailed = false;
  if (opts.command === 'run') scenarioFailed = printTraces(reports, opts, out);
  if (opts.format === 'json' && opts.command === 'check') printJson(reports, out);
  else if (opts.format === 'text') printText(reports, out);
  if (ioProblem) return 2;
  return scenarioFailed || reports.some((r) => r.analysis.diagnostics.some((d) => d.severity === 'error')) ? 1 : 0;
}

/**
 * A write that fails (the reader of a pipe went away: `irqd run | head -1`;
 * a full disk: `> /dev/full`) ends the command with one line, not a stack trace.
 */
function exitOnWriteError(stream: NodeJS.WriteStream, name: string): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    const why = e.code === 'EPIPE' ? 'the reader closed the pipe' : e.code === 'ENOSPC' ? 'no space left on the device' : (e.code ?? e.message);
    if (stream !== process.stderr) {
      try {
        process.stderr.write(`irqd: cannot write to ${name}: ${why}\n`);
      } catch {
        // stderr is gone too: the exit status says it.
      }
    }
    process.exit(2);
  });
}

if (require.main === module) {
  exitOnWriteError(process.stdout, 'standard output');
  exitOnWriteError(process.stderr, 'standard error');
  try {
    process.exitCode = main(process.argv.slice(2), (s) => process.stdout.write(s + '\n'), (s) => process.stderr.write(s + '\n'));
  } catch (e) {
    process.stderr.write(`irqd: internal error, please report: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  }
}
