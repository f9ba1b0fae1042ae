// The fuzzer in npm test: a short run with a fixed seed (test/fuzz/run.ts,
// light mutations, in two worker processes), and every minimized failure that
// has been fixed (test/fuzz/regressions/) replayed through the same checks.
//
// A failure whose class is kept in test/fuzz/found/ is a known bug waiting for
// its fix: it is reported, not failed on, so that the suite stays green until
// the fix lands; the fix then moves the file to regressions/, and from then on
// the seeded run fails on it like on any new failure.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import type { Failure } from './check.js';
import { foundDir, regressionsDir, root } from './corpus.js';
import { knownClasses } from './found.js';
import { replay } from './replay.js';
import { emptyStats, loadMaterials, runInputs, type FailureRecord, type Stats } from './run.js';

process.setSourceMapsEnabled(true);

const SEED = 2026;
const COUNT = 2000;
const JOBS = 2;
const WORKER = 'IRQD_FUZZ_TEST_WORKER';

interface Result {
  stats: Stats;
  failures: FailureRecord[];
}

/** A known bug: its class is kept in found/ (a slow call by its call alone: which file is hottest varies with the machine). */
function knownAs(f: Failure, known: ReadonlyMap<string, string>): string | undefined {
  const exact = known.get(f.klass);
  if (exact) return exact;
  if (f.kind === 'slow' || f.kind === 'memory') {
    for (const [k, name] of known) if (k.startsWith(`${f.kind}|${f.where}|`)) return name;
  }
  return undefined;
}

function runWorker(index: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    // The test runner's own variables stay with the test: the worker is a plain process.
    const env: NodeJS.ProcessEnv = { ...process.env, [WORKER]: String(index) };
    delete env.NODE_TEST_CONTEXT;
    const child = fork(__filename, [], { env, execArgv: ['--expose-gc', '--enable-source-maps'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: Result | undefined;
    child.on('message', (m) => {
      result = m as Result;
    });
    child.on('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`fuzz worker ${index} exited with ${code}`))));
  });
}

if (process.env[WORKER] !== undefined) {
  const j = Number(process.env[WORKER]);
  const failures: FailureRecord[] = [];
  const stats = runInputs(loadMaterials(), { seed: SEED, from: j, stride: JOBS, to: COUNT, light: true, minimizeSeconds: 0, known: new Set(), failed: (r) => failures.push(r) });
  process.send?.({ stats, failures } satisfies Result, () => process.exit(0));
} else {
  describe('fuzzing', () => {
    test(`seed ${SEED}: ${COUNT} inputs find no failure that is not kept in test/fuzz/found/`, async (t) => {
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: JOBS }, (_, j) => runWorker(j)));
      const stats = results.reduce((s, r) => ({ inputs: s.inputs + r.stats.inputs, generate: s.generate + r.stats.generate, mutate: s.mutate + r.stats.mutate, snapshot: s.snapshot + r.stats.snapshot, failures: s.failures + r.stats.failures }), emptyStats());
      const known = knownClasses(foundDir);
      const unknown: string[] = [];
      for (const r of results.flatMap((x) => x.failures).sort((a, b) => a.index - b.index)) {
        const f = r.failure;
        const line = `input ${r.index} (${r.origin.slice(0, 100)}): ${f.kind} in ${f.where}: ${f.message.split('\n')[0]?.slice(0, 300)}`;
        const name = knownAs(f, known);
        if (name) t.diagnostic(`known, kept as test/fuzz/found/${name}: ${line}`);
        else unknown.push(`${line}${f.frames?.length ? `\n    at ${f.frames.join(' < ')}` : ''}\n    again: npm run fuzz -- --seed ${SEED} --from ${r.index} --count 1 --light`);
      }
      t.diagnostic(`${stats.inputs} inputs (${stats.generate} generated, ${stats.mutate} mutated, ${stats.snapshot} snapshots), ${stats.failures} failures, ${((performance.now() - started) / 1000).toFixed(1)} s`);
      assert.equal(stats.inputs, COUNT);
      assert.deepEqual(unknown, [], `new failures:\n${unknown.join('\n')}`);
    });

    const kept = existsSync(regressionsDir) ? readdirSync(regressionsDir).filter((n) => n.endsWith('.irqd') || !n.includes('.')).sort() : [];
    test('there is a regressions folder with its README', () => assert.ok(existsSync(join(regressionsDir, 'README.md'))));
    for (const name of kept) {
      test(`regression ${relative(root, join(regressionsDir, name))} passes every check`, () => {
        const f = replay(join(regressionsDir, name));
        assert.equal(f, undefined, f ? `${f.kind} in ${f.where}: ${f.message}${f.frames?.length ? `\n  at ${f.frames.join(' < ')}` : ''}` : '');
      });
    }
  });
}
