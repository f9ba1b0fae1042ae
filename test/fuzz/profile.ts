// Where a slow call spends its time: the call is run again under V8's
// sampling profiler (node:inspector, in-process, synchronous), and the
// functions with the most self time are named with the source file they come
// from. The bundle marks each module with a `// server/src/….ts` line, which
// is how a bundle line is mapped back to a source file without source maps.
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
}

let session: Session | undefined;

function connected(): Session {
  if (!session) {
    session = new Session();
    session.connect();
    session.post('Profiler.enable');
    // 1 ms is enough to rank the functions of a call that takes a second.
    session.post('Profiler.setSamplingInterval', { interval: 1000 });
  }
  return session;
}

/** The module markers of each bundle: line → source file. */
const markers = new Map<string, { line: number; source: string }[]>();

function sourceOf(url: string, line: number): string {
  if (!url.startsWith('file:')) return url || '(native)';
  let m = markers.get(url);
  if (!m) {
    m = [];
    try {
      const lines = readFileSync(fileURLToPath(url), 'utf8').split('\n');
      for (const [i, l] of lines.entries()) {
        const x = /^\/\/ ((?:server|grammar|test|node_modules)\/\S+\.[cm]?[jt]s)$/.exec(l);
        if (x) m.push({ line: i, source: x[1] as string });
      }
    } catch {
      // A bundle that cannot be read leaves its frames unnamed.
    }
    markers.set(url, m);
  }
  let best = '';
  for (const x of m) {
    if (x.line > line) break;
    best = x.source;
  }
  return best || fileURLToPath(url).replace(/^.*\//, '');
}

/** Runs `f` under the profiler: how long it took and its hottest functions (own code first), as `fn (file) NN%`. */
export function profiled(f: () => unknown): { ms: number; hot: string[] } {
  const s = connected();
  s.post('Profiler.start');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  try {
    f();
  } catch {
    // Only the time matters here; the first run reported any exception.
  }
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  // As check.ts elapsed(): slow by the wall clock and by CPU time.
  const ms = Math.min(wall, (c.user + c.system) / 1000);
  let profile: Profile | undefined;
  s.post('Profiler.stop', (err, r) => {
    if (!err) profile = (r as { profile: Profile }).profile;
  });
  if (!profile) return { ms, hot: [] };
  return { ms, hot: rank(profile) };
}

/** A label of irqd's own code: `fn (server/src/…)` or `fn (grammar/…)`, as sourceOf() names files. */
const OWN = /\((server\/src|grammar)\//;

/**
 * The functions of irqd that the time goes to: each sample is charged to the
 * nearest of irqd's own functions on its stack, so that time spent inside a
 * library (Chevrotain's error recovery, a sort) counts for the irqd function
 * that called it. Garbage collection has no stack and is listed apart.
 */
function rank(profile: Profile): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'} (${sourceOf(n.callFrame.url, n.callFrame.lineNumber)})`;
  const charged = new Map<string, number>();
  let total = 0;
  let gc = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const fn = n.callFrame.functionName;
    if (fn === '(idle)' || fn === '(program)' || fn === '(root)') continue;
    total += hits;
    if (fn === '(garbage collector)') {
      gc += hits;
      continue;
    }
    let owner: string | undefined;
    for (let id: number | undefined = n.id; id !== undefined && !owner; id = parent.get(id)) {
      const node = byId.get(id);
      if (node && OWN.test(label(node))) owner = label(node);
    }
    const key = owner ?? label(n);
    charged.set(key, (charged.get(key) ?? 0) + hits);
  }
  const pct = (n: number): string => `${Math.round((100 * n) / Math.max(1, total))}%`;
  const ranked = [...charged.entries()].sort((a, b) => b[1] - a[1]);
  const out = ranked.slice(0, 4).map(([k, n]) => `${k} ${pct(n)}`);
  if (gc > 0) out.push(`(garbage collector) ${pct(gc)}`);
  return out;
}

/**
 * The source file of the hottest own function: the part of a slow failure's
 * class that says where. The file and not the function, because which of a
 * few functions of one hot loop ranks first varies from run to run.
 */
export function hotFunction(hot: readonly string[]): string {
  const own = hot.find((h) => OWN.test(h)) ?? hot[0] ?? '';
  return /\(([^()]+)\) \d+%$/.exec(own)?.[1] ?? own.replace(/ \d+%$/, '');
}
