// npm run fuzz: generated, mutated and snapshot inputs through the whole
// pipeline (check.ts), in worker processes, with failures minimized and kept
// in test/fuzz/found/ (docs/robustness.md).
//
// Usage: node out/fuzz/fuzz.js [--seed N] [--from N] [--count N] [--seconds N] [--jobs N]
//          [--only generate|mutate|snapshot] [--light] [--minimize-seconds N] [--found DIR]
//        node out/fuzz/fuzz.js --replay FILE_OR_DIR...
//
// The workers report through files rather than IPC: a worker spends its time
// in synchronous code, and a file it wrote before it hung or crashed still
// says which input it was on.
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { normalize, type Failure } from './check.js';
import { foundDir, root } from './corpus.js';
import { Rng } from '../support/random.js';
import { claim, foundName, knownClasses, writeFoundSnapshot, writeFoundText } from './found.js';
import { replay } from './replay.js';
import { emptyStats, loadMaterials, makeInput, runInputs, type FailureRecord, type InputKind, type Stats } from './run.js';

interface Args {
  seed: number;
  from: number;
  count?: number;
  seconds?: number;
  jobs: number;
  only?: InputKind;
  minimizeSeconds: number;
  found: string;
  replay: string[];
  hangSeconds: number;
  /** The light mutations of the seeded run in npm test (fuzz.test.ts), to run its inputs again. */
  light: boolean;
}

function usage(message?: string): never {
  if (message) process.stderr.write(`fuzz: ${message}\n`);
  process.stderr.write(
    'usage: npm run fuzz -- [--seed N] [--from N] [--count N] [--seconds N] [--jobs N] [--only generate|mutate|snapshot] [--light] [--minimize-seconds N] [--found DIR]\n' +
      '       npm run fuzz -- --replay FILE_OR_DIR...\n',
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seed: Math.floor(Date.now() / 1000) % 2 ** 31, from: 0, jobs: 2, minimizeSeconds: 60, found: foundDir, replay: [], hangSeconds: 180, light: false };
  const int = (v: string | undefined, name: string, min = 0): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) usage(`${name} needs an integer of at least ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') args.seed = int(argv[++i], '--seed');
    else if (a === '--from') args.from = int(argv[++i], '--from');
    else if (a === '--count') args.count = int(argv[++i], '--count', 1);
    else if (a === '--seconds') args.seconds = int(argv[++i], '--seconds', 1);
    else if (a === '--jobs') args.jobs = int(argv[++i], '--jobs', 1);
    else if (a === '--minimize-seconds') args.minimizeSeconds = int(argv[++i], '--minimize-seconds');
    else if (a === '--hang-seconds') args.hangSeconds = int(argv[++i], '--hang-seconds', 1);
    else if (a === '--light') args.light = true;
    else if (a === '--found') args.found = resolve(argv[++i] ?? usage('--found needs a directory'));
    else if (a === '--only') {
      const v = argv[++i];
      if (v !== 'generate' && v !== 'mutate' && v !== 'snapshot') usage('--only takes generate, mutate or snapshot');
      args.only = v;
    } else if (a === '--replay') {
      while (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) args.replay.push(argv[++i] as string);
      if (!args.replay.length) usage('--replay needs a file or directory');
    } else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option '${a}'`);
  }
  if (args.count === undefined && args.seconds === undefined) args.count = 10000;
  return args;
}

/** What a worker is told (as its one argument, in JSON). */
interface WorkerSpec {
  seed: number;
  from: number;
  stride: number;
  to: number;
  only?: InputKind;
  light: boolean;
  /** Date.now() at which to stop. */
  until?: number;
  found: string;
  minimizeSeconds: number;
  known: string[];
  /** Its state file (rewritten in place) and failures file (appended). */
  state: string;
  failures: string;
}

interface WorkerState {
  current: number;
  stats: Stats;
  updated: number;
}

