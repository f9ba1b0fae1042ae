// The irqd debug adapter: a scenario run as a program, over the Debug
// Adapter Protocol (@vscode/debugadapter). The program counter is the number
// of steps done (program.ts); the adapter moves it forward and backward, and
// each stop shows the kernel state at that position. Nothing runs in the
// background: every request is answered from the analysis made at launch,
// so a stop is immediate and going back is exact.
//
// Stepping into a step walks the kernel functions it ran (the trace's
// events of that step) as a frame above the step's frame; the state shown
// inside a step is the state before it, since the simulator records no
// state between the events of one step.
import { basename } from 'node:path';
import { DebugSession, InitializedEvent, OutputEvent, Source, StackFrame, StoppedEvent, TerminatedEvent, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { conditionHolds, hitStops, verifyBreakpoints, type StepBreakpoint } from './breakpoints.js';
import { evaluateValue, ExpressionError, parseExpression, resolvePath } from './conditions.js';
import { EXCEPTION_FILTERS, LaunchError, Program, type ExceptionFilter, type LaunchArguments, type StepException } from './program.js';
import { stateScopes, VariableStore } from './variables.js';
import type { Node } from './inspect.js';

const THREAD = 1;
const STEP_FRAME = 1;
const EVENT_FRAME = 2;

/** Error ids of the responses (DAP Message.id): launch problems, requests before a launch, bad expressions. */
const LAUNCH_FAILED = 1001;
const NOT_LAUNCHED = 1002;
const BAD_EXPRESSION = 2001;
/** The custom request the machine view asks the position with (client/src/machine-view.ts). */
const POSITION_REQUEST = 'irqdPosition';

type StopReason = 'entry' | 'step' | 'breakpoint' | 'exception';

export class IrqdDebugSession extends DebugSession {
  private program: Program | undefined;
  /** Steps done: the step at `pc` is the next to run (the current line). */
  private pc = 0;
  /** Stepped into the step at `pc`: the index of the kernel event shown. */
  private event: number | undefined;
  private breakpoints: StepBreakpoint[] = [];
  private readonly filters = new Set<ExceptionFilter>(EXCEPTION_FILTERS.filter((f) => f.default).map((f) => f.filter));
  private exception: StepException | undefined;
  /** The end was reached and shown once: a `continue` from there ends the session. */
  private endShown = false;
  private readonly vars = new VariableStore();
  private configured: () => void = () => undefined;
  private readonly configurationDone = new Promise<void>((resolve) => {
    this.configured = resolve;
  });

  constructor() {
    super();
    // Lines and columns are 0-based here, as LineIndex counts them; the library converts for the client.
    this.setDebuggerLinesStartAt1(false);
    this.setDebuggerColumnsStartAt1(false);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsStepBack: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsEvaluateForHovers: true,
      supportsExceptionInfoRequest: true,
      supportsTerminateRequest: true,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({ filter: f.filter, label: f.label, description: f.description, default: f.default })),
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configured();
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments & LaunchArguments): Promise<void> {
    try {
      this.program = Program.load(args);
    } catch (e) {
      const message = e instanceof LaunchError ? e.message : `irqd could not start the scenario: ${e instanceof Error ? e.message : String(e)}`;
      this.sendErrorResponse(response, { id: LAUNCH_FAILED, format: message, showUser: true });
      return;
    }
    const p = this.program;
    const system = p.trace.system;
    this.sendEvent(new OutputEvent(`irqd: scenario "${p.scenario.name}" on ${system.name} (${system.arch}, Linux ${system.kernel.text}, ${system.cpus} CPUs): ${p.length} steps, ${p.trace.passed ? 'passes' : 'fails'}\n`, 'console'));
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
    await this.configurationDone;
    if (args.stopOnEntry === true || p.length === 0) this.halt('entry', 'Before the first step');
    else this.forward(true);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const requested = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
    const p = this.program;
    if (!p || !args.source.path || !samePath(args.source.path, p.file)) {
      response.body = { breakpoints: requested.map((bp) => ({ verified: false, line: bp.line, message: p ? `not the file being debugged (${basename(p.file)})` : 'no scenario is being debugged' })) };
      this.sendResponse(response);
      return;
    }
    const { kept, reply } = verifyBreakpoints(p, requested, (l) => this.convertDebuggerLineToClient(l), (l) => this.convertClientLineToDebugger(l));
    this.breakpoints = kept;
    response.body = { breakpoints: reply };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.filters.clear();
    const known = new Set<string>(EXCEPTION_FILTERS.map((f) => f.filter));
    for (const f of args.filters) if (known.has(f)) this.filters.add(f as ExceptionFilter);
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD, this.program ? `scenario "${this.program.scenario.name}"` : 'scenario')] };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse): void {
    const p = this.program;
    if (!p) return this.notLaunched(response);
    const source = new Source(basename(p.file), p.file);
    const at = p.position(this.pc);
    const line = this.convertDebuggerLineToClient(at.line);
    const column = this.convertDebuggerColumnToClient(at.character);
    const name = this.pc < p.length ? `step ${this.pc + 1}/${p.length}: ${p.stepText(this.pc)}` : `end of scenario "${p.scenario.name}"`;
    const frames: DebugProtocol.StackFrame[] = [];
    const ev = this.event !== undefined ? p.record(this.pc)?.events[this.event] : undefined;
    if (ev) frames.push(new StackFrame(EVENT_FRAME, `${ev.warning ? 'WARNING ' : ''}${ev.fn}`, source, line, column));
    frames.push(new StackFrame(STEP_FRAME, name, source, line, column));
    response.body = { stackFrames: frames, totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const p = this.program;
    if (!p) return this.notLaunched(response);
    const scopes: DebugProtocol.Scope[] = [];
    const record = p.record(this.pc);
    const ev = args.frameId === EVENT_FRAME && this.event !== undefined ? record?.events[this.event] : undefined;
    if (ev && record) {
      const index = this.event ?? 0;
      scopes.push(
        this.vars.scope('Kernel function', () => [
          { name: 'function', value: ev.fn, scalar: ev.fn },
          { name: 'event', value: ev.text, scalar: ev.text },
          { name: 'warning', value: String(ev.warning === true), scalar: ev.warning === true },
          { name: 'position', value: `${index + 1} of ${record.events.length}${record.moreEvents ? ` (and ${record.moreEvents} more not kept)` : ''}` },
        ]),
      );
    }
    // IRQs first: VS Code opens the first scope of a stop, and the IRQs are what a stop is about.
    const s = p.stateAt(this.pc);
    if (s) for (const sc of stateScopes(s)) scopes.push(this.vars.scope(sc.name, sc.children, sc.expensive));
    scopes.push(this.vars.scope('Step', () => this.stepNodes()));
    response.body = { scopes };
    this.sendResponse(response);
  }

  /** The step about to run and the one just done: what the trace says of them. */
  private stepNodes(): Node[] {
    const p = this.program;
    if (!p) return [];
    const out: Node[] = [{ name: 'position', value: `${this.pc} of ${p.length} steps done`, scalar: this.pc }];
    const next = p.record(this.pc);
    out.push({ name: 'next', value: next ? `${p.stepText(this.pc)} (when run: ${next.outcome}${next.summary ? `, ${next.summary}` : ''})` : 'none: end of scenario' });
    const done = this.pc > 0 ? p.record(this.pc - 1) : undefined;
    if (done) out.push({ name: 'previous', value: `${p.stepText(this.pc - 1)}: ${done.outcome}${done.summary ? `, ${done.summary}` : ''}` });
    for (const d of p.diagnosticsOf(this.pc)) out.push({ name: `${d.severity} ${d.code}`, value: d.message });
    return out;
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const vars = this.vars.variables(args.variablesReference, args.start, args.count);
    if (!vars) {
      this.sendErrorResponse(response, { id: NOT_LAUNCHED, format: 'these variables belong to an earlier stop', showUser: false });
      return;
    }
    response.body = { variables: vars };
    this.sendResponse(response);
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const p = this.program;
    if (!p) return this.notLaunched(response);
    const s = p.stateAt(this.pc);
    if (!s) return this.notLaunched(response);
    try {
      const e = parseExpression(args.expression);
      if (e.kind === 'path') {
        const node = resolvePath(s, e);
        if (typeof node === 'string') throw new ExpressionError(node);
        const v = this.vars.variable(node);
        response.body = { result: v.value, variablesReference: v.variablesReference };
      } else {
        response.body = { result: evaluateValue(s, e), variablesReference: 0 };
      }
      this.sendResponse(response);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      this.sendErrorResponse(response, { id: BAD_EXPRESSION, format: err.message, showUser: false });
    }
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const x = this.exception;
    response.body = x
      ? { exceptionId: x.filter, description: x.message, breakMode: 'always' }
      : { exceptionId: 'none', description: 'not stopped on an exception', breakMode: 'never' };
    this.sendResponse(response);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.forward(false);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.sendResponse(response);
    this.leaveOrRun();
    this.stopAfterStep();
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.sendResponse(response);
    const events = this.program?.record(this.pc)?.events.length ?? 0;
    if (this.event === undefined && events > 0) this.event = 0;
    else if (this.event !== undefined && this.event + 1 < events) this.event++;
    else this.leaveOrRun();
    this.stopAfterStep();
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.sendResponse(response);
    this.leaveOrRun();
    this.stopAfterStep();
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    this.sendResponse(response);
    if (this.event !== undefined) this.event = this.event > 0 ? this.event - 1 : undefined;
    else if (this.pc > 0) this.pc--;
    this.endShown = false;
    this.stopAfterStep();
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.sendResponse(response);
    this.endShown = false;
    const inside = this.event !== undefined;
    this.event = undefined;
    // Inside a step, the position before it is the first one going back.
    if (inside && this.breakpointAt(this.pc, false)) return;
    while (this.pc > 0) {
      this.pc--;
      if (this.breakpointAt(this.pc, false)) return;
    }
    this.halt('entry', 'Start of scenario: no breakpoint before');
  }

  /**
   * `irqdPosition` (irqd's own request, docs/debugger.md): where the session
   * stands, for the machine view to follow. `step` is the program counter,
   * the steps done, which is also what the machine view calls a step: both
   * show the state after the first `step` records (before the current line).
   */
  protected override customRequest(command: string, response: DebugProtocol.Response): void {
    if (command !== POSITION_REQUEST) return super.customRequest(command, response, undefined);
    const p = this.program;
    if (!p) return this.notLaunched(response);
    response.body = { program: p.file, scenario: p.scenario.name, step: this.pc, steps: p.length, ...(this.event !== undefined ? { event: this.event } : {}) };
    this.sendResponse(response);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    // Every run ends at once: there is never anything running to pause.
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  /** Finishes the step stepped into, or runs the step at the program counter. */
  private leaveOrRun(): void {
    const n = this.program?.length ?? 0;
    this.event = undefined;
    if (this.pc < n) this.pc++;
  }

  private stopAfterStep(): void {
    const p = this.program;
    if (!p) return;
    if (this.pc >= p.length) return this.stopAtEnd();
    this.halt(this.pc === 0 && this.event === undefined ? 'entry' : 'step', this.pc === 0 ? 'Before the first step' : undefined);
  }

  private stopAtEnd(): void {
    const p = this.program;
    if (!p) return;
    this.endShown = true;
    const failed = p.trace.records.find((r) => r.outcome === 'failed');
    const unmet = p.trace.records.filter((r) => r.outcome === 'expectation-failed').length;
    const end = failed ? `failed at step ${failed.ordinal}` : unmet > 0 ? `failed: ${unmet} expectation${unmet === 1 ? '' : 's'} not met` : 'passed';
    this.halt('step', `End of scenario: ${end}`);
  }

  /**
   * Runs forward to the next stop: a breakpoint, an exception the client
   * enabled, or the end. `here`: the position itself is checked first (the
   * start of a launch without stopOnEntry); otherwise the current step runs
   * first, so that continuing from a stop does not stop there again.
   */
  private forward(here: boolean): void {
    const p = this.program;
    if (!p) return;
    if (!here) {
      if (this.pc >= p.length && this.endShown) {
        this.sendEvent(new TerminatedEvent());
        return;
      }
      this.leaveOrRun();
    }
    for (; this.pc < p.length; this.pc++) {
      if (this.breakpointAt(this.pc, true)) return;
      const x = p.exceptionsOf(this.pc).find((e) => this.filters.has(e.filter));
      if (x) {
        this.exception = x;
        const label = EXCEPTION_FILTERS.find((f) => f.filter === x.filter)?.label ?? x.filter;
        this.halt('exception', `${label}: ${x.message}`, x.message);
        return;
      }
    }
    this.stopAtEnd();
  }

  /** Stops at the breakpoint of the step at `pc` whose condition holds; forward, hit conditions count. */
  private breakpointAt(pc: number, forward: boolean): boolean {
    const p = this.program;
    if (!p) return false;
    for (const bp of this.breakpoints) {
      if (!bp.positions.includes(pc)) continue;
      const c = conditionHolds(bp, bp.condition ? p.stateAt(pc) : undefined);
      if (!c.holds) continue;
      if (forward) bp.hits++;
      if (forward && !hitStops(bp.hit, bp.hits)) continue;
      this.halt('breakpoint', c.error ? `Breakpoint condition error: ${c.error}` : `Breakpoint at step ${pc + 1}`, c.error, [bp.id]);
      return true;
    }
    return false;
  }

  private halt(reason: StopReason, description?: string, text?: string, hits?: number[]): void {
    this.vars.reset();
    if (reason !== 'exception') this.exception = undefined;
    const e = new StoppedEvent(reason, THREAD, text) as DebugProtocol.StoppedEvent;
    e.body.allThreadsStopped = true;
    if (description) e.body.description = description;
    if (hits) e.body.hitBreakpointIds = hits;
    this.sendEvent(e);
  }

  private notLaunched(response: DebugProtocol.Response): void {
    this.sendErrorResponse(response, { id: NOT_LAUNCHED, format: 'no scenario is being debugged (the launch failed or has not happened)', showUser: false });
  }
}

function samePath(a: string, b: string): boolean {
  // VS Code may send a drive letter in another case on Windows; elsewhere paths compare as they are.
  return process.platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b;
}
