// "Update the expectation to the simulated value", like updating a snapshot
// test: a failed `expect` (IRQD034) or an `expect fail -ERRNO` whose step
// failed otherwise or not at all (IRQD035) carries the value the simulation
// found (sim/expect-value.ts), and the fix writes it. The scenario-wide fix
// updates every failed expectation of a scenario: it applies the values,
// simulates the edited text again and repeats while expectations still fail,
// so it works whether a scenario stops at its first failing step (later
// expectations were never checked) or runs on past it.
import { CodeActionKind, type CodeAction } from 'vscode-languageserver';
import type { Span } from '../../../../grammar/index.js';
import type { Analysis } from '../../analysis/analysis.js';
import type { IrqdDiagnostic } from '../../model/diagnostic.js';
import type { ScenarioSym } from '../../model/types.js';
import { toLspDiagnostic } from '../convert.js';
import { action, applyEdits, touches, type ActionContext, type SpanEdit } from './edits.js';

const EXPECT_CODES: ReadonlySet<string> = new Set(['IRQD034', 'IRQD035']);

/** How many rounds of simulation the scenario-wide fix may spend: a bound on the work of one request. */
export const MAX_UPDATE_ROUNDS = 32;
/**
 * How long those rounds may hold the server, in milliseconds. A scenario of
 * thousands of IRQs simulates in a second; 32 of those would leave every
 * other request waiting, so past this the fix is not offered.
 */
export const UPDATE_BUDGET_MS = 1500;

/** Analyses an edited text of the same document, every scenario simulated. */
export type Reanalyse = (text: string) => Analysis;

function isExpectation(d: IrqdDiagnostic): boolean {
  return EXPECT_CODES.has(d.code) && (d.replacements?.length ?? 0) > 0;
}

function titleOf(a: Analysis, d: IrqdDiagnostic): string {
  const r = d.replacements ?? [];
  if (r.length === 1 && r[0]?.text === '') return "Remove 'expect fail': the step succeeds";
  return `Update the expectation to the simulated value: ${r.map((x) => `'${x.text}'`).join(', ')}${r.length === 1 && r[0] ? ` (was '${a.text.slice(r[0].span.start, r[0].span.end)}')` : ''}`;
}

/** The scenario whose declaration contains a span. */
function scenarioAround(a: Analysis, span: Span): ScenarioSym | undefined {
  return a.model.scenarios.find((s) => s.declSpan.start <= span.start && span.end <= s.declSpan.end);
}

/** The failed expectations of one scenario's simulation that carry a value. */
function failedExpectations(a: Analysis, sc: ScenarioSym): IrqdDiagnostic[] {
  return a.traces.get(sc)?.diagnostics.filter(isExpectation) ?? [];
}

/** The one edit that turns `before` into `after`: the text between their common prefix and suffix. */
function difference(before: string, after: string): SpanEdit {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return { span: { start, end: before.length - end }, text: after.slice(start, after.length - end) };
}

/**
 * The text with every failed expectation of the scenario starting at
 * `start` updated, round after round, when that makes the scenario pass;
 * undefined when it does not (a step other than an `expect` fails, IRQs
 * that disagree leave no one value to write, the rounds or the time run out).
 */
function updateScenario(a: Analysis, start: number, reanalyse: Reanalyse): string | undefined {
  let current = a;
  const deadline = Date.now() + UPDATE_BUDGET_MS;
  for (let round = 0; round <= MAX_UPDATE_ROUNDS; round++) {
    const sc = current.model.scenarios.find((s) => s.declSpan.start === start);
    const trace = sc ? current.traces.get(sc) : undefined;
    if (!sc || !trace) return undefined;
    if (trace.passed) return current.text === a.text ? undefined : current.text;
    const failed = failedExpectations(current, sc);
    if (failed.length === 0 || round === MAX_UPDATE_ROUNDS || Date.now() > deadline) return undefined;
    current = reanalyse(applyEdits(current.text, failed.flatMap((d) => d.replacements ?? [])));
  }
  return undefined;
}

/**
 * The scenario-wide update per analysis and scenario: a client asks for the
 * actions of a line again and again as the cursor moves, and each answer
 * would simulate the scenario anew.
 */
const updates = new WeakMap<Analysis, Map<number, string | undefined>>();

function cachedUpdate(a: Analysis, start: number, reanalyse: Reanalyse): string | undefined {
  let m = updates.get(a);
  if (!m) {
    m = new Map();
    updates.set(a, m);
  }
  if (!m.has(start)) m.set(start, updateScenario(a, start, reanalyse));
  return m.get(start);
}

export function expectationFixes(a: Analysis, ctx: ActionContext, here: readonly IrqdDiagnostic[], range: Span, reanalyse: Reanalyse): CodeAction[] {
  const out: CodeAction[] = [];
  const mine = here.filter(isExpectation);
  for (const d of mine) {
    out.push(action(a, ctx, titleOf(a, d), CodeActionKind.QuickFix, d.replacements ?? [], { diagnostics: [toLspDiagnostic(a, ctx.uri, d)], isPreferred: true }));
  }
  // The scenario-wide fix simulates again: offered only on a failed expectation or on the scenario's first line, not on every cursor move.
  const sc = scenarioAround(a, mine[0]?.span ?? range);
  if (!sc) return out;
  const onHeader = touches(range, sc.nameSpan) || a.lines.lineOf(range.start) === a.lines.lineOf(sc.declSpan.start);
  const failed = failedExpectations(a, sc);
  if (failed.length === 0 || (mine.length === 0 && !onHeader)) return out;
  const after = cachedUpdate(a, sc.declSpan.start, reanalyse);
  if (after === undefined) return out;
  out.push(
    action(a, ctx, `Update every failed expectation of scenario '${sc.name}' to the simulated values`, CodeActionKind.QuickFix, [difference(a.text, after)], {
      diagnostics: failed.map((d) => toLspDiagnostic(a, ctx.uri, d)),
    }),
  );
  return out;
}