function workerMain(spec: WorkerSpec): void {
  const m = loadMaterials();
  const fd = openSync(spec.state, 'w');
  let current = spec.from;
  let stats = emptyStats();
  const write = (): void => {
    const s: WorkerState = { current, stats, updated: Date.now() };
    // Padded to a fixed size and written at offset 0: a reader never sees half of an old, longer line.
    writeSync(fd, JSON.stringify(s).padEnd(512) + '\n', 0);
  };
  write();
  stats = runInputs(m, {
    seed: spec.seed,
    from: spec.from,
    stride: spec.stride,
    to: spec.to,
    ...(spec.only ? { only: spec.only } : {}),
    light: spec.light,
    ...(spec.until !== undefined ? { deadline: performance.now() + Math.max(0, spec.until - Date.now()) } : {}),
    found: spec.found,
    minimizeSeconds: spec.minimizeSeconds,
    known: new Set(spec.known),
    starting: (i) => {
      // Written before each input, not only at the next progress tick: a worker that dies during an
      // input must leave that input's index behind (a tick's could be several inputs old).
      current = i;
      write();
    },
    progress: (s) => {
      stats = s;
      write();
    },
    failed: (r) => {
      appendFileSync(spec.failures, JSON.stringify(r) + '\n');
      // A process past the memory limit stays big: a fresh one continues.
      if (r.failure.kind === 'memory') {
        write();
        closeSync(fd);
        process.exit(75);
      }
    },
  });
  current = spec.to;
  write();
  closeSync(fd);
}

interface Slot {
  index: number;
  child?: ChildProcess;
  spec: WorkerSpec;
  /** Stats of this slot's earlier, finished or crashed processes. */
  done: Stats;
  last?: WorkerState;
  stderr: string;
  killedForHang: boolean;
  finished: boolean;
  failuresRead: number;
}

function addStats(a: Stats, b: Stats): Stats {
  return { inputs: a.inputs + b.inputs, generate: a.generate + b.generate, mutate: a.mutate + b.mutate, snapshot: a.snapshot + b.snapshot, failures: a.failures + b.failures };
}

function readState(path: string): WorkerState | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as WorkerState;
  } catch {
    return undefined;
  }
}

function kindCount(s: Stats): string {
  return `${s.inputs} inputs (${s.generate} generated, ${s.mutate} mutated, ${s.snapshot} snapshots)`;
}

