// The bench's cases. Each one starts the servers it needs, checks its inputs
// through the server before it measures anything, and returns rows for the
// report; bench.ts runs them one after the other and keeps going when one
// fails.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DiagnosticSeverity, type PublishDiagnosticsParams, type TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';
import { generators, jsonOfSize, Rng, type EditSite, type Generated } from './generate.js';
import { Session, type ServerSpec } from './lsp.js';
import { mb, ms, noteRow, summarize, timingRow, type Row, type Summary } from './stats.js';

export interface Options {
  quick: boolean;
  /** Overrides every request and open timeout (--timeout S), to try the harness's failure paths. */
  timeoutMs?: number;
  /** The repository: dist/server.js and node_modules are found from here. */
  root: string;
  log: (line: string) => void;
}

export interface Case {
  name: string;
  what: string;
  run: (o: Options) => Promise<Row[]>;
}

/** An input that is not what the case needs: the case stops and says why. */
export class InputError extends Error {}

/** Requests and edits; a cold open of the biggest input gets far longer. */
let REQUEST_TIMEOUT = 30_000;
let OPEN_TIMEOUT = 180_000;

/** Applies --timeout before a case runs. */
export function setTimeouts(o: Options): void {
  REQUEST_TIMEOUT = o.timeoutMs ?? 30_000;
  OPEN_TIMEOUT = o.timeoutMs ?? 180_000;
}
/** Pause between two edits, so that a sample never overlaps the server's work on the previous one. */
const GAP_MS = 10;

const inputs = new Map<string, Generated>();

function input(name: string): Generated {
  let g = inputs.get(name);
  if (!g) {
    const gen = generators[name];
    if (!gen) throw new Error(`no generator '${name}'`);
    g = gen();
    inputs.set(name, g);
  }
  return g;
}

function irqdServer(o: Options): ServerSpec {
  return { label: 'irqd', args: [join(o.root, 'dist', 'server.js'), '--stdio'], languageId: 'irqd' };
}

function uriOf(name: string, ext: string): string {
  return `file:///bench/${name}.${ext}`;
}

function sleep(msecs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, msecs));
}

/** didOpen, then the diagnostics of version 1; the time between the two. */
async function openAndWait(session: Session, uri: string, text: string, versioned: boolean, timeoutMs: number): Promise<{ ms: number; diag: PublishDiagnosticsParams }> {
  const wait = session.nextDiagnostics((p) => p.uri === uri && (!versioned || p.version === 1), timeoutMs, `${uri} at version 1`);
  const t0 = performance.now();
  await session.open(uri, text, 1);
  const diag = await wait;
  return { ms: performance.now() - t0, diag };
}

function errorsOf(diag: PublishDiagnosticsParams): PublishDiagnosticsParams['diagnostics'] {
  return diag.diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
}

/**
 * The input as the server sees it: no error diagnostics, and every scenario
 * simulated and passing with the number of steps the generator wrote (its
 * code lens says "✓ passes (n steps)"). A benchmark of skipped work is
 * worthless, so anything else stops the case.
 */
async function verify(session: Session, uri: string, gen: Generated, diag: PublishDiagnosticsParams): Promise<string> {
  const errors = errorsOf(diag);
  if (errors.length > 0) {
    const first = errors.slice(0, 3).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    throw new InputError(`${gen.name} has ${errors.length} error diagnostics, so it measures nothing real: ${first.join('; ')}`);
  }
  const lenses = (await session.codeLenses(uri, OPEN_TIMEOUT)) ?? [];
  const status = lenses.map((l) => l.command?.title ?? '').filter((t) => /^(✓ passes|✗ fails|not simulated)/.test(t));
  if (status.length !== gen.scenarios.length) {
    throw new InputError(`${gen.name}: the server shows ${status.length} scenario results, the generator wrote ${gen.scenarios.length} scenarios`);
  }
  status.forEach((title, i) => {
    const steps = /^✓ passes \((\d+) steps?\)$/.exec(title)?.[1];
    if (steps === undefined) throw new InputError(`${gen.name}: scenario "${gen.scenarios[i]}" is not simulated and passing: ${title}`);
    if (Number(steps) !== gen.steps[i]) throw new InputError(`${gen.name}: scenario "${gen.scenarios[i]}" ran ${steps} steps, the generator wrote ${gen.steps[i]}`);
  });
  const warnings = diag.diagnostics.filter((d) => d.severity === DiagnosticSeverity.Warning).length;
  const steps = gen.steps.reduce((a, b) => a + b, 0);
  return `${gen.name}: ${gen.text.split('\n').length - 1} lines, ${gen.text.length.toLocaleString('en-US')} bytes, 0 errors, ${warnings} warnings, ${gen.scenarios.length} scenarios (${steps} steps) simulated and passing`;
}

