// `irqd test [--reporter text|junit|tap|json] [--kernel VERSION] [-o FILE] FILE|DIR...`:
// every scenario of every file as a test case, for CI. Exit status 0 when
// every scenario passes (skipped ones included), 1 when one fails or errs or
// a file has errors outside its scenarios, 2 for usage and I/O problems.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseKernelVersion } from '../model/binder.js';
import { jsonReport, junitReport, REPORTERS, tapReport, textReport, totals, type Reporter } from './reporters.js';
import { testAll } from './results.js';

export const TEST_USAGE = `usage: irqd test [--reporter text|junit|tap|json] [--kernel VERSION] [-o FILE] FILE|DIR...

Runs every scenario of the files, and of the .irqd files under the directories,
as a test case. Exit status: 0 all pass, 1 a scenario fails or errs, 2 usage or I/O problems.
  --reporter text|junit|tap|json   what to print (default text)
  -o FILE                          write the report to FILE; standard output then gets the text report
  --kernel VERSION                 kernel for systems that do not say 'kernel' (default 6.1)`;

interface TestOptions {
  reporter: Reporter;
  kernel?: string;
  output?: string;
  args: string[];
}

function parseTestArgs(argv: readonly string[]): TestOptions | 'help' | string {
  const opts: TestOptions = { reporter: 'text', args: [] };
  const args = [...argv];
  while (args.length > 0) {
    const a = args.shift() as string;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? args.shift();
    if (flag === '--help' || flag === '-h') return 'help';
    if (flag === '--reporter') {
      const r = value();
      if (!REPORTERS.includes(r as Reporter)) return `--reporter takes ${REPORTERS.join(', ')}, not '${r ?? ''}'`;
      opts.reporter = r as Reporter;
    } else if (flag === '--kernel') {
      const k = value();
      if (!k || !parseKernelVersion(k)) return `--kernel takes a version such as 6.1, 6.6, 6.10 or mainline, not '${k ?? ''}'`;
      opts.kernel = k;
    } else if (flag === '-o' || flag === '--output') {
      const o = value();
      if (!o) return `${flag} takes a file name`;
      opts.output = o;
    } else if (flag === '--') {
      opts.args.push(...args.splice(0));
    } else if (flag.startsWith('-') && flag !== '-') {
      return `unknown option '${a}'`;
    } else {
      opts.args.push(a);
    }
  }
  if (opts.args.length === 0) return `'irqd test' needs at least one file or directory`;
  return opts;
}

export function testMain(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  const opts = parseTestArgs(argv);
  if (opts === 'help') {
    out(TEST_USAGE);
    return 0;
  }
  if (typeof opts === 'string') {
    err(`irqd: ${opts}`);
    err(TEST_USAGE);
    return 2;
  }
  const { results, problems } = testAll(opts.args, opts.kernel ? { defaultKernel: opts.kernel } : {});
  for (const p of problems) err(`irqd: ${p}`);
  const report = opts.reporter === 'junit' ? junitReport(results, hostname()) : opts.reporter === 'tap' ? tapReport(results) : opts.reporter === 'json' ? [jsonReport(results)] : textReport(results);
  let ioProblem = problems.length > 0;
  if (opts.output !== undefined) {
    try {
      writeFileSync(opts.output, report.join('\n') + '\n');
    } catch (e) {
      err(`irqd: cannot write '${opts.output}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      ioProblem = true;
    }
    for (const line of textReport(results)) out(line);
  } else {
    for (const line of report) out(line);
  }
  if (ioProblem) return 2;
  const t = totals(results);
  return t.failed + t.errors > 0 ? 1 : 0;
}
