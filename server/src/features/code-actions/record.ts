// "Record the state after this step as `expect` lines": the step's IRQs as
// the simulation left them (CPU, vector, affinity), written as assertions
// under the step, so a scenario that behaves as wanted today keeps being
// checked tomorrow. Read from the step's trace record; nothing is simulated.
import { CodeActionKind, type CodeAction } from 'vscode-languageserver';
import type * as A from '../../../../grammar/index.js';
import type { Analysis } from '../../analysis/analysis.js';
import { MAX_VIEWS_PER_STEP, type StepRecord } from '../../sim/trace.js';
import type { IrqView } from '../../sim/views.js';
import { action, type ActionContext } from './edits.js';

/** The IRQ views of a record that an `expect` can name: a device's MSI, MSI-X or IMS vector (`nvme0[3]`). */
function selectable(v: IrqView): boolean {
  return /^[^\s[\]]+\[\d+\]$/.test(v.label);
}

/** The assertions that hold for one IRQ as the view shows it. */
export function expectLinesOf(v: IrqView): string[] {
  const lines: string[] = [];
  if (v.cpu !== undefined && v.vector !== undefined) {
    lines.push(`expect ${v.label} cpu ${v.cpu}`, `expect ${v.label} vector 0x${v.vector.toString(16)}`);
  }
  // smp_affinity_list shows the pending mask while a move is pending; the view shows the affinity, so such an IRQ gets none.
  if (!v.state.includes('pending until the next interrupt')) lines.push(`expect ${v.label} affinity ${v.affinity.replace(/ \(managed\)$/, '')}`);
  return lines;
}

/** The top-level step of a scenario at an offset, else the first one on its line. */
function stepAt(a: Analysis, offset: number): A.Step | undefined {
  const line = a.lines.lineOf(offset);
  for (const sc of a.model.scenarios) {
    if (a.lines.lineOf(sc.declSpan.start) > line || a.lines.lineOf(sc.declSpan.end) < line) continue;
    const onLine = sc.decl.steps.filter((s) => a.lines.lineOf(s.span.start) <= line && line <= a.lines.lineOf(s.span.end));
    const step = onLine.find((s) => s.span.start <= offset && offset <= s.span.end) ?? onLine[0];
    if (step) return step;
  }
  return undefined;
}

/** The record of a top-level step on the cursor's line, when the step ran. */
function recordOnLine(a: Analysis, range: A.Span): { step: A.Step; record: StepRecord } | undefined {
  const step = stepAt(a, range.start);
  if (!step || step.kind === 'expect' || step.kind === 'guest') return undefined;
  for (const sc of a.model.scenarios) {
    const record = a.traces.get(sc)?.records.find((r) => r.step === step);
    if (record) return record.outcome === 'ok' ? { step, record } : undefined;
  }
  return undefined;
}

function indentOf(a: Analysis, offset: number): string {
  return /^\s*/.exec(a.lines.lineText(a.lines.lineOf(offset)))?.[0] ?? '';
}

export function recordState(a: Analysis, ctx: ActionContext, range: A.Span): CodeAction[] {
  const found = recordOnLine(a, range);
  if (!found) return [];
  const { step, record } = found;
  const out: CodeAction[] = [];
  const lines = record.views.filter(selectable).flatMap(expectLinesOf);
  if (lines.length > 0) {
    // Under the step's line, unless more code follows it there (`scenario s { request nvme0[0] }`): then right after it, in its column.
    const lineEnd = a.lines.lineEnd(a.lines.lineOf(step.span.end));
    const last = /^\s*(\/\/.*)?$/.test(a.text.slice(step.span.end, lineEnd));
    const at = last ? lineEnd : step.span.end;
    const indent = last ? indentOf(a, step.span.start) : ' '.repeat(a.lines.position(step.span.start).character);
    const text = lines.map((l) => `\n${indent}${l}`).join('');
    // A record keeps the views of its first MAX_VIEWS_PER_STEP IRQs: the title says when there may be more.
    const title = `Record the state after this step as \`expect\` lines${record.views.length >= MAX_VIEWS_PER_STEP ? ` (its first ${MAX_VIEWS_PER_STEP} IRQs)` : ''}`;
    out.push(action(a, ctx, title, CodeActionKind.RefactorRewrite, [{ span: { start: at, end: at }, text }]));
  }
  // An MSI-X vector that was never requested stays masked (and an MSI one has the 0xEF placeholder): its interrupt never reaches a handler.
  if (step.kind === 'fire') {
    const unrequested = record.views.filter((v) => selectable(v) && !v.state.startsWith('requested')).map((v) => v.label);
    if (unrequested.length > 0) {
      const all = unrequested.length === record.views.length && step.selection;
      const what = all ? a.text.slice(step.selection.span.start, step.selection.span.end) : unrequested.join(', ');
      const indent = indentOf(a, step.span.start);
      const lineStart = a.lines.lineStart(a.lines.lineOf(step.span.start));
      const selections = all ? [what] : unrequested;
      // On lines of their own above the `fire`, unless code comes before it on its line: then just before it.
      const alone = a.text.slice(lineStart, step.span.start).trim() === '';
      const at = alone ? lineStart : step.span.start;
      const text = selections.map((sel) => (alone ? `${indent}request ${sel}\n` : `request ${sel} `)).join('');
      out.push(action(a, ctx, `Add the missing 'request ${what}' before 'fire'`, CodeActionKind.QuickFix, [{ span: { start: at, end: at }, text }], { isPreferred: true }));
    }
  }
  return out;
}
