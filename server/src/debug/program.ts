// The program the debugger runs: one scenario of an analysed .irqd file, as a
// list of steps and a "program counter", the number of steps done (0 before
// the first step, n at the end). Everything the debugger shows comes from the
// same analyze() the language server and the CLI use, so a stop shows what a
// hover shows for that step.
//
// The simulation is deterministic, so going back costs nothing to get right:
// the state before step k is the state after the first k records, which
// engine.ts stateAfter() rebuilds by replaying from the (memoized) boot state
// or forks from the kept end state. The last few states asked for are kept,
// so stepping back and forth over a step and reading its variables replays
// each position once.
import { resolve } from 'node:path';
import { analyze, type Analysis } from '../analysis/analysis.js';
import { DiskUseResolver, readSource } from '../analysis/files.js';
import type { IrqdDiagnostic } from '../model/diagnostic.js';
import type { ScenarioSym } from '../model/types.js';
import { stateAfter, type StepRecord, type Trace } from '../sim/engine.js';
import type { SimState } from '../sim/state.js';

/** What the launch request names (package.json contributes.debuggers' launch attributes). */
export interface LaunchArguments {
  readonly program?: unknown;
  readonly scenario?: unknown;
  readonly stopOnEntry?: unknown;
  readonly kernel?: unknown;
}

/** Why a launch cannot start: one sentence for the user. */
export class LaunchError extends Error {}

/** A kind of stop on a step that VS Code lists as an exception breakpoint filter. */
export type ExceptionFilter = 'failing-step' | 'failed-expectation' | 'kernel-warning';

export const EXCEPTION_FILTERS: readonly { readonly filter: ExceptionFilter; readonly label: string; readonly description: string; readonly default: boolean }[] = [
  { filter: 'failing-step', label: 'Failing step', description: 'Stop on a step whose kernel call fails (an errno the scenario does not expect).', default: true },
  { filter: 'failed-expectation', label: 'Failed expectation', description: 'Stop on an `expect` that does not hold.', default: true },
  { filter: 'kernel-warning', label: 'Kernel warning', description: 'Stop on a step that makes the kernel print a warning (WARN_ON, "No irq handler", …).', default: false },
];

/** The exceptions one step raises when it runs, with the message the stop shows. */
export interface StepException {
  readonly filter: ExceptionFilter;
  readonly message: string;
}

const STATES_KEPT = 8;

export class Program {
  private readonly states = new Map<number, SimState>();

  private constructor(
    readonly file: string,
    readonly analysis: Analysis,
    readonly scenario: ScenarioSym,
    readonly trace: Trace,
  ) {}

  /** Reads and analyses the file and picks the scenario, or throws a LaunchError saying why it cannot run. */
  static load(args: LaunchArguments): Program {
    if (typeof args.program !== 'string' || args.program === '') throw new LaunchError("the launch configuration needs 'program': the path of an .irqd file");
    if (args.scenario !== undefined && typeof args.scenario !== 'string') throw new LaunchError("'scenario' must be the name of a scenario (a string)");
    if (args.kernel !== undefined && typeof args.kernel !== 'string') throw new LaunchError("'kernel' must be a kernel version such as \"6.6\" (a string)");
    const file = resolve(args.program);
    const src = readSource(file);
    if ('problem' in src) throw new LaunchError(`cannot debug ${src.problem}`);
    const base = args.kernel ? { defaultKernel: args.kernel } : {};
    const analysis = analyze(src.text, 0, { ...base, file, uses: new DiskUseResolver(base) });
    const scenarios = analysis.model.scenarios;
    if (scenarios.length === 0) throw new LaunchError(`'${args.program}' declares no scenario to simulate`);
    const scenario = args.scenario === undefined ? scenarios[0] : scenarios.find((s) => s.name === args.scenario);
    if (!scenario) throw new LaunchError(`'${args.program}' has no scenario named '${String(args.scenario)}'; it declares ${scenarios.map((s) => `'${s.name}'`).join(', ')}`);
    const trace = analysis.traces.get(scenario);
    if (!trace) {
      const why = analysis.diagnostics.find((d) => d.severity === 'error' && d.span.start >= scenario.declSpan.start && d.span.end <= scenario.declSpan.end);
      throw new LaunchError(`scenario '${scenario.name}' cannot run: ${why ? `${lineOf(analysis, why)}: ${why.message}` : 'it has no system to run on'}`);
    }
    if (trace.skipped) {
      const error = analysis.diagnostics.find((d) => d.severity === 'error');
      throw new LaunchError(`scenario '${scenario.name}' is not simulated: ${trace.skipped}${error ? ` (first error, ${lineOf(analysis, error)}: ${error.message})` : ''}`);
    }
    return new Program(file, analysis, scenario, trace);
  }