/** A fresh irqd server with the input open and verified. */
async function openVerified(o: Options, gen: Generated): Promise<{ session: Session; uri: string; openMs: number }> {
  const session = await Session.start(irqdServer(o), REQUEST_TIMEOUT);
  try {
    const uri = uriOf(gen.name, 'irqd');
    const { ms: openMs, diag } = await openAndWait(session, uri, gen.text, true, OPEN_TIMEOUT);
    o.log(`  checked ${await verify(session, uri, gen, diag)}`);
    return { session, uri, openMs };
  } catch (e) {
    session.kill();
    throw e;
  }
}

interface EditRun {
  samples: Map<EditSite['kind'], number[]>;
  /** Versions whose diagnostics had errors: the edit broke the file. */
  broken: string[];
  timedOut: boolean;
}

/**
 * One-character edits: at each site a character typed and deleted again, so
 * the text returns to where it was after every pair; the kinds take turns.
 * Each sample runs from writing didChange to reading the publishDiagnostics
 * of that version (or, for a server that does not send versions, the next
 * one). `validate` sends the JSON server's json/validate right after the
 * change, which validates at once instead of after its 300 ms debounce.
 */
async function edits(
  session: Session,
  uri: string,
  sites: readonly EditSite[],
  kinds: readonly EditSite['kind'][],
  perKind: number,
  opts: { firstVersion: number; versioned: boolean; validate: boolean; budgetMs: number },
): Promise<EditRun & { version: number }> {
  const samples = new Map<EditSite['kind'], number[]>(kinds.map((k) => [k, []]));
  const broken: string[] = [];
  let version = opts.firstVersion;
  const started = performance.now();
  let timedOut = false;
  const once = async (site: EditSite, change: TextDocumentContentChangeEvent): Promise<number> => {
    version++;
    const v = version;
    const wait = session.nextDiagnostics((p) => p.uri === uri && (!opts.versioned || p.version === v), REQUEST_TIMEOUT, `${uri} at version ${v}`);
    const t0 = performance.now();
    await session.change(uri, v, [change]);
    const validated = opts.validate ? session.request<unknown>('json/validate', uri, REQUEST_TIMEOUT) : undefined;
    const diag = await wait;
    const t = performance.now() - t0;
    if (validated) await validated;
    if (errorsOf(diag).length > 0) broken.push(`version ${v} (${site.kind} edit at line ${site.line + 1}): ${errorsOf(diag)[0]?.message ?? ''}`);
    await sleep(GAP_MS);
    return t;
  };
  for (let i = 0; i < perKind; i++) {
    for (const kind of kinds) {
      const own = sites.filter((s) => s.kind === kind);
      const site = own[i % own.length];
      if (!site) throw new InputError(`no ${kind} edit site`);
      const at = { line: site.line, character: site.character };
      const after = { line: site.line, character: site.character + site.insert.length };
      const list = samples.get(kind) as number[];
      list.push(await once(site, { range: { start: at, end: at }, text: site.insert }));
      list.push(await once(site, { range: { start: at, end: after }, text: '' }));
    }
    if (performance.now() - started > opts.budgetMs) {
      timedOut = i + 1 < perKind;
      break;
    }
  }
  return { samples, broken, timedOut, version };
}

const KINDS: readonly EditSite['kind'][] = ['scenario', 'comment', 'system'];
const PLACE: Record<EditSite['kind'], string> = {
  scenario: 'in a step\'s CPU number',
  comment: 'in a comment',
  system: 'in the system block',
};

/** Where jsonOfSize() puts the same three kinds of edit site. */
const JSON_PLACE: Record<EditSite['kind'], string> = {
  scenario: 'in an "msix" number',
  comment: 'in a "comment" string',
  system: 'in a "driver" string',
};

