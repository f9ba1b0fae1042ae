// Code actions: quick fixes for diagnostics, fix-all actions, and the
// refactorings of a step. Every action is computed from the Analysis of the
// document version the request is for, at the request (the analysis made on
// each keystroke only keeps what a fix needs where it had it anyway, such as
// a suggested name or a simulated value: model/diagnostic.ts's Replacement).
import type { CodeAction, Range } from 'vscode-languageserver';
import type { Span } from '../../../../grammar/index.js';
import type { Analysis } from '../../analysis/analysis.js';
import type { IrqdDiagnostic } from '../../model/diagnostic.js';
import { touches, type ActionContext } from './edits.js';
import { expectationFixes, type Reanalyse } from './expectations.js';
import { didYouMean } from './names.js';
import { recordState } from './record.js';
import { structureFixes } from './structure.js';

export { FIX_ALL_KIND } from './edits.js';
export type { Reanalyse } from './expectations.js';

export interface CodeActionRequest extends ActionContext {
  readonly range: Range;
  /** The kinds the client asks for (CodeActionContext.only); every kind when absent. */
  readonly only?: readonly string[];
}

/** Whether an action's kind is one the client asked for: the kind or a sub-kind of one (`source.fixAll.irqd` for `source`). */
function wanted(kind: string | undefined, only: readonly string[] | undefined): boolean {
  if (!only || only.length === 0) return true;
  return only.some((o) => kind === o || (kind ?? '').startsWith(`${o}.`));
}

export function codeActions(a: Analysis, request: CodeActionRequest, reanalyse: Reanalyse): CodeAction[] {
  // A range past the end of the text is clipped to it, as every position is (LineIndex.offset()).
  const range: Span = { start: a.lines.offset(request.range.start), end: a.lines.offset(request.range.end) };
  if (range.end < range.start) return [];
  const here: IrqdDiagnostic[] = a.diagnostics.filter((d) => touches(d.span, range));
  const actions = [
    ...didYouMean(a, request, here),
    ...expectationFixes(a, request, here, range, reanalyse),
    ...structureFixes(a, request, here),
    ...recordState(a, request, range),
  ];
  return actions.filter((x) => wanted(x.kind, request.only));
}
