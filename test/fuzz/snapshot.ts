// Snapshot inputs: a copy of one of the lab's real-machine dumps
// (test/lab/<boot>/<NN-name>/, test/lab/README.md) with a few of its files
// damaged the ways a copy goes wrong (truncated, garbage lines, numbers no
// kernel prints, files deleted, binary junk, a symlink where a file was),
// written to a temporary directory (or a .tar/.tar.gz of one) and imported
// with importSnapshot(), as `irqd import` does. The answer must be a one-line
// problem, or a clean .irqd file, which then goes through every check of an
// .irqd input. A sample of them also goes through `irqd import` of the
// bundled CLI, which must exit 0 with the same text or 2 with one line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, lstatSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { analyze } from '../../server/src/analysis/analysis.js';
import { importSnapshot } from '../../server/src/host/import.js';
import { writeTar, type TarEntry } from '../../server/src/host/tar.js';
import { checkText, elapsed, normalize, ownFrames, type Failure, type Limits, DEFAULT_LIMITS, FULL_PLAN, type CheckPlan } from './check.js';
import { root } from './corpus.js';
import { ODD_NUMBERS } from './mutate.js';
import { hotFunction, profiled } from './profile.js';
import type { Rng } from './rng.js';

/** A snapshot as files: relative path → content, or a symlink's target. */
export type FileMap = Map<string, Buffer | { link: string }>;

export interface SnapshotInput {
  readonly base: string;
  readonly files: FileMap;
  readonly form: 'directory' | 'tar' | 'tar.gz';
  /** `--name`, when the import is given one. */
  readonly name?: string;
  readonly how: readonly string[];
  /** Also run `irqd import` through the bundled CLI. */
  readonly cli: boolean;
}

const cache = new Map<string, FileMap>();

/** A dump's files, read once per process. */
export function readDump(dir: string): FileMap {
  const cached = cache.get(dir);
  if (cached) return cached;
  const out: FileMap = new Map();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      if (st.isSymbolicLink()) out.set(r, { link: readlinkSync(join(dir, r)) });
      else if (st.isDirectory()) walk(r);
      else out.set(r, readFileSync(join(dir, r)));
    }
  };
  walk('');
  cache.set(dir, out);
  return out;
}

/** The files that matter most to the import are damaged most often. */
function pickFile(rng: Rng, files: FileMap): string | undefined {
  const all = [...files.keys()].filter((k) => Buffer.isBuffer(files.get(k)));
  if (!all.length) return undefined;
  const important = all.filter((f) => /^(proc\/interrupts|sys\/kernel\/debug\/irq\/domains\/|sys\/kernel\/debug\/iommu|lspci|msix-tables|irqd-snapshot|sys\/devices\/system\/cpu\/online|proc\/version|proc\/sys)/.test(f));
  const irqs = all.filter((f) => /^(sys\/kernel\/debug\/irq\/irqs\/|proc\/irq\/)/.test(f));
  const pool = rng.weighted<string[]>([
    [5, important.length ? important : all],
    [3, irqs.length ? irqs : all],
    [2, all],
  ]);
  return rng.pick(pool);
}

function lines(b: Buffer): string[] {
  return b.toString('latin1').split('\n');
}

function fromLines(ls: readonly string[]): Buffer {
  return Buffer.from(ls.join('\n'), 'latin1');
}

const GARBAGE = ['garbage', '', ' ', ':::', '\t\t', '0:', '  35:  1 2 3', 'Vector: 0x', 'domain:  ', 'CPU0 CPU1 CPU2 CPU3 CPU4', 'IR-PCI-MSI-0000:00:01.0', '\u0000\u0001\u0002', 'é', '-1', '99999999999999999999:  0  0  IR-PCI-MSI  0-edge  x', ' effectiv: 0-3', 'Entry  Dest_ID', '00:1f.0 Class [0601]', 'MSIX 0000:01:00.0 entry 0: addr_lo=0xfee00000 addr_hi=0x0 data=0x4021 ctrl=0x0'];

type SnapshotMutation = (rng: Rng, files: FileMap, others: readonly string[]) => string | undefined;