function all(run: EditRun): number[] {
  return [...run.samples.values()].flat();
}

function budgetNote(run: EditRun, budgetMs: number): string {
  return run.timedOut ? ` (stopped at the ${Math.round(budgetMs / 1000)} s budget)` : '';
}

const keystroke: Case = {
  name: 'keystroke',
  what: 'one-character edits in realistic2k, didChange → publishDiagnostics of that version; the JSON language server on a file of the same size for reference',
  async run(o) {
    const rows: Row[] = [];
    const gen = input('realistic2k');
    const perKind = o.quick ? 10 : 100;
    const budget = o.quick ? 40_000 : 150_000;
    const { session, uri } = await openVerified(o, gen);
    let irqd: EditRun;
    try {
      // A few edits first: the JIT warms up as it would after a minute of typing.
      const warm = await edits(session, uri, gen.sites, KINDS, 2, { firstVersion: 1, versioned: true, validate: false, budgetMs: budget });
      irqd = await edits(session, uri, gen.sites, KINDS, perKind, { firstVersion: warm.version, versioned: true, validate: false, budgetMs: budget });
      irqd.broken.push(...warm.broken);
      const rss = session.peakRss();
      if (irqd.broken.length > 0) throw new InputError(`${irqd.broken.length} edited versions had errors, so they measure skipped work: ${irqd.broken.slice(0, 3).join('; ')}`);
      for (const kind of KINDS) {
        const s = summarize(irqd.samples.get(kind) as number[]);
        rows.push(timingRow('keystroke', `realistic2k, ${PLACE[kind]}`, s, undefined, 'p95 ≤ 15 ms', s.p95 <= 15));
      }
      const s = summarize(all(irqd));
      rows.push(timingRow('keystroke', `realistic2k, all three${budgetNote(irqd, budget)}`, s, rss, 'p95 ≤ 15 ms', s.p95 <= 15));
    } finally {
      await session.close();
    }

    // The reference: what a mature language server costs for the same edits.
    const json = jsonOfSize(Buffer.byteLength(gen.text));
    const spec: ServerSpec = {
      label: 'json',
      args: [join(o.root, 'node_modules', 'vscode-json-languageserver', 'out', 'node', 'jsonServerMain.js'), '--stdio'],
      languageId: 'json',
      initializationOptions: { handledSchemaProtocols: ['file'], provideFormatter: false },
      settings: {
        http: { proxy: '', proxyStrictSSL: false },
        json: { schemas: [{ fileMatch: ['*.json'], url: 'file:///bench/inventory.schema.json', schema: json.schema }] },
      },
    };
    const js = await Session.start(spec, REQUEST_TIMEOUT);
    try {
      const juri = uriOf('inventory', 'json');
      const { diag } = await openAndWait(js, juri, json.text, false, REQUEST_TIMEOUT);
      if (diag.diagnostics.length > 0) throw new InputError(`the JSON reference file has ${diag.diagnostics.length} diagnostics: ${diag.diagnostics[0]?.message ?? ''}`);
      const warm = await edits(js, juri, json.sites, KINDS, 2, { firstVersion: 1, versioned: false, validate: true, budgetMs: budget });
      const ref = await edits(js, juri, json.sites, KINDS, perKind, { firstVersion: warm.version, versioned: false, validate: true, budgetMs: budget });
      if (ref.broken.length > 0) throw new InputError(`JSON edits broke the file: ${ref.broken[0] ?? ''}`);
      for (const kind of KINDS) {
        rows.push(timingRow('keystroke', `JSON reference, ${JSON_PLACE[kind]}`, summarize(ref.samples.get(kind) as number[]), undefined, '', undefined));
      }
      const jAll = summarize(all(ref));
      rows.push(timingRow('keystroke', `JSON reference (${json.text.length.toLocaleString('en-US')} bytes, json/validate), all three`, jAll, js.peakRss(), '', undefined));
      // What VS Code's JSON support feels like: its server waits 300 ms after the last change.
      const felt = await edits(js, juri, json.sites, ['scenario'], o.quick ? 2 : 5, { firstVersion: ref.version, versioned: false, validate: false, budgetMs: budget });
      rows.push(timingRow('keystroke', 'JSON reference, with its 300 ms debounce', summarize(all(felt)), undefined, '', undefined));
      const iAll = summarize(all(irqd));
      rows.push(noteRow('keystroke', 'ratio irqd / JSON', `p50 ${(iAll.p50 / jAll.p50).toFixed(1)}×, p95 ${(iAll.p95 / jAll.p95).toFixed(1)}×`));
    } finally {
      await js.close();
    }
    return rows;
  },
};

