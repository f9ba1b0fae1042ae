// `irqd compare SNAPSHOT FILE.irqd [--scenario S] [--step N] [--since PREV]
// [--system NAME] [--format text|json]`: the command around compare.ts. It
// analyses the file as the editor would, takes the simulated state as found
// (no --scenario) or after N steps of a scenario, and prints the agreement
// per fact kind, then the disagreements; exit 1 on any disagreement.
import { resolve } from 'node:path';
import { analyze } from '../analysis/analysis.js';
import { DiskUseResolver, readSource } from '../analysis/files.js';
import type { SystemSym } from '../model/types.js';
import { bootState, stateAfter } from '../sim/engine.js';
import type { SimState } from '../sim/state.js';
import { compareState, FACT_KINDS, summarize, type Comparison, type FactResult } from './compare.js';
import { loadSnapshot } from './load.js';
import type { HostSnapshot } from './types.js';

export const COMPARE_USAGE = `usage: irqd compare SNAPSHOT FILE.irqd [--scenario NAME] [--step N] [--since PREV] [--system NAME] [--format text|json]

Compares every fact of a machine snapshot (IRQs, hierarchy and hwirqs,
managed flags, CPUs and vectors, affinities, pending moves, messages, IRTEs,
the vector matrix) with the simulated state of FILE's system: as found, or
after the first N steps of a scenario (all of them without --step).
  --since PREV   the snapshot before: /proc/interrupts counts tell which IRQs fired in between
  --format json  every fact, agreeing or not, as JSON
Exit status: 0 when every fact agrees, 1 on a disagreement, 2 for a usage or input problem.`;

/** At most this many disagreements are listed in text. */
const MAX_LISTED = 60;

interface Options {
  snapshot?: string;
  file?: string;
  scenario?: string;
  step?: number;
  since?: string;
  system?: string;
  format: 'text' | 'json';
}

function parseArgs(argv: readonly string[]): Options | { usage: string } | 'help' {
  const o: Options = { format: 'text' };
  const args = [...argv];
  while (args.length > 0) {
    const a = args.shift() as string;
    const value = (): string | undefined => args.shift();
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--scenario') {
      o.scenario = value();
      if (o.scenario === undefined) return { usage: '--scenario needs a scenario name' };
    } else if (a === '--step') {
      const n = value();
      if (!n || !/^\d+$/.test(n)) return { usage: `--step takes a step number, not '${n ?? ''}'` };
      o.step = Number(n);
    } else if (a === '--since') {
      o.since = value();
      if (!o.since) return { usage: '--since needs the earlier snapshot' };
    } else if (a === '--system') {
      o.system = value();
      if (!o.system) return { usage: '--system needs a system name' };
    } else if (a === '--format') {
      const f = value();
      if (f !== 'text' && f !== 'json') return { usage: `--format takes 'text' or 'json', not '${f ?? ''}'` };
      o.format = f;
    } else if (a.startsWith('-') && a !== '-') {
      return { usage: `unknown option '${a}'` };
    } else if (o.snapshot === undefined) o.snapshot = a;
    else if (o.file === undefined) o.file = a;
    else return { usage: `one snapshot and one file ('${a}' is a third argument)` };
  }
  if (!o.snapshot || !o.file) return { usage: 'compare needs a snapshot and an .irqd file' };
  if (o.step !== undefined && o.scenario === undefined) return { usage: '--step needs --scenario' };
  return o;
}

/** The simulated state to compare: the system as found, or a scenario after N steps. */
function simulatedState(o: Options): { state: SimState; what: string } | { problem: string } {
  const file = o.file as string;
  const src = readSource(file);
  if ('problem' in src) return { problem: src.problem };
  const a = analyze(src.text, 0, { file: resolve(file), uses: new DiskUseResolver() });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const first = errors[0] as (typeof errors)[number];
    const at = a.lines.position(first.span.start);
    return { problem: `${file}:${at.line + 1}:${at.character + 1}: ${first.message} (${errors.length} error${errors.length === 1 ? '' : 's'}: run irqd check ${file})` };
  }
  if (o.scenario !== undefined) {
    const sc = a.model.scenarios.find((s) => s.name === o.scenario);
    if (!sc) return { problem: `${file} has no scenario '${o.scenario}' (it has ${a.model.scenarios.map((s) => `'${s.name}'`).join(', ') || 'none'})` };
    const total = a.traces.get(sc)?.records.length ?? 0;
    const step = o.step ?? total;
    if (step > total) return { problem: `scenario '${sc.name}' has ${total} steps; --step ${step} is past its end` };
    const state = stateAfter(sc, step);
    if (!state) return { problem: `scenario '${sc.name}' is not simulated: ${a.traces.get(sc)?.skipped ?? 'it has no system'}` };
    return { state, what: `scenario '${sc.name}' after ${step} of ${total} steps` };
  }
  const systems: SystemSym[] = [...a.model.systems.values(), ...a.model.imported.systems.values()];
  const system = o.system ? systems.find((s) => s.name === o.system) : systems.length === 1 ? systems[0] : systems.find((s) => s.state);
  if (!system) return { problem: o.system ? `${file} has no system '${o.system}'` : `${file} has ${systems.length} systems: say which with --system` };
  return { state: bootState(system), what: `system '${system.name}' as found` };
}