const MUTATIONS: readonly (readonly [number, SnapshotMutation])[] = [
  [
    5,
    (rng, files) => {
      const f = pickFile(rng, files);
      const b = f ? files.get(f) : undefined;
      if (!f || !Buffer.isBuffer(b)) return undefined;
      files.set(f, b.subarray(0, rng.int(0, b.length)));
      return `truncated ${f}`;
    },
  ],
  [
    5,
    (rng, files) => {
      const f = pickFile(rng, files);
      const b = f ? files.get(f) : undefined;
      if (!f || !Buffer.isBuffer(b)) return undefined;
      const ls = lines(b);
      const n = rng.int(1, 5);
      for (let i = 0; i < n; i++) ls.splice(rng.int(0, ls.length), 0, rng.chance(0.7) ? rng.pick(GARBAGE) : Array.from({ length: rng.int(1, 80) }, () => String.fromCharCode(rng.int(32, 126))).join(''));
      files.set(f, fromLines(ls));
      return `garbage lines in ${f}`;
    },
  ],
  [
    7,
    (rng, files) => {
      const f = pickFile(rng, files);
      const b = f ? files.get(f) : undefined;
      if (!f || !Buffer.isBuffer(b)) return undefined;
      const text = b.toString('latin1');
      const nums = [...text.matchAll(/\b(0x[0-9a-fA-F]+|\d+)\b/g)];
      if (!nums.length) return undefined;
      let out = text;
      const k = rng.int(1, 3);
      for (let i = 0; i < k; i++) {
        const m = rng.pick(nums);
        const at = m.index ?? 0;
        if (at + m[0].length > out.length) continue;
        const v = rng.chance(0.5) ? rng.pick(ODD_NUMBERS) : rng.pick(['0', '1', '255', '256', '8192', '4096', '-1', '0xffffffff', '0xffffffffffffffff', String(2 ** 31), String(Number(m[0]) + 1)]);
        out = out.slice(0, at) + v + out.slice(at + m[0].length);
      }
      files.set(f, Buffer.from(out, 'latin1'));
      return `numbers changed in ${f}`;
    },
  ],
  [
    4,
    (rng, files) => {
      const keys = [...files.keys()];
      if (!keys.length) return undefined;
      if (rng.chance(0.3)) {
        // A whole area: debugfs, proc/irq, the PCI devices, the CPU files.
        const prefix = rng.pick(['sys/kernel/debug/', 'sys/kernel/debug/irq/irqs/', 'sys/kernel/debug/irq/domains/', 'proc/irq/', 'sys/bus/pci/', 'sys/devices/system/cpu/', 'proc/', 'sys/kernel/debug/iommu/']);
        for (const k of keys) if (k.startsWith(prefix)) files.delete(k);
        return `deleted ${prefix}`;
      }
      const f = rng.pick(keys);
      files.delete(f);
      return `deleted ${f}`;
    },
  ],
  [
    3,
    (rng, files) => {
      const f = pickFile(rng, files);
      const b = f ? files.get(f) : undefined;
      if (!f || !Buffer.isBuffer(b)) return undefined;
      const junk = Buffer.from(Array.from({ length: rng.int(1, 512) }, () => rng.int(0, 255)));
      const at = rng.int(0, b.length);
      files.set(f, rng.chance(0.5) ? Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]) : junk);
      return `binary junk in ${f}`;
    },
  ],
  [
    2,
    (rng, files) => {
      const f = pickFile(rng, files);
      if (!f) return undefined;
      files.set(f, Buffer.alloc(0));
      return `emptied ${f}`;
    },
  ],
  [
    2,
    (rng, files) => {
      const f = pickFile(rng, files);
      const b = f ? files.get(f) : undefined;
      if (!f || !Buffer.isBuffer(b)) return undefined;
      const ls = lines(b);
      const i = rng.int(0, Math.max(0, ls.length - 1));
      const times = rng.chance(0.8) ? rng.int(2, 20) : rng.int(1000, 50000);
      ls.splice(i, 0, ...Array.from({ length: times }, () => ls[i] ?? ''));
      files.set(f, fromLines(ls));
      return `line ${i + 1} of ${f} repeated ${times} times`;
    },
  ],
  [
    2,
    (rng, files, others) => {
      // The same file from another dump: a snapshot pieced together from two machines.
      if (!others.length) return undefined;
      const other = readDump(rng.pick(others));
      const f = pickFile(rng, other);
      const b = f ? other.get(f) : undefined;
      if (!f || !b) return undefined;
      files.set(f, b);
      return `${f} from another dump`;
    },
  ],
  [
    1,
    (rng, files) => {
      const f = pickFile(rng, files);
      if (!f) return undefined;
      files.set(f, { link: rng.pick(['/etc/passwd', '../../../../../../etc/shadow', '/proc/self/mem', 'irqs/0', '.']) });
      return `${f} replaced by a symlink`;
    },
  ],
  [
    1,
    (rng, files) => {
      // A file where a directory is, or a directory's worth of files where a file is.
      const f = pickFile(rng, files);
      const b = f ? files.get(f) : undefined;
      if (!f || !b) return undefined;
      files.delete(f);
      files.set(`${f}/nested`, Buffer.isBuffer(b) ? b : Buffer.alloc(0));
      return `${f} made a directory`;
    },
  ],
];

