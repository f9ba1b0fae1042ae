// Runs a scenario like the kernel would: boot state, then each step as the
// kernel operation it models, recording a Trace. Pure and deterministic: no
// I/O, no clocks, no randomness; failures are data (architecture.md).
//
// Where a scenario starts is a shared state: its system's boot state
// (boot.ts, once per system) or the end state of the scenario it continues.
// A run forks it (state.ts forkState()), so fifty scenarios after one big
// boot cost their own steps, not fifty copies of the boot.
import type * as A from '../../../grammar/index.js';
import { diagnostic } from '../model/diagnostic.js';
import type { ScenarioSym, SystemSym } from '../model/types.js';
import { bootState, type Copies } from './boot.js';
import { Runner } from './runner.js';
import { cloneState, forkState, sealState, stateWeight, type SimState } from './state.js';
import { MAX_IRQS, type Trace } from './trace.js';

export { bootState, type Copies } from './boot.js';
export { failedExpectations, kernelFailure, MAX_IRQS, MAX_STEPS, recordAtStep, type StepOutcome, type StepRecord, type Trace, type TraceEvent } from './trace.js';

/** Why a system cannot be simulated (yet), or undefined. */
export function unsimulatable(system: SystemSym): string | undefined {
  if (!system.cpusKnown) return `system '${system.name}' has no valid 'cpus'`;
  if (system.state && system.arch !== 'x86_64') return `a declared 'state' is simulated on x86_64 only; system '${system.name}' is ${system.arch}`;
  return undefined;
}

/** A scenario run to its end: its sealed end state, where it failed if it did, and its trace. */
export interface EndState {
  readonly state: SimState;
  readonly failedAt?: number;
  /** The trace of that run, so that the scenario is not simulated again for it (runScenario()). */
  readonly trace?: Trace;
}

/**
 * The end states of one analysis's scenarios, by scenario: filled by the runs
 * themselves (a scenario's own run, or the run a scenario continuing it
 * needed first), so that no scenario is simulated twice, whatever order the
 * scenarios are declared in.
 */
export type EndStates = Map<ScenarioSym, EndState>;

export interface RunOptions {
  /** Record at most this many steps. */
  readonly stopAfter?: number;
  /** The analysis's end states (see EndStates). */
  readonly ends?: EndStates;
  /** 'deep': start from full copies instead of forks, and memoize nothing (the reference forks are tested against). */
  readonly copies?: Copies;
  /** Test mode: fork the state before every step (runner.ts). */
  readonly forkEachStep?: boolean;
}

/**
 * What a scenario's own run keeps of its end state, unasked, for a scenario
 * that may continue it or a hover that asks for it: states up to this many
 * IRQ-sized objects in all, per analysis (state.ts stateWeight()), so that a
 * file of many large independent scenarios does not hold all their end
 * states at once. An end state a continuing scenario asks for is always kept.
 */
const KEEP_BUDGET = 4 * MAX_IRQS;
const spent = new WeakMap<EndStates, number>();

/** The end states kept by scenario, for stateAfter() at the end of a scenario (a hover). */
const kept = new WeakMap<ScenarioSym, EndState & { readonly records: number }>();

function keep(ends: EndStates, scenario: ScenarioSym, end: EndState, records: number, asked: boolean): void {
  const weight = stateWeight(end.state);
  const used = spent.get(ends) ?? 0;
  if (!asked && used + weight > KEEP_BUDGET) return;
  spent.set(ends, used + weight);
  sealState(end.state);
  ends.set(scenario, end);
  kept.set(scenario, { ...end, records });
}

function traceOf(scenario: ScenarioSym, system: SystemSym, runner: Runner): Trace {
  const passed = !runner.records.some((r) => r.outcome === 'failed' || r.outcome === 'expectation-failed');
  return { scenario, system, records: runner.records, diagnostics: runner.diagnostics, passed };
}

/**
 * Where a run stopped on a kernel failure. A failed expectation changed
 * nothing, so a scenario whose only failures are expectations ran every
 * step, and a scenario continuing it (`after`) starts from its end.
 */
function failedAt(runner: Runner): { failedAt?: number } {
  const failed = runner.records.find((r) => r.outcome === 'failed');
  return failed ? { failedAt: failed.ordinal } : {};
}

/**
 * A trace reused for a new analysis (analysis/reuse.ts) brings its run's end
 * state along: the new scenario symbol gets the kept end state of the old
 * one, so that hovers and the scenarios continuing it do not simulate it
 * again. The state is that of the same text, so it is the same state.
 */
export function adoptEndState(from: ScenarioSym, to: ScenarioSym, trace: Trace, ends: EndStates): void {
  const end = kept.get(from);
  if (!end) return;
  const moved = { ...end, trace };
  kept.set(to, moved);
  ends.set(to, moved);
}

