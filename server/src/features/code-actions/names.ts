// "Did you mean …?": an unknown name (IRQD010) or an unknown value of an item
// (IRQD013) whose binder found a close one carries it as a Replacement; the
// fix writes it. A fix-all writes every such suggestion of the file.
import { CodeActionKind, type CodeAction } from 'vscode-languageserver';
import type { Analysis } from '../../analysis/analysis.js';
import type { IrqdDiagnostic } from '../../model/diagnostic.js';
import { toLspDiagnostic } from '../convert.js';
import { action, FIX_ALL_KIND, type ActionContext, type SpanEdit } from './edits.js';

const NAME_CODES: ReadonlySet<string> = new Set(['IRQD010', 'IRQD013']);

/** The one suggestion of a did-you-mean diagnostic, or undefined. */
function suggestion(d: IrqdDiagnostic): SpanEdit | undefined {
  if (!NAME_CODES.has(d.code) || d.replacements?.length !== 1) return undefined;
  return d.replacements[0];
}

export function didYouMean(a: Analysis, ctx: ActionContext, here: readonly IrqdDiagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of here) {
    const s = suggestion(d);
    if (!s) continue;
    // The binder suggests one name (the closest, edit distance at most 2): that is the obvious fix.
    out.push(action(a, ctx, `Change '${a.text.slice(s.span.start, s.span.end)}' to '${s.text}'`, CodeActionKind.QuickFix, [s], { diagnostics: [toLspDiagnostic(a, ctx.uri, d)], isPreferred: true }));
  }
  const all = a.diagnostics.filter((d) => suggestion(d) !== undefined);
  if (all.length === 0) return out;
  const edits = all.map((d) => suggestion(d) as SpanEdit);
  const fixed = all.map((d) => toLspDiagnostic(a, ctx.uri, d));
  const title = "Fix all unambiguous 'did you mean' names in the file";
  // Next to a fix, as a quick fix when there are others like it; and always as the file's fix-all (run on save when asked).
  if (out.length > 0 && all.length > 1) out.push(action(a, ctx, title, CodeActionKind.QuickFix, edits, { diagnostics: fixed }));
  out.push(action(a, ctx, title, FIX_ALL_KIND, edits, { diagnostics: fixed }));
  return out;
}
