// Breakpoints on step lines. A breakpoint stops before its step runs, when
// its condition holds in the state before the step (conditions.ts) and its
// hit condition says this is the hit to stop on.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { SimState } from '../sim/state.js';
import { checkNames, ExpressionError, holds, parseExpression, type Expr } from './conditions.js';
import type { Program } from './program.js';

export interface StepBreakpoint {
  readonly id: number;
  /** 0-based line of the step it stops at (after moving). */
  readonly line: number;
  /** The positions (program counters) of the steps on that line. */
  readonly positions: readonly number[];
  readonly condition?: Expr;
  readonly hit?: HitCondition;
  /** How many times the condition held on the way forward: what the hit condition counts. */
  hits: number;
}

/** `N` or `>= N` (stop from the Nth hit on), `== N` (only the Nth), `> N`, `% N` (every Nth). */
interface HitCondition {
  readonly op: '>=' | '==' | '>' | '%';
  readonly n: number;
}

function parseHit(text: string): HitCondition | string {
  const m = /^\s*(>=|==|>|%)?\s*(\d+)\s*$/.exec(text);
  if (!m) return `hit condition '${text}': write N, >= N, == N, > N or % N`;
  const n = Number(m[2]);
  const op = (m[1] ?? '>=') as HitCondition['op'];
  if (op === '%' && n === 0) return 'hit condition % 0 never stops';
  return { op, n };
}

export function hitStops(h: HitCondition | undefined, hits: number): boolean {
  if (!h) return true;
  switch (h.op) {
    case '>=':
      return hits >= h.n;
    case '==':
      return hits === h.n;
    case '>':
      return hits > h.n;
    case '%':
      return hits % h.n === 0;
  }
}

let nextId = 1;

/**
 * Verifies the requested breakpoints of the debugged file: a line holding a
 * step keeps its breakpoint, a line between steps of the scenario moves it
 * to the next step's line, any other line (or a bad condition) leaves it
 * unverified with the reason in `message`. Lines are 0-based here.
 */
export function verifyBreakpoints(program: Program, requested: readonly DebugProtocol.SourceBreakpoint[], toClient: (line: number) => number, fromClient: (line: number) => number): { kept: StepBreakpoint[]; reply: DebugProtocol.Breakpoint[] } {
  const kept: StepBreakpoint[] = [];
  const reply: DebugProtocol.Breakpoint[] = [];
  const devices = new Set(program.trace.system.scope.devices.keys());
  const first = program.length > 0 ? program.position(0).line : undefined;
  const end = program.position(program.length).line;
  for (const bp of requested) {
    const id = nextId++;
    const asked = fromClient(bp.line);
    let line = asked;
    let positions = program.stepsOnLine(line);
    if (positions.length === 0 && first !== undefined && asked >= program.analysis.lines.position(program.scenario.declSpan.start).line && asked <= end) {
      // Between steps of the scenario (a comment, a blank line): the next step, if any.
      const next = program.trace.records.findIndex((r) => program.analysis.lines.position(r.step.span.start).line > asked);
      if (next >= 0) {
        line = program.position(next).line;
        positions = program.stepsOnLine(line);
      }
    }
    if (positions.length === 0) {
      reply.push({ id, verified: false, line: bp.line, message: `no step of scenario '${program.scenario.name}' starts on or after this line` });
      continue;
    }
    let condition: Expr | undefined;
    let problem: string | undefined;
    if (bp.condition !== undefined && bp.condition.trim() !== '') {
      try {
        condition = parseExpression(bp.condition);
        problem = checkNames(condition, devices, program.trace.system.cpus);
      } catch (e) {
        if (!(e instanceof ExpressionError)) throw e;
        problem = e.message;
      }
    }
    let hit: HitCondition | undefined;
    if (!problem && bp.hitCondition !== undefined && bp.hitCondition.trim() !== '') {
      const h = parseHit(bp.hitCondition);
      if (typeof h === 'string') problem = h;
      else hit = h;
    }
    if (problem) {
      reply.push({ id, verified: false, line: toClient(line), message: `condition: ${problem}` });
      continue;
    }
    kept.push({ id, line, positions, ...(condition ? { condition } : {}), ...(hit ? { hit } : {}), hits: 0 });
    reply.push({ id, verified: true, line: toClient(line), ...(line !== asked ? { message: `moved to the next step, line ${toClient(line)}` } : {}) });
  }
  return { kept, reply };
}

/** Whether the condition of a breakpoint holds in a state; a condition that is not true or false is reported as an error. */
export function conditionHolds(bp: StepBreakpoint, s: SimState | undefined): { holds: boolean; error?: string } {
  if (!bp.condition) return { holds: true };
  if (!s) return { holds: false };
  try {
    return { holds: holds(s, bp.condition) };
  } catch (e) {
    if (!(e instanceof ExpressionError)) throw e;
    return { holds: true, error: e.message };
  }
}