async function parentMain(args: Args): Promise<number> {
  const started = Date.now();
  const to = args.count !== undefined ? args.from + args.count : Number.MAX_SAFE_INTEGER;
  const until = args.seconds !== undefined ? started + args.seconds * 1000 : undefined;
  const known = knownClasses(args.found);
  const work = join(tmpdir(), `irqd-fuzz-run-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const m = loadMaterials();
  process.stdout.write(
    `fuzz: seed ${args.seed}, ${args.count !== undefined ? `${args.count} inputs from ${args.from}` : 'no input limit'}${args.seconds !== undefined ? `, ${args.seconds} s` : ''}, ${args.jobs} job${args.jobs === 1 ? '' : 's'}${args.only ? `, only ${args.only}` : ''}; ${m.corpus.length} corpus files, ${m.dumps.length} lab dumps, ${known.size} known failure classes in ${relative(root, args.found) || '.'}\n`,
  );
  const byClass = new Map<string, { first: FailureRecord; count: number; file?: string }>();
  const slots: Slot[] = [];
  const record = (r: FailureRecord): void => {
    const c = byClass.get(r.failure.klass);
    if (c) {
      c.count++;
      if (r.file) c.file = r.file;
    } else byClass.set(r.failure.klass, { first: r, count: 1, ...(r.file ? { file: r.file } : known.has(r.failure.klass) ? { file: join(args.found, known.get(r.failure.klass) as string) } : {}) });
  };

  const spawnSlot = (slot: Slot, from: number): void => {
    slot.spec = { ...slot.spec, from, known: [...known.keys(), ...byClass.keys()] };
    slot.failuresRead = 0;
    rmSync(slot.spec.failures, { force: true });
    // The last worker's state must not be read as this one's: it would look hung (its time is old) until
    // the new worker writes, and be killed and counted again, over and over.
    rmSync(slot.spec.state, { force: true });
    slot.last = undefined;
    slot.stderr = '';
    slot.killedForHang = false;
    if (from >= to || (until !== undefined && Date.now() >= until)) {
      slot.finished = true;
      return;
    }
    const child = fork(__filename, ['--worker', JSON.stringify(slot.spec)], {
      execArgv: ['--enable-source-maps', '--expose-gc', '--max-old-space-size=3072'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    child.stderr?.on('data', (d: Buffer) => {
      slot.stderr = (slot.stderr + d.toString()).slice(-8192);
    });
    slot.child = child;
  };

  for (let j = 0; j < args.jobs; j++) {
    const slot: Slot = {
      index: j,
      spec: { seed: args.seed, from: args.from + j, stride: args.jobs, to, light: args.light, ...(args.only ? { only: args.only } : {}), ...(until !== undefined ? { until } : {}), found: args.found, minimizeSeconds: args.minimizeSeconds, known: [], state: join(work, `state-${j}.json`), failures: join(work, `failures-${j}.jsonl`) },
      done: emptyStats(),
      stderr: '',
      killedForHang: false,
      finished: false,
      failuresRead: 0,
    };
    slots.push(slot);
    spawnSlot(slot, args.from + j);
  }

  const readFailures = (slot: Slot): void => {
    if (!existsSync(slot.spec.failures)) return;
    const lines = readFileSync(slot.spec.failures, 'utf8').split('\n').filter(Boolean);
    for (const l of lines.slice(slot.failuresRead)) {
      try {
        record(JSON.parse(l) as FailureRecord);
      } catch {
        // A line still being written is read next time.
        break;
      }
      slot.failuresRead++;
    }
  };

  /** A worker died or hung on an input: the input is made again here and kept as it was (it cannot be minimized in-process). */
  const lost = (slot: Slot, kind: 'crash' | 'hang' | 'memory', detail: string): void => {
    const index = slot.last?.current ?? slot.spec.from;
    let input: ReturnType<typeof makeInput>;
    try {
      input = makeInput(m, args.seed, index, args.only, args.light);
    } catch (e) {
      // The worker died making the input, not checking it: a bug of the fuzzer, kept as a crash with no input.
      input = { kind: 'generate', text: '', origin: `input ${index} cannot be made again: ${e instanceof Error ? e.message.slice(0, 300) : String(e)}`, rng: new Rng(index) };
    }
    const firstLine = detail.split('\n').find((l) => /error|Error|FATAL|heap|signal|killed|took/.test(l)) ?? detail.split('\n')[0] ?? '';
    const failure: Failure = { kind, where: 'the worker process', message: detail.slice(0, 2000), klass: `${kind}|${normalize(firstLine)}` };
    let file: string | undefined;
    const name = foundName(failure, input.kind === 'snapshot');
    if (!known.has(failure.klass) && !byClass.has(failure.klass) && claim(args.found, name)) {
      const info = { failure, origin: `${input.origin}; not minimized (a ${kind} is not caught in-process)`, seed: args.seed, index, ...(args.light ? { light: true } : {}) };
      file = input.kind === 'snapshot' ? writeFoundSnapshot(args.found, info, input.snapshot.files) : writeFoundText(args.found, info, input.text);
    }
    record({ failure, index, kind: input.kind, origin: input.origin, ...(file ? { file } : {}) });
    slot.done = addStats(slot.done, { ...emptyStats(), inputs: 1, [input.kind]: 1, failures: 1 });
    spawnSlot(slot, index + args.jobs);
  };

  let lastPrint = Date.now();
  const total = (): Stats => slots.reduce((s, x) => addStats(s, addStats(x.done, x.last?.stats ?? emptyStats())), emptyStats());
  const printProgress = (): void => {
    const t = total();
    const secs = (Date.now() - started) / 1000;
    process.stdout.write(`fuzz: ${t.inputs} inputs (${Math.round(t.inputs / Math.max(secs, 0.001))}/s), ${t.failures} failures in ${byClass.size} classes, ${secs.toFixed(0)} s\n`);
  };

  let interrupted = false;
  process.on('SIGINT', () => {
    interrupted = true;
  });

  await new Promise<void>((resolveAll) => {
    for (const slot of slots) {
      const watch = (child: ChildProcess | undefined): void => {
        child?.once('exit', (code, signal) => {
          if (slot.child !== child) return;
          slot.last = readState(slot.spec.state) ?? slot.last;
          readFailures(slot);
          slot.child = undefined;
          if (interrupted) {
            slot.done = addStats(slot.done, slot.last?.stats ?? emptyStats());
            slot.last = undefined;
            slot.finished = true;
          } else if (code === 0) {
            slot.done = addStats(slot.done, slot.last?.stats ?? emptyStats());
            slot.last = undefined;
            slot.finished = true;
          } else if (code === 75) {
            // A memory failure, recorded by the worker: a fresh process continues after it.
            const next = (slot.last?.current ?? slot.spec.from) + args.jobs;
            slot.done = addStats(slot.done, slot.last?.stats ?? emptyStats());
            slot.last = undefined;
            spawnSlot(slot, next);
            watch(slot.child);
          } else if (slot.killedForHang) {
            const stats = slot.last?.stats ?? emptyStats();
            slot.done = addStats(slot.done, stats);
            lost(slot, 'hang', `the worker made no progress for ${args.hangSeconds} s on this input`);
            watch(slot.child);
          } else {
            const stats = slot.last?.stats ?? emptyStats();
            slot.done = addStats(slot.done, stats);
            const heap = /heap out of memory|Allocation failed/.test(slot.stderr);
            lost(slot, heap ? 'memory' : 'crash', `the worker died (exit ${code ?? ''}${signal ? ` signal ${signal}` : ''}): ${slot.stderr.trim().slice(-1500)}`);
            watch(slot.child);
          }
          if (slots.every((s) => s.finished)) resolveAll();
        });
      };
      watch(slot.child);
    }
    if (slots.every((s) => s.finished)) resolveAll();
    const timer = setInterval(() => {
      for (const slot of slots) {
        if (!slot.child) continue;
        const st = readState(slot.spec.state);
        if (st) slot.last = st;
        readFailures(slot);
        if (slot.last && Date.now() - slot.last.updated > args.hangSeconds * 1000 && !slot.killedForHang) {
          slot.killedForHang = true;
          slot.child.kill('SIGKILL');
        }
      }
      if (interrupted) for (const slot of slots) slot.child?.kill('SIGKILL');
      if (Date.now() - lastPrint >= (Date.now() - started > 120000 ? 30000 : 5000)) {
        lastPrint = Date.now();
        printProgress();
      }
      if (slots.every((s) => s.finished)) {
        clearInterval(timer);
        resolveAll();
      }
    }, 250);
  });

  rmSync(work, { recursive: true, force: true });
  const t = total();
  const secs = (Date.now() - started) / 1000;
  if (byClass.size) {
    process.stdout.write(`\nfailures by class (${byClass.size}):\n`);
    for (const [, c] of [...byClass].sort((a, b) => b[1].count - a[1].count)) {
      const f = c.first.failure;
      process.stdout.write(`  ${c.count}× ${f.kind} in ${f.where}: ${f.message.split('\n')[0]?.slice(0, 200)}\n`);
      if (f.frames?.length) process.stdout.write(`      at ${f.frames.slice(0, 3).join(' < ')}\n`);
      process.stdout.write(`      ${c.file ? relative(root, c.file) : 'not kept'} (first: input ${c.first.index}, ${c.first.origin.slice(0, 120)})\n`);
    }
    process.stdout.write('\n');
  }
  process.stdout.write(`fuzz: ${kindCount(t)}, ${t.failures} failures, seed ${args.seed}, ${secs.toFixed(0)} s\n`);
  return t.failures > 0 ? 1 : 0;
}

/** Runs kept failures again (a file, or a snapshot directory): exit 1 when any still fails. */
function replayMain(paths: readonly string[]): number {
  let failing = 0;
  for (const p of paths) {
    const f = replay(resolve(p));
    process.stdout.write(`${relative(process.cwd(), resolve(p))}: ${f ? `FAILS: ${f.kind} in ${f.where}: ${f.message.split('\n')[0]}` : 'passes'}\n`);
    if (f?.frames?.length) process.stdout.write(`  at ${f.frames.join(' < ')}\n`);
    if (f) failing++;
  }
  return failing > 0 ? 1 : 0;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--worker') {
    workerMain(JSON.parse(argv[1] as string) as WorkerSpec);
  } else {
    const args = parseArgs(argv);
    if (args.replay.length) process.exit(replayMain(args.replay));
    void parentMain(args).then((code) => process.exit(code));
  }
}
