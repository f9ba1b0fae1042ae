// npm run bench: what users feel, measured through the real bundled server
// (dist/server.js --stdio) driven by a JSON-RPC client, on generated inputs
// that are checked through the server before anything is timed. Each case
// prints a table with its goal beside each figure; the end is a Markdown
// block to paste into BENCHMARKS.md.
//
// Usage: node out/bench/bench.js [--quick] [--case NAME]... [--timeout SECONDS] [--list]
// (npm run bench -- --quick builds first). --quick takes fewer samples;
// --timeout replaces every request's timeout, to see a case time out.
import { execFileSync } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { lex, parse } from '../../grammar/index.js';
import { cases, setTimeouts, type ParseResult } from './cases.js';
import { realistic2k } from './generate.js';
import { killAll, TimeoutError } from './lsp.js';
import { markdownTable, summarize, textTable, type Row } from './stats.js';

/** out/bench/bench.js → the repository. */
const root = join(__dirname, '..', '..');

function usage(): never {
  process.stderr.write(`usage: node out/bench/bench.js [--quick] [--case NAME]... [--timeout SECONDS] [--list]\ncases: ${cases.map((c) => c.name).join(', ')}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): { quick: boolean; only: string[]; list: boolean; timeoutMs?: number } {
  const only: string[] = [];
  let quick = false;
  let list = false;
  let timeoutMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--list') list = true;
    else if (a === '--timeout') {
      timeoutMs = Number(argv[++i]) * 1000;
      if (!(timeoutMs > 0)) usage();
    }
    else if (a === '--case') {
      const name = argv[++i];
      if (!name) usage();
      only.push(name);
    } else if (a?.startsWith('--case=')) only.push(a.slice('--case='.length));
    else usage();
  }
  for (const name of only) if (!cases.some((c) => c.name === name)) usage();
  return { quick, only, list, ...(timeoutMs ? { timeoutMs } : {}) };
}

function gitHead(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function failRow(name: string, e: unknown): Row {
  const message = e instanceof TimeoutError ? e.message : e instanceof Error ? `failed: ${e.message}` : `failed: ${String(e)}`;
  return { case: name, input: message, n: '—', p50: '', p95: '', p99: '', rss: '', goal: '', met: false, failed: true };
}

/**
 * The one-minute load average, with a warning when other processes compete
 * for the cores before the bench starts: on a 2-core machine a concurrent
 * build or test run inflates every figure, and the report should say so.
 */
function busy(when: string, warn: boolean): number {
  const [one] = loadavg();
  const load = one ?? 0;
  if (warn && load > cpus().length * 0.75) {
    process.stdout.write(`warning: load average ${load.toFixed(1)} on ${cpus().length} cores ${when}: other processes compete for the CPU, so the figures are inflated\n`);
  }
  return load;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    for (const c of cases) process.stdout.write(`${c.name.padEnd(12)} ${c.what}\n`);
    return;
  }
  const selected = args.only.length > 0 ? cases.filter((c) => args.only.includes(c.name)) : cases;
  const commit = gitHead();
  const started = Date.now();
  process.stdout.write(`irqd bench: commit ${commit}, node ${process.version}, ${args.quick ? 'quick' : 'full'} run, ${selected.length} case${selected.length === 1 ? '' : 's'}\n`);
  const loadAtStart = busy('at the start', true);
  const all: Row[] = [];
  for (const c of selected) {
    process.stdout.write(`\n== ${c.name}: ${c.what}\n`);
    const t0 = Date.now();
    let rows: Row[];
    const options = { quick: args.quick, root, log: (line: string) => process.stdout.write(`${line}\n`), ...(args.timeoutMs ? { timeoutMs: args.timeoutMs } : {}) };
    setTimeouts(options);
    try {
      rows = await c.run(options);
    } catch (e) {
      rows = [failRow(c.name, e)];
    } finally {
      // Whatever the case left running ends with it.
      killAll();
    }
    process.stdout.write(`${textTable(rows)}\n== ${c.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    all.push(...rows);
  }
  const failed = all.filter((r) => r.failed).length;
  const missed = all.filter((r) => r.met === false && !r.failed).length;
  process.stdout.write(`\n== all cases: ${((Date.now() - started) / 1000).toFixed(0)} s; ${missed} goal${missed === 1 ? '' : 's'} missed, ${failed} case${failed === 1 ? '' : 's'} failed\n`);
  // The bench's own server and client count at the end, so that one only informs.
  const loadAtEnd = busy('at the end', false);
  const load = `load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)} on ${cpus().length} cores`;
  process.stdout.write(`\nFor BENCHMARKS.md (commit ${commit}, node ${process.version}, ${load}${args.quick ? ', --quick' : ''}):\n\n${markdownTable(all)}\n`);
  // A failed case is a failed bench; a missed goal is a measurement.
  process.exitCode = failed > 0 ? 1 : 0;
}

/**
 * bench.js --child-parse: parse() and lex() in this process, which the
 * parent starts with --expose-gc and a large young generation. Times are
 * per call; allocation is the heap growth across one call after a full GC,
 * kept only when no GC ran inside the call (a GC PerformanceObserver
 * tells), since Node 20's V8 has no allocation counter to read
 * (getHeapStatistics() has no total_allocated_bytes).
 */
async function childParse(quick: boolean): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('--child-parse needs node --expose-gc');
  const text = realistic2k().text;
  const bytes = Buffer.byteLength(text);
  for (let i = 0; i < 20; i++) {
    parse(text);
    lex(text);
  }
  const time = (fn: () => void, budgetMs: number): number[] => {
    const out: number[] = [];
    const until = performance.now() + budgetMs;
    while (performance.now() < until || out.length < 10) {
      const t = performance.now();
      fn();
      out.push(performance.now() - t);
    }
    return out;
  };
  const budget = quick ? 1000 : 4000;
  const parseTimes = time(() => parse(text), budget);
  const lexTimes = time(() => lex(text), budget);

  const gcs: { start: number; end: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  const allocs = async (fn: () => void, n: number): Promise<{ median: number; kept: number; discarded: number }> => {
    const kept: number[] = [];
    let discarded = 0;
    for (let i = 0; i < n; i++) {
      gc();
      const h0 = getHeapStatistics().used_heap_size;
      const t0 = performance.now();
      fn();
      const t1 = performance.now();
      const h1 = getHeapStatistics().used_heap_size;
      // GC entries arrive asynchronously.
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (gcs.some((g) => g.end > t0 && g.start < t1)) discarded++;
      else kept.push(h1 - h0);
    }
    return { median: summarize(kept).p50, kept: kept.length, discarded };
  };
  const pa = await allocs(() => parse(text), quick ? 5 : 15);
  const la = await allocs(() => lex(text), quick ? 5 : 15);
  observer.disconnect();
  const result: ParseResult = {
    bytes,
    lines: text.split('\n').length - 1,
    parse: summarize(parseTimes),
    lex: summarize(lexTimes),
    parseAlloc: pa.median,
    lexAlloc: la.median,
    allocSamples: pa.kept,
    allocDiscarded: pa.discarded + la.discarded,
  };
  process.stdout.write(JSON.stringify(result));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}
process.on('exit', () => killAll());

if (process.argv.includes('--child-parse')) {
  childParse(process.argv.includes('--quick')).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
} else {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    killAll();
    process.exit(1);
  });
}