/** Interrupts between two snapshots per IRQ and CPU: /proc/interrupts counts only grow while the IRQ exists. */
export function interruptsBetween(prev: HostSnapshot, next: HostSnapshot): Map<number, Map<number, number>> {
  const out = new Map<number, Map<number, number>>();
  for (const [irq, row] of next.interrupts?.rows ?? []) {
    const before = prev.interrupts?.rows.get(irq);
    const per = new Map<number, number>();
    for (const [cpu, n] of row.counts) {
      const d = n - (before?.counts.get(cpu) ?? 0);
      if (d > 0) per.set(cpu, d);
    }
    if (per.size > 0) out.set(irq, per);
  }
  return out;
}

function hint(f: FactResult, fired: Map<number, Map<number, number>> | undefined): string {
  const m = /^IRQ (\d+)$/.exec(f.subject);
  if (!fired || !m) return '';
  const per = fired.get(Number(m[1]));
  if (!per) return ['pending', 'previous', 'cpu', 'vector', 'affinity'].includes(f.kind) ? ' (no interrupt since the earlier snapshot)' : '';
  const text = [...per].map(([cpu, n]) => `${n} on CPU ${cpu}`).join(', ');
  return ` (interrupts since the earlier snapshot: ${text}; a deferred move completes on the next interrupt)`;
}

export function compareMain(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  const o = parseArgs(argv);
  if (o === 'help') {
    out(COMPARE_USAGE);
    return 0;
  }
  if ('usage' in o) {
    err(`irqd compare: ${o.usage}`);
    err(COMPARE_USAGE);
    return 2;
  }
  const snap = loadSnapshot(o.snapshot as string);
  if ('problem' in snap) {
    err(`irqd compare: ${snap.problem}`);
    return 2;
  }
  let fired: Map<number, Map<number, number>> | undefined;
  if (o.since) {
    const prev = loadSnapshot(o.since);
    if ('problem' in prev) {
      err(`irqd compare: --since: ${prev.problem}`);
      return 2;
    }
    fired = interruptsBetween(prev, snap);
  }
  const sim = simulatedState(o);
  if ('problem' in sim) {
    err(`irqd compare: ${sim.problem}`);
    return 2;
  }
  const result: Comparison = compareState(snap, sim.state);
  const kinds = summarize(result.facts);
  const agree = result.facts.filter((f) => f.agree).length;
  const total = result.facts.length;
  if (o.format === 'json') {
    out(
      JSON.stringify(
        {
          snapshot: o.snapshot,
          file: o.file,
          simulated: sim.what,
          kinds: Object.fromEntries([...kinds].filter(([, v]) => v.total > 0)),
          agree,
          total,
          unchecked: result.unchecked,
          inconsistent: result.inconsistent,
          ...(fired ? { interrupts: Object.fromEntries([...fired].map(([irq, per]) => [irq, Object.fromEntries(per)])) } : {}),
          facts: result.facts,
        },
        null,
        2,
      ),
    );
    return agree === total ? 0 : 1;
  }
  out(`compare ${o.snapshot} with ${o.file}: ${sim.what}`);
  for (const k of FACT_KINDS) {
    const e = kinds.get(k);
    if (!e || e.total === 0) continue;
    out(`  ${k.padEnd(14)} ${String(e.agree).padStart(5)}/${String(e.total).padEnd(5)} agree${e.agree === e.total ? '' : `  (${e.total - e.agree} differ)`}`);
  }
  const differ = result.facts.filter((f) => !f.agree);
  if (differ.length > 0) out('disagreements (snapshot · simulated):');
  for (const f of differ.slice(0, MAX_LISTED)) out(`  ${f.subject} ${f.kind}: ${f.snapshot} · ${f.simulated}   [${f.from}]${hint(f, fired)}`);
  if (differ.length > MAX_LISTED) out(`  … and ${differ.length - MAX_LISTED} more (--format json lists all)`);
  for (const u of result.unchecked) out(`not checked: ${u}`);
  for (const i of result.inconsistent) out(`not comparable: ${i.subject}: ${i.why}`);
  out(`compare: ${agree}/${total} facts agree${total ? ` (${((100 * agree) / total).toFixed(1)}%)` : ''}`);
  return agree === total ? 0 : 1;
}