/** A new Runner for a scenario's steps from `start`. */
function runnerFor(scenario: ScenarioSym, start: SimState, options: RunOptions, stopAt?: number): Runner {
  const runner = new Runner(start, { ...(stopAt !== undefined ? { stopAt } : {}), ...(options.copies ? { copies: options.copies } : {}), ...(options.forkEachStep ? { forkEachStep: true } : {}) });
  runner.vfioNamed = vfioDevicesOf(scenario.decl.steps);
  return runner;
}

/**
 * Where a scenario starts: its system's boot state (or declared state), or
 * with `after S` the end state of S, which must have run to its end. The
 * state returned is the caller's own: a fork (or, with copies 'deep', a copy).
 */
function startState(scenario: ScenarioSym, system: SystemSym, ends: EndStates, options: RunOptions, depth = 0): SimState | { skipped: string } {
  const deep = options.copies === 'deep';
  const base = scenario.after;
  if (!base) return bootState(system, options.copies);
  // The binder refuses cycles; the depth bound keeps any other chain finite.
  if (depth > 64) return { skipped: `the chain of 'after' from scenario '${scenario.name}' is longer than 64` };
  let end: EndState | undefined = ends.get(base) ?? (deep ? undefined : kept.get(base));
  if (!end) {
    const from = startState(base, system, ends, options, depth + 1);
    if ('skipped' in from) return { skipped: `scenario '${base.name}' does not run (${from.skipped})` };
    const runner = runnerFor(base, from, options);
    runner.runSteps(base.decl.steps);
    const trace = traceOf(base, system, runner);
    end = { state: runner.s, ...failedAt(runner), trace };
    if (deep) ends.set(base, end);
    else keep(ends, base, end, runner.records.length, true);
  }
  if (end.failedAt !== undefined) return { skipped: `scenario '${base.name}', which this one continues, fails at step ${end.failedAt}` };
  return deep ? cloneState(end.state) : forkState(end.state);
}

function skippedTrace(scenario: ScenarioSym, system: SystemSym, why: string): Trace {
  return {
    scenario,
    system,
    records: [],
    diagnostics: [diagnostic('IRQD040', scenario.nameSpan, `scenario not simulated: ${why}`)],
    passed: true,
    skipped: why,
  };
}

/**
 * Runs a scenario from its start state and records its trace. With `ends`,
 * a run already made for a scenario continuing this one is taken from there,
 * and this run's end state is put there for the scenarios continuing it.
 */
export function runScenario(scenario: ScenarioSym, options: RunOptions = {}): Trace | undefined {
  const system = scenario.system;
  if (!system) return undefined;
  const why = unsimulatable(system);
  if (why) return skippedTrace(scenario, system, why);
  const whole = options.stopAfter === undefined && !options.forkEachStep;
  const ends = options.ends ?? new Map<ScenarioSym, EndState>();
  const done = whole ? ends.get(scenario)?.trace : undefined;
  if (done) return done;
  const start = startState(scenario, system, ends, options);
  if ('skipped' in start) return skippedTrace(scenario, system, start.skipped);
  const runner = runnerFor(scenario, start, options, options.stopAfter);
  runner.runSteps(scenario.decl.steps);
  const trace = traceOf(scenario, system, runner);
  if (whole && options.copies !== 'deep') keep(ends, scenario, { state: runner.s, ...failedAt(runner), trace }, runner.records.length, false);
  return trace;
}

/** The devices named by `vfio` steps, at any depth. */
function vfioDevicesOf(steps: readonly A.Step[]): Set<string> {
  const out = new Set<string>();
  const visit = (s: A.Step): void => {
    if (s.kind === 'vfio' && s.device) out.add(s.device.text);
    if (s.kind === 'expect' && s.assertion?.kind === 'fail' && s.assertion.step) visit(s.assertion.step);
  };
  steps.forEach(visit);
  return out;
}

/**
 * The state after the first `count` records of a scenario (for hovers "as of
 * step k", and `irqd compare`), the caller's own to read. At the end of a
 * scenario whose run kept its end state this is a fork of it; otherwise the
 * steps run again.
 */
/**
 * The state after `count` records, to read only: a kept end state itself
 * (sealed: any write throws) instead of a fork of it, so that a hover that
 * looks through the end states of many scenarios copies none of them.
 */
export function peekStateAfter(scenario: ScenarioSym, count: number): SimState | undefined {
  const end = kept.get(scenario);
  if (end && count >= end.records) return end.state;
  return stateAfter(scenario, count);
}

export function stateAfter(scenario: ScenarioSym, count: number, options: { readonly copies?: Copies } = {}): SimState | undefined {
  const system = scenario.system;
  if (!system || unsimulatable(system)) return undefined;
  const end = options.copies === 'deep' ? undefined : kept.get(scenario);
  if (end && count >= end.records) return forkState(end.state);
  const start = startState(scenario, system, new Map(), options);
  if ('skipped' in start) return undefined;
  const runner = runnerFor(scenario, start, options, count);
  runner.runSteps(scenario.decl.steps);
  return runner.s;
}
