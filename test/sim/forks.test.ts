// Forks are exact: every scenario of every fixture and sample gives the same
// trace and the same states whether its start state is a copy-on-write fork
// of a shared state (what irqd does), a full deep copy (what it used to do),
// or a fork taken before every single step; and no shared state is written.
// Shared states are deeply frozen here (cow.ts setDeepFreeze()), so a write
// through a stale reference throws instead of passing unnoticed; what cannot
// be frozen (typed arrays) is compared before and after.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { analyze, type Analysis } from '../../server/src/analysis/analysis.js';
import { DiskUseResolver } from '../../server/src/analysis/files.js';
import type { ScenarioSym } from '../../server/src/model/types.js';
import { setDeepFreeze } from '../../server/src/sim/cow.js';
import { bootState, runScenario, stateAfter, type EndStates, type RunOptions, type Trace } from '../../server/src/sim/engine.js';
import { bitmapList } from '../../server/src/sim/matrix.js';
import type { SimState } from '../../server/src/sim/state.js';

const root = join(__dirname, '..', '..', '..');
// fuzz/: the fuzzer's kept failures and regressions are inputs, not annotated fixtures (docs/robustness.md).
const skip = new Set(['syntaxes', 'vscode', 'editors', 'fuzz']);

function irqdFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (!skip.has(name)) out.push(...irqdFiles(p));
    } else if (name.endsWith('.irqd')) out.push(p);
  }
  return out;
}

/** A trace as plain data: everything a feature or `irqd run` reads of it. */
function plain(t: Trace | undefined): unknown {
  if (!t) return undefined;
  return {
    passed: t.passed,
    skipped: t.skipped,
    records: t.records.map((r) => ({
      ordinal: r.ordinal,
      outcome: r.outcome,
      summary: r.summary,
      step: [r.step.kind, r.step.span.start, r.step.span.end],
      events: r.events.map((e) => [e.fn, e.text, e.warning ?? false]),
      views: JSON.stringify(r.views),
    })),
    diagnostics: t.diagnostics.map((d) => [d.code, d.severity, d.message, d.span.start, d.span.end]),
  };
}

/** Every fact of a state, as text: what two states must agree on to be the same state. */
function digest(s: SimState | undefined): string {
  if (!s) return 'none';
  const out: string[] = [`online ${s.cpuOnline.join('')} ${(s.online ?? s.cpuOnline.flatMap((on, i) => (on ? [i] : []))).join(',')} (${s.onlineCount}) next ${s.nextVirq} hint ${s.virqHint}`];
  const m = s.matrix;
  out.push(`matrix ${m.globalAvailable} ${m.globalReserved} ${m.totalAllocated} ${m.onlineMaps} ${m.systembitsInalloc}`);
  m.cpus.forEach((c, cpu) => {
    const bits = (map: Uint8Array): string => bitmapList([...map.keys()].filter((b) => map[b]));
    out.push(`cpu ${cpu} ${c.available} ${c.allocated} ${c.managed} ${c.managedAllocated} ${c.initialized} ${c.online} a ${bits(c.allocMap)} m ${bits(c.managedMap)}`);
    const slots: string[] = [];
    for (let v = 0; v < 256; v++) {
      const slot = s.vectorIrq.get(cpu, v);
      if (slot !== undefined) slots.push(`${v}=${slot}`);
    }
    if (slots.length) out.push(`vector_irq ${cpu} ${slots.join(' ')}`);
  });
  for (const [v, irq] of s.irqs) out.push(`irq ${v} ${JSON.stringify({ ...irq, device: irq.device.name, chain: irq.chain.map((d) => d.name) })}`);
  for (const [n, d] of s.devices) out.push(`device ${n} ${d.cap} ${d.virqs.join(',')} ${JSON.stringify([...d.msgs])}`);
  for (const [n, t] of s.irteTables) {
    const used: number[] = [];
    for (let i = 0; i < t.size; i++) if (t.used.get(i)) used.push(i);
    out.push(`irte ${n} ${t.hint} ${t.size} ${bitmapList(used)} ${JSON.stringify([...t.entries])}`);
  }
  out.push(`vfio ${JSON.stringify([...s.vfio])} bindings ${JSON.stringify([...s.bindings])}`);
  if (s.its) out.push(`its ${JSON.stringify([...s.its.devices].map(([n, t]) => [n, [...t].map(([id, d]) => [id, d.lpiBase, [...d.events].join('')])]))} ${[...s.its.lpis].join(',')} ${s.its.load.join(',')}`);
  if (s.pasid) out.push(`pasid ${s.pasid.capacityAvail} ${s.pasid.hint} ${JSON.stringify([...s.pasid.sets])} ${[...s.pasid.used].join(',')}`);
  for (const [n, g] of s.guests) out.push(`guest ${n} {\n${digest(g)}\n}`);
  return out.join('\n');
}

