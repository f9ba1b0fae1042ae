// The fuzz loop, shared by `npm run fuzz` (in worker processes) and the
// seeded run in `npm test`: input i of seed s is a pure function of (s, i),
// so a run can be split among workers, stopped and resumed anywhere, and a
// failure is found again from its seed and index alone.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskUseResolver } from '../../server/src/analysis/files.js';
import { checkText, FULL_PLAN, type CheckPlan, type Edit, type Failure } from './check.js';
import { corpus, foundDir, inputFile, labDumps, libraries, type CorpusFile } from './corpus.js';
import { locateInternal } from './locate.js';
import { claim, foundName, writeFoundSnapshot, writeFoundText, type FoundInfo } from './found.js';
import { generateProgram, type Library } from './generate.js';
import { minimizeEdit, minimizeText, sameFailure, type Budget, ddmin } from './minimize.js';
import { mutate } from './mutate.js';
import { Rng, inputSeed } from './rng.js';
import { checkSnapshot, mutateSnapshot, writeSnapshot, type FileMap, type SnapshotInput } from './snapshot.js';

export type InputKind = 'generate' | 'mutate' | 'snapshot';

export type Input = { readonly kind: 'generate' | 'mutate'; readonly text: string; readonly origin: string; readonly rng: Rng } | { readonly kind: 'snapshot'; readonly snapshot: SnapshotInput; readonly origin: string; readonly rng: Rng };

/** What every input is made from, loaded once per process. */
export interface Materials {
  readonly corpus: readonly CorpusFile[];
  readonly libraries: readonly Library[];
  readonly dumps: readonly string[];
}

export function loadMaterials(): Materials {
  return { corpus: corpus(), libraries: libraries(), dumps: labDumps() };
}

/** Input `index` of `seed`: its kind first (unless `only` says), then the input from the same generator. */
export function makeInput(m: Materials, seed: number, index: number, only?: InputKind, light = false): Input {
  const rng = new Rng(inputSeed(seed, index));
  const kind =
    only ??
    rng.weighted<InputKind>([
      [47, 'generate'],
      [47, 'mutate'],
      [m.dumps.length ? 6 : 0, 'snapshot'],
    ]);
  if (kind === 'generate') return { kind, text: generateProgram(rng, m.libraries), origin: 'generated', rng };
  if (kind === 'mutate') {
    // Round robin over the corpus, so that every sample and fixture is mutated; one in five starts from a generated program.
    const fromGenerated = rng.chance(0.2);
    const base = fromGenerated ? { path: 'a generated program', text: generateProgram(rng, m.libraries) } : (m.corpus[index % m.corpus.length] as CorpusFile);
    const { text, how } = mutate(base.text, rng, m.corpus, light);
    return { kind, text, origin: `mutated from ${base.path} (${how.join(', ')})`, rng };
  }
  const snapshot = mutateSnapshot(rng, m.dumps);
  return { kind, snapshot, origin: `snapshot of ${snapshot.base.replace(/^.*?(test\/lab\/)/, '$1')} as a ${snapshot.form}${snapshot.name !== undefined ? `, --name ${JSON.stringify(snapshot.name.slice(0, 40))}` : ''} (${snapshot.how.join(', ') || 'unchanged'})`, rng };
}

export interface FailureRecord {
  readonly failure: Failure;
  readonly index: number;
  readonly kind: InputKind;
  readonly origin: string;
  /** The kept file, when this run wrote one (a new class). */
  readonly file?: string;
}

export interface Stats {
  inputs: number;
  generate: number;
  mutate: number;
  snapshot: number;
  failures: number;
}

export function emptyStats(): Stats {
  return { inputs: 0, generate: 0, mutate: 0, snapshot: 0, failures: 0 };
}