const scenarios: Case = {
  name: 'scenarios',
  what: 'keystroke (an edit inside a scenario) on the same machine with 1, 4, 16, 42 and 84 scenarios',
  async run(o) {
    const rows: Row[] = [];
    const p50s: [number, number][] = [];
    for (const n of [1, 4, 16, 42, 84]) {
      const gen = input(`scenarios-${n}`);
      const { session, uri } = await openVerified(o, gen);
      try {
        const budget = o.quick ? 10_000 : 40_000;
        const warm = await edits(session, uri, gen.sites, ['scenario'], 1, { firstVersion: 1, versioned: true, validate: false, budgetMs: budget });
        const run = await edits(session, uri, gen.sites, ['scenario'], o.quick ? 3 : 20, { firstVersion: warm.version, versioned: true, validate: false, budgetMs: budget });
        if (run.broken.length > 0) throw new InputError(`edited versions had errors: ${run.broken[0] ?? ''}`);
        const s = summarize(all(run));
        p50s.push([n, s.p50]);
        rows.push(timingRow('scenarios', `scenarios-${n} (${gen.text.split('\n').length - 1} lines)${budgetNote(run, budget)}`, s, session.peakRss(), '', undefined));
      } finally {
        await session.close();
      }
    }
    const first = p50s[0];
    const last = p50s[p50s.length - 1];
    if (first && last) rows.push(noteRow('scenarios', 'cost of one more scenario', `${ms((last[1] - first[1]) / (last[0] - first[0]))} (p50, 1 → 84)`));
    return rows;
  },
};

/** didOpen → diagnostics in a fresh server per repetition, after a separate check. */
async function coldOpens(o: Options, gen: Generated, reps: number): Promise<{ s: Summary; rss: number | undefined; cpu: string }> {
  const check = await openVerified(o, gen);
  await check.session.close();
  const times: number[] = [];
  const cpu: number[] = [];
  let rss: number | undefined;
  for (let i = 0; i < reps; i++) {
    const session = await Session.start(irqdServer(o), REQUEST_TIMEOUT);
    try {
      const before = session.cpuMs();
      const { ms: t, diag } = await openAndWait(session, uriOf(gen.name, 'irqd'), gen.text, true, OPEN_TIMEOUT);
      const after = session.cpuMs();
      if (errorsOf(diag).length > 0) throw new InputError(`${gen.name} has errors in a fresh server`);
      times.push(t);
      if (before !== undefined && after !== undefined) cpu.push(after - before);
      rss = Math.max(rss ?? 0, session.peakRss() ?? 0);
    } finally {
      await session.close();
    }
  }
  // The server's own CPU time for the open, which a busy machine hardly changes (10 ms ticks).
  return { s: summarize(times), rss, cpu: cpu.length > 0 ? `server CPU ${ms(summarize(cpu).p50)}` : 'server CPU unknown' };
}

const coldOpen: Case = {
  name: 'cold-open',
  what: 'machine512 (512 CPUs, 65,536 IRQs, 50 scenarios): didOpen → first publishDiagnostics in a fresh server',
  async run(o) {
    const gen = input('machine512');
    const { s, rss, cpu } = await coldOpens(o, gen, o.quick ? 1 : 3);
    const met = s.p50 <= 250 && (rss ?? Infinity) <= 200 * 1024 * 1024;
    return [timingRow('cold open', `machine512 (${gen.irqs.toLocaleString('en-US')} IRQs, ${gen.scenarios.length} scenarios; ${cpu})`, s, rss, 'p50 ≤ 250 ms, RSS ≤ 200 MB', met)];
  },
};