/** The scenarios the analysis simulated (one with errors, or continuing one, is not run at all). */
function simulated(a: Analysis): ScenarioSym[] {
  return a.model.scenarios.filter((sc) => {
    const t = a.traces.get(sc);
    return t !== undefined && !t.skipped?.startsWith('fix the ');
  });
}

function runAll(scenarios: readonly ScenarioSym[], options: RunOptions): Map<ScenarioSym, unknown> {
  const out = new Map<ScenarioSym, unknown>();
  for (const sc of scenarios) out.set(sc, plain(runScenario(sc, options)));
  return out;
}

/** Up to n step counts spread over 0..total, both ends included. */
function counts(total: number, n = 12): number[] {
  const out = new Set<number>([0, total]);
  for (let i = 1; i < n; i++) out.add(Math.round((total * i) / n));
  return [...out].sort((a, b) => a - b);
}

before(() => setDeepFreeze(true));
after(() => setDeepFreeze(false));

const files = [...irqdFiles(join(root, 'test')), ...irqdFiles(join(root, 'samples'))];
test('there are files to fork', () => assert.ok(files.length >= 20, `only ${files.length} .irqd files under ${root}`));

for (const file of files) {
  test(`forks equal deep copies: ${relative(root, file)}`, () => {
    const text = readFileSync(file, 'utf8');
    const a = analyze(text, 1, { file, uses: new DiskUseResolver() });
    const scenarios = simulated(a);
    const ends: EndStates = new Map();
    const forked = runAll(scenarios, { ends });
    const deep = runAll(scenarios, { ends: new Map(), copies: 'deep' });
    const reversed = runAll([...scenarios].reverse(), { ends: new Map() });
    // What the forks of the first run start from, as it is before anything else runs.
    const kept = new Map([...ends].map(([sc, end]) => [sc, digest(end.state)]));
    const boots = new Map(scenarios.map((sc) => [sc, sc.system ? digest(bootState(sc.system)) : '']));
    // A fork before every step, from the end states the first run kept.
    const stepwise = runAll(scenarios, { ends, forkEachStep: true });
    for (const sc of scenarios) {
      const want = plain(a.traces.get(sc));
      const who = `scenario '${sc.name}'`;
      assert.deepEqual(forked.get(sc), want, `${who}: the run with forks differs from the analysis`);
      assert.deepEqual(deep.get(sc), want, `${who}: the run with deep copies differs from the analysis`);
      assert.deepEqual(reversed.get(sc), want, `${who}: the run in reverse order differs`);
      assert.deepEqual(stepwise.get(sc), want, `${who}: the run forking at every step differs`);
      const total = a.traces.get(sc)?.records.length ?? 0;
      for (const k of counts(total)) {
        assert.equal(digest(stateAfter(sc, k)), digest(stateAfter(sc, k, { copies: 'deep' })), `${who}: the state after ${k} of ${total} steps differs`);
      }
    }
    for (const [sc, before] of kept) assert.equal(digest(ends.get(sc)?.state), before, `scenario '${sc.name}': its kept end state was written`);
    for (const sc of scenarios) if (sc.system) assert.equal(digest(bootState(sc.system)), boots.get(sc), `scenario '${sc.name}': the boot state of its system was written`);
  });
}