const NAMES = ['box', 'constructor', '__proto__', 'a b', 'x'.repeat(5000), 'nvmé', '0abc', 'A-B.C', 'trailing-', 'system', ''];

/** A damaged copy of a random lab dump. */
export function mutateSnapshot(rng: Rng, dumps: readonly string[]): SnapshotInput {
  const base = rng.pick(dumps);
  const files: FileMap = new Map(readDump(base));
  const how: string[] = [];
  const n = rng.weighted<number>([
    [45, 1],
    [30, 2],
    [15, 3],
    [10, 5],
  ]);
  for (let i = 0; i < n; i++) {
    const [, m] = rng.weighted(MUTATIONS.map((x) => [x[0], x] as const));
    const what = m(rng, files, dumps);
    if (what) how.push(what);
  }
  const form = rng.weighted<SnapshotInput['form']>([
    [75, 'directory'],
    [15, 'tar.gz'],
    [10, 'tar'],
  ]);
  return { base, files, form, how, cli: rng.chance(0.01), ...(rng.chance(0.15) ? { name: rng.pick(NAMES) } : {}) };
}

/** Writes the snapshot under `dir`: the directory itself, or an archive in it; the path to import. */
export function writeSnapshot(s: Pick<SnapshotInput, 'files' | 'form'>, dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (s.form !== 'directory') {
    const entries: TarEntry[] = [];
    for (const [path, c] of s.files) entries.push(Buffer.isBuffer(c) ? { path, type: 'file', content: c } : { path, type: 'symlink', target: c.link });
    let tar: Buffer;
    try {
      tar = writeTar(entries);
    } catch {
      // A path the ustar format cannot hold: the directory form instead.
      return writeSnapshot({ ...s, form: 'directory' }, dir);
    }
    const file = join(dir, `snapshot.${s.form}`);
    writeFileSync(file, s.form === 'tar.gz' ? gzipSync(tar, { level: 1 }) : tar);
    return file;
  }
  for (const [path, c] of s.files) {
    const p = join(dir, path);
    try {
      mkdirSync(dirname(p), { recursive: true });
      if (Buffer.isBuffer(c)) writeFileSync(p, c);
      else symlinkSync(c.link, p);
    } catch (e) {
      // "A file turned into a directory" can leave a path that is both: the directory wins, as on a real disk.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR' && code !== 'ENOTDIR' && code !== 'EEXIST') throw e;
    }
  }
  return dir;
}

/** Reads a kept snapshot directory back (the failure's own note aside). */
export function readSnapshotDir(dir: string): FileMap {
  const m = new Map(readDump(dir));
  cache.delete(dir);
  m.delete(FAILURE_NOTE);
  return m;
}

/** The note in a kept snapshot directory that says what failed. */
export const FAILURE_NOTE = 'FUZZ-FAILURE.txt';

const cliPath = join(root, 'dist', 'cli.js');

function slowCheck(where: string, f: () => unknown, ms: number, limits: Limits, quick: boolean): Failure | undefined {
  if (ms <= limits.slowMs) return undefined;
  const again = quick ? { ms, hot: [] } : profiled(f);
  if (again.ms <= limits.slowMs) return undefined;
  return { kind: 'slow', where, message: `${where} took ${Math.round(Math.min(ms, again.ms))} ms (limit ${limits.slowMs} ms)`, klass: `slow|${where}|${hotFunction(again.hot)}`, frames: again.hot, ms };
}