const irqs65k: Case = {
  name: '65k-irqs',
  what: 'irqs65536 (one scenario that allocates and requests 65,536 IRQs): cold open → diagnostics',
  async run(o) {
    const gen = input('irqs65536');
    const { s, rss, cpu } = await coldOpens(o, gen, o.quick ? 2 : 5);
    return [timingRow('65k IRQs', `irqs65536 (${gen.irqs.toLocaleString('en-US')} IRQs, exactly MAX_IRQS; ${cpu})`, s, rss, 'p50 ≤ 150 ms', s.p50 <= 150)];
  },
};

/** What the parse child (bench.js --child-parse) prints. */
export interface ParseResult {
  bytes: number;
  lines: number;
  parse: Summary;
  lex: Summary;
  parseAlloc: number;
  lexAlloc: number;
  allocSamples: number;
  allocDiscarded: number;
}

const MIB = 1024 * 1024;

const parseCase: Case = {
  name: 'parse',
  what: 'parse() and lex() of grammar/index.ts in-process on realistic2k: throughput and bytes allocated per parse',
  async run(o) {
    const script = join(o.root, 'out', 'bench', 'bench.js');
    // A young generation big enough for one parse, so that no scavenge runs
    // inside a measured parse and the heap growth is what it allocated.
    const args = ['--expose-gc', '--min-semi-space-size=128', '--max-semi-space-size=128', script, '--child-parse', ...(o.quick ? ['--quick'] : [])];
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('timed out after 120 s: the parse child'));
      }, 120_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(stdout);
        else reject(new Error(`the parse child exited with ${code}: ${stderr.trim()}`));
      });
    });
    const r = JSON.parse(out) as ParseResult;
    const rate = (t: number): number => r.bytes / MIB / (t / 1000);
    const parseRate = rate(r.parse.p50);
    const lexRate = rate(r.lex.p50);
    const ratio = r.parse.p50 / r.lex.p50;
    const input = `realistic2k (${(r.bytes / 1024).toFixed(0)} KiB)`;
    return [
      { ...timingRow('parse', `parse(), ${input}`, r.parse, undefined, '≥ 20 MB/s', parseRate >= 20), p50: `${ms(r.parse.p50)} = ${parseRate.toFixed(1)} MB/s` },
      { ...timingRow('parse', `lex(), ${input}`, r.lex, undefined, '', undefined), p50: `${ms(r.lex.p50)} = ${lexRate.toFixed(1)} MB/s` },
      { ...noteRow('parse', 'parse / lex (p50)', `${ratio.toFixed(2)}×`), goal: '≤ 1.5×', met: ratio <= 1.5 },
      noteRow('parse', `allocated per parse (heap growth, ${r.allocSamples} parses with no GC)`, `${mb(r.parseAlloc)} (${(r.parseAlloc / r.bytes).toFixed(0)} bytes per input byte)`),
      noteRow('parse', 'allocated per lex', `${mb(r.lexAlloc)} (${(r.lexAlloc / r.bytes).toFixed(0)} bytes per input byte)`),
    ];
  },
};

/** Seeded positions anywhere in the text: a random line, a random column in it (its end included). */
function randomPositions(text: string, n: number, seed: number): { line: number; character: number }[] {
  const lines = text.split('\n');
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const line = rng.int(0, lines.length - 1);
    return { line, character: rng.int(0, (lines[line] ?? '').length) };
  });
}

async function timeRequests(positions: readonly { line: number; character: number }[], budgetMs: number, request: (p: { line: number; character: number }) => Promise<boolean>): Promise<{ times: number[]; answered: number }> {
  const times: number[] = [];
  let answered = 0;
  const started = performance.now();
  for (const p of positions) {
    const t0 = performance.now();
    if (await request(p)) answered++;
    times.push(performance.now() - t0);
    if (performance.now() - started > budgetMs) break;
  }
  return { times, answered };
}