  /** How many steps the scenario has (records of its trace); the program counter runs from 0 to this. */
  get length(): number {
    return this.trace.records.length;
  }

  /** The record of the step at position `pc` (the next to run), or undefined at the end. */
  record(pc: number): StepRecord | undefined {
    return this.trace.records[pc];
  }

  /** 0-based line and character of the step at `pc`, or of the scenario's closing brace at the end. */
  position(pc: number): { line: number; character: number } {
    const r = this.record(pc);
    const offset = r ? r.step.span.start : Math.max(this.scenario.declSpan.start, this.scenario.declSpan.end - 1);
    return this.analysis.lines.position(offset);
  }

  /** The positions of the steps that start on a 0-based line. */
  stepsOnLine(line: number): number[] {
    const out: number[] = [];
    this.trace.records.forEach((r, pc) => {
      if (this.analysis.lines.position(r.step.span.start).line === line) out.push(pc);
    });
    return out;
  }

  /** The kernel state before the step at `pc` (after the first pc records), to read only. */
  stateAt(pc: number): SimState | undefined {
    const kept = this.states.get(pc);
    if (kept) {
      // Most recently used last, so the oldest is the first to go.
      this.states.delete(pc);
      this.states.set(pc, kept);
      return kept;
    }
    const s = stateAfter(this.scenario, pc);
    if (!s) return undefined;
    this.states.set(pc, s);
    if (this.states.size > STATES_KEPT) this.states.delete(this.states.keys().next().value as number);
    return s;
  }

  /** The diagnostics of the step at `pc`: the simulator's, within the step's text. */
  diagnosticsOf(pc: number): IrqdDiagnostic[] {
    const r = this.record(pc);
    if (!r) return [];
    return this.trace.diagnostics.filter((d) => d.span.start >= r.step.span.start && d.span.end <= r.step.span.end);
  }

  /** What running the step at `pc` raises, in the order of EXCEPTION_FILTERS. */
  exceptionsOf(pc: number): StepException[] {
    const r = this.record(pc);
    if (!r) return [];
    const out: StepException[] = [];
    const errors = this.diagnosticsOf(pc).filter((d) => d.severity === 'error');
    // A false `expect` is its own outcome (the scenario goes on after it); a kernel failure stops the scenario.
    if (r.outcome === 'failed' || r.outcome === 'expectation-failed') {
      const message = errors[0]?.message ?? r.summary;
      out.push({ filter: r.outcome === 'expectation-failed' || r.step.kind === 'expect' ? 'failed-expectation' : 'failing-step', message });
    }
    const warnings = r.events.filter((e) => e.warning);
    if (warnings.length > 0) out.push({ filter: 'kernel-warning', message: warnings.map((e) => `${e.fn}: ${e.text}`).join('\n') });
    return out;
  }

  /** A one-line description of the step at `pc`: its source text, shortened. */
  stepText(pc: number): string {
    const r = this.record(pc);
    if (!r) return 'end of scenario';
    const text = this.analysis.text.slice(r.step.span.start, r.step.span.end).replace(/\s+/g, ' ').trim();
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
  }
}

function lineOf(analysis: Analysis, d: IrqdDiagnostic): string {
  return `line ${analysis.lines.position(d.span.start).line + 1}`;
}