export interface RunOptions {
  readonly seed: number;
  /** The first index, the step between indices (workers interleave), and where to stop (exclusive). */
  readonly from: number;
  readonly stride: number;
  readonly to: number;
  readonly only?: InputKind;
  /** Smaller mutations (mutate.ts `light`), for the seeded run in npm test. */
  readonly light?: boolean;
  /** performance.now() at which to stop, if any. */
  readonly deadline?: number;
  /** Keep new failure classes in this directory (minimized), or not at all. */
  readonly found?: string;
  readonly minimizeSeconds: number;
  /** Classes that need no file: known already (kept earlier), or being handled. */
  readonly known: ReadonlySet<string>;
  /** Called with the index about to run (the hang detector's breadcrumb). */
  readonly starting?: (index: number) => void;
  /** Called about every 100 ms, and during minimization. */
  readonly progress?: (stats: Stats) => void;
  readonly failed?: (r: FailureRecord) => void;
  /** Asked between inputs: stop now. */
  readonly stopped?: () => boolean;
}

/** The temporary directory of this process, for snapshot copies: in memory where there is a tmpfs, since a copy is 256 files. */
export const scratch = join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `irqd-fuzz-${process.pid}`);

/** Runs one input's checks; the failure, if any. */
export function checkInput(input: Input, uses: DiskUseResolver, plan: CheckPlan = FULL_PLAN): Failure | undefined {
  // The incremental comparison costs two more analyses: every generated program (where traces are
  // simulated, so reused), one mutated input in three (mostly text the analysis rejects early).
  if (input.kind === 'mutate' && plan.incremental === true && !input.rng.chance(1 / 3)) plan = { ...plan, incremental: false };
  if (input.kind !== 'snapshot') return checkText({ text: input.text, uses }, input.rng, plan);
  const dir = join(scratch, 'snapshot');
  const path = writeSnapshot(input.snapshot, dir);
  try {
    return checkSnapshot(path, input.snapshot, input.rng, plan);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a failure needs to be run again without the fuzz run's randomness: every position, only its feature, its edit. */
function replayPlan(f: Failure, edit?: Edit): CheckPlan {
  const features = ['hover', 'completion', 'definition', 'references', 'prepareRename', 'rename', 'semanticTokens', 'semanticTokens/range', 'foldingRanges', 'documentSymbols', 'codeLenses', 'inlayHints', 'traceLines', 'diagnostics'];
  if (edit) return { positions: 'exhaustive', only: 'incremental', incremental: edit, sliced: false };
  if (features.includes(f.where)) return { positions: 'exhaustive', only: f.where, incremental: false, sliced: false };
  if (f.where === 'slice') return { positions: 'exhaustive', incremental: false, sliced: true };
  return { positions: 'exhaustive', only: 'none', incremental: false, sliced: false };
}


/**
 * Minimizes a text failure and keeps it. The failure must first show again
 * under the replay plan (every position instead of random ones); when it does
 * not, the input is kept as it was found, with a note.
 */
function keepText(input: Extract<Input, { text: string }>, f: Failure, opts: RunOptions, uses: DiskUseResolver, index: number, tick: () => void): string | undefined {
  if (!opts.found) return undefined;
  const started = performance.now();
  const budget: Budget = { deadline: started + opts.minimizeSeconds * 1000, tick, tries: 0 };
  let edit = f.edit;
  let text = input.text;
  let failure = f;
  const quick = f.kind === 'slow';
  const reproduce = (t: string, e?: Edit, full = false): Failure | undefined => checkText({ text: t, uses }, undefined, { ...replayPlan(f, e), quick: quick && !full, tick });
  const first = reproduce(text, edit);
  let minimized: FoundInfo['minimized'];
  if (first && sameFailure(first, f)) {
    failure = first;
    if (edit) {
      const r = minimizeEdit(text, edit, (t, e) => sameFailure(reproduce(t, e), f), budget);
      text = r.text;
      edit = r.edit;
    } else {
      text = minimizeText(text, (t) => sameFailure(reproduce(t), f), budget);
    }
    // The position of a feature failure in the minimized text; the class stays the one the file is named by.
    failure = { ...(reproduce(text, edit, true) ?? failure), klass: f.klass };
    minimized = { from: input.text.length, to: text.length, tries: budget.tries, seconds: (performance.now() - started) / 1000 };
  }
  if (failure.kind === 'internal') {
    const phase = /^IRQD003 (.*?) failed: /.exec(failure.message)?.[1];
    const frames = phase ? locateInternal(text, { file: inputFile, uses }, phase) : undefined;
    if (frames?.length) failure = { ...failure, frames };
  }
  const info: FoundInfo = { failure, origin: input.origin + (minimized ? '' : '; it did not show again under --replay (a random position or a timing), kept as found'), seed: opts.seed, index, ...(opts.light ? { light: true } : {}), ...(minimized ? { minimized } : {}) };
  return writeFoundText(opts.found, info, text, edit);
}

/** Minimizes a snapshot failure by files (removing them), then by lines of what is left, and keeps it. */
function keepSnapshot(input: Extract<Input, { kind: 'snapshot' }>, f: Failure, opts: RunOptions, index: number, tick: () => void): string | undefined {
  if (!opts.found) return undefined;
  const started = performance.now();
  const budget: Budget = { deadline: started + opts.minimizeSeconds * 1000, tick, tries: 0 };
  const s = input.snapshot;
  // The same directory name as the fuzz run's copy: the import names the system after it.
  const dir = join(scratch, 'minimize', 'snapshot');
  const plan: CheckPlan = { positions: 'exhaustive', incremental: false, sliced: false };
  const fails = (files: FileMap): boolean => {
    const path = writeSnapshot({ files, form: s.form }, dir);
    try {
      return sameFailure(checkSnapshot(path, { ...s, cli: f.where === 'irqd import' }, undefined, { ...plan, quick: f.kind === 'slow' }), f);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  let files: FileMap = new Map(s.files);
  const size = (m: FileMap): number => [...m.values()].reduce((n, c) => n + (Buffer.isBuffer(c) ? c.length : c.link.length), 0);
  const before = size(files);
  let minimized: FoundInfo['minimized'];
  if (fails(files)) {
    const paths = ddmin([...files.keys()], (keep) => fails(new Map(keep.map((p) => [p, files.get(p) as Buffer | { link: string }]))), budget);
    files = new Map(paths.map((p) => [p, files.get(p) as Buffer | { link: string }]));
    for (const [p, c] of [...files]) {
      if (!Buffer.isBuffer(c) || performance.now() > budget.deadline) continue;
      const ls = c.toString('latin1').match(/[^\n]*\n|[^\n]+$/g) ?? [];
      if (ls.length < 2) continue;
      const kept = ddmin(ls, (u) => fails(new Map([...files, [p, Buffer.from(u.join(''), 'latin1')]])), budget);
      files.set(p, Buffer.from(kept.join(''), 'latin1'));
    }
    minimized = { from: before, to: size(files), tries: budget.tries, seconds: (performance.now() - started) / 1000 };
  }
  const info: FoundInfo = { failure: f, origin: input.origin + (minimized ? '' : '; it did not show again, kept as found'), seed: opts.seed, index, ...(opts.light ? { light: true } : {}), ...(minimized ? { minimized } : {}) };
  return writeFoundSnapshot(opts.found, info, files);
}

/** Runs inputs from..to (by stride) until done, stopped or past the deadline. */
export function runInputs(m: Materials, opts: RunOptions): Stats {
  const stats = emptyStats();
  const uses = new DiskUseResolver();
  const seen = new Set(opts.known);
  mkdirSync(scratch, { recursive: true });
  let lastProgress = performance.now();
  const tick = (): void => {
    const now = performance.now();
    if (now - lastProgress >= 100) {
      lastProgress = now;
      opts.progress?.(stats);
    }
  };
  try {
    for (let i = opts.from; i < opts.to; i += opts.stride) {
      if (opts.deadline !== undefined && performance.now() >= opts.deadline) break;
      if (opts.stopped?.()) break;
      opts.starting?.(i);
      const input = makeInput(m, opts.seed, i, opts.only, opts.light);
      const failure = checkInput(input, uses);
      stats.inputs++;
      stats[input.kind]++;
      if (failure) {
        stats.failures++;
        let file: string | undefined;
        if (!seen.has(failure.klass)) {
          seen.add(failure.klass);
          if (opts.found && claim(opts.found, foundName(failure, input.kind === 'snapshot'))) {
            file = input.kind === 'snapshot' ? keepSnapshot(input, failure, opts, i, tick) : keepText(input, failure, opts, uses, i, tick);
          }
        }
        opts.failed?.({ failure, index: i, kind: input.kind, origin: input.origin, ...(file ? { file } : {}) });
      }
      tick();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  opts.progress?.(stats);
  return stats;
}

export { foundDir };