const hoverCase: Case = {
  name: 'hover',
  what: 'textDocument/hover at seeded random positions of realistic2k, and on device declarations',
  async run(o) {
    const gen = input('realistic2k');
    const { session, uri } = await openVerified(o, gen);
    try {
      const budget = o.quick ? 20_000 : 60_000;
      const hover = async (p: { line: number; character: number }): Promise<boolean> => (await session.hover(uri, p, REQUEST_TIMEOUT)) !== null;
      await timeRequests(randomPositions(gen.text, 20, 1), budget, hover);
      const anywhere = await timeRequests(randomPositions(gen.text, o.quick ? 60 : 400, 2), budget, hover);
      const decls: { line: number; character: number }[] = [];
      gen.text.split('\n').forEach((l, line) => {
        const m = /^(\s*device )(\S+)/.exec(l);
        if (m) decls.push({ line, character: (m[1] as string).length + 1 });
      });
      const reps = o.quick ? 1 : 2;
      const devices = await timeRequests(Array.from({ length: reps }, () => decls).flat(), budget, hover);
      const s1 = summarize(anywhere.times);
      const s2 = summarize(devices.times);
      return [
        timingRow('hover', `anywhere in realistic2k (${anywhere.answered} answered)`, s1, undefined, 'p99 ≤ 3 ms', s1.p99 <= 3),
        timingRow('hover', `on the ${decls.length} device declarations (${devices.answered} answered)`, s2, session.peakRss(), 'p99 ≤ 3 ms', s2.p99 <= 3),
      ];
    } finally {
      await session.close();
    }
  },
};

const completionCase: Case = {
  name: 'completion',
  what: 'textDocument/completion at seeded random positions of realistic2k',
  async run(o) {
    const gen = input('realistic2k');
    const { session, uri } = await openVerified(o, gen);
    try {
      const budget = o.quick ? 20_000 : 60_000;
      const complete = async (p: { line: number; character: number }): Promise<boolean> => {
        const r = await session.completion(uri, p, REQUEST_TIMEOUT);
        return (Array.isArray(r) ? r.length : (r?.items.length ?? 0)) > 0;
      };
      await timeRequests(randomPositions(gen.text, 20, 3), budget, complete);
      const run = await timeRequests(randomPositions(gen.text, o.quick ? 60 : 400, 4), budget, complete);
      const s = summarize(run.times);
      return [timingRow('completion', `anywhere in realistic2k (${run.answered} with items)`, s, session.peakRss(), 'p99 ≤ 5 ms', s.p99 <= 5)];
    } finally {
      await session.close();
    }
  },
};

/** Cold opens of inputs that differ in one number: linear or better when time grows no faster than it. */
async function scaling(o: Options, kase: string, names: readonly [string, number][]): Promise<Row[]> {
  const rows: Row[] = [];
  let base: [number, number] | undefined;
  for (const [name, size] of names) {
    const gen = input(name);
    const { s, rss, cpu } = await coldOpens(o, gen, o.quick ? 1 : 3);
    base ??= [size, s.p50];
    const growth = s.p50 / base[1];
    const ratio = size / base[0];
    // Linear or better: the time grows no faster than the number (with 20% for noise).
    const goal = ratio === 1 ? 'linear or better' : `linear or better (×${growth.toFixed(1)} for ×${ratio.toFixed(0)})`;
    const label = `${name} (${gen.steps.reduce((a, b) => a + b, 0).toLocaleString('en-US')} steps, ${gen.cpus.toLocaleString('en-US')} CPUs; ${cpu})`;
    rows.push(timingRow(kase, label, s, rss, goal, ratio === 1 ? undefined : growth <= ratio * 1.2));
  }
  return rows;
}

const stepsCase: Case = {
  name: 'steps',
  what: 'cold open → diagnostics of one scenario of 1k, 4k and 16k steps (64 CPUs)',
  run: (o) =>
    scaling(o, 'steps', [
      ['steps-1k', 1000],
      ['steps-4k', 4000],
      ['steps-16k', 16000],
    ]),
};

const cpusCase: Case = {
  name: 'cpus',
  what: 'cold open → diagnostics of the same 2,000 steps on 8, 64, 512 and 8192 CPUs',
  run: (o) =>
    scaling(o, 'cpus', [
      ['cpus-8', 8],
      ['cpus-64', 64],
      ['cpus-512', 512],
      ['cpus-8192', 8192],
    ]),
};

// The machine view's case lives beside the others (machine-view.ts) and is loaded lazily: it imports this module.
export const cases: readonly Case[] = [keystroke, scenarios, coldOpen, irqs65k, parseCase, hoverCase, completionCase, stepsCase, cpusCase, { name: 'machine-view', what: 'machine512: irqd/machineState and the machine view drawing it after a step', run: async (o) => (await import('./machine-view.js')).machineViewCase.run(o) }];