/** Imports the snapshot at `path` and checks the answer (and, for a clean file, the file). */
export function checkSnapshot(path: string, input: Pick<SnapshotInput, 'name' | 'cli'>, rng: Rng | undefined, plan: CheckPlan = FULL_PLAN, limits: Limits = DEFAULT_LIMITS): Failure | undefined {
  // No output file name, as `irqd import` without -o: its header is then the same as the CLI's.
  const run = (): ReturnType<typeof importSnapshot> => importSnapshot(path, input.name);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let r: ReturnType<typeof importSnapshot>;
  try {
    r = run();
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const frames = ownFrames(e instanceof Error ? e.stack : undefined);
    return { kind: 'throw', where: 'importSnapshot', message, klass: `throw|importSnapshot|${normalize(message)}|${(frames[0] ?? '').replace(/:\d+\)$/, ')')}`, frames };
  }
  const slow = slowCheck('importSnapshot', run, elapsed(t0, c0), limits, plan.quick === true);
  if (slow) return slow;
  const rss = process.memoryUsage.rss();
  if (rss > limits.maxRssBytes) return { kind: 'memory', where: 'importSnapshot', message: `resident memory ${Math.round(rss / 2 ** 20)} MiB after importSnapshot`, klass: 'memory|importSnapshot' };
  let failure: Failure | undefined;
  if ('problem' in r) {
    if (r.problem.trim() === '' || /[\r\n]/.test(r.problem)) {
      failure = { kind: 'import', where: 'importSnapshot', message: `the problem is not one line: ${JSON.stringify(r.problem.slice(0, 300))}`, klass: 'import|problem not one line' };
    }
  } else {
    const a = analyze(r.text, 1);
    const bad = a.diagnostics.find((d) => d.severity === 'error');
    if (bad) {
      const line = a.lines.position(bad.span.start).line;
      failure = {
        kind: 'import',
        where: 'importSnapshot',
        message: `the imported file is not clean: line ${line + 1}: ${bad.code} ${bad.message} (${JSON.stringify(a.lines.lineText(line).trim().slice(0, 120))})`,
        klass: `import|not clean|${bad.code}|${normalize(bad.message)}`,
      };
    } else {
      failure = checkText({ text: r.text }, rng, plan, limits);
    }
  }
  if (failure || !input.cli || !existsSync(cliPath)) return failure;
  return checkCli(path, input.name, 'problem' in r ? undefined : r.text);
}

/** `irqd import` through the bundled CLI: exit 0 with the text on stdout, or 2 with one line on stderr. */
function checkCli(path: string, name: string | undefined, text: string | undefined): Failure | undefined {
  // An empty --name is a usage error of the CLI but no name to importSnapshot(): not compared.
  const args = [cliPath, 'import', path, ...(name ? ['--name', name] : [])];
  const p = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120000, maxBuffer: 256 * 2 ** 20 });
  const err = p.stderr ?? '';
  const fail = (what: string, klass: string): Failure => ({ kind: 'import', where: 'irqd import', message: `irqd import ${what}: exit ${p.status ?? p.signal}, stderr ${JSON.stringify(err.slice(0, 300))}`, klass: `import|cli|${klass}` });
  if (p.error) return fail(`did not finish (${p.error.message})`, 'did not finish');
  if (p.status === 0) {
    if (err !== '') return fail('wrote to stderr on success', 'stderr on success');
    if (text === undefined) return fail('succeeded where importSnapshot() gave a problem', 'succeeded on a problem');
    if (p.stdout !== text.replace(/\n$/, '') + '\n') return fail('printed another text than importSnapshot()', 'text differs');
    return undefined;
  }
  if (p.status === 2 && /^irqd import: [^\n]+\n?$/.test(err) && !/internal error/.test(err)) {
    return text === undefined ? undefined : fail('failed where importSnapshot() gave a file', 'failed on a file');
  }
  return fail('did not answer with one line', `exit ${p.status}|${normalize(err.split('\n')[0] ?? '')}`);
}
