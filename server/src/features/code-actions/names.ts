// "Did you mean …?": an unknown name (IRQD010) or an unknown value of an item
// (IRQD013) whose binder found a close one carries it as a Replacement; the
// fix writes it. A fix-all writes every such suggestion of the file.
import { CodeActionKind, type CodeAction } from 'vscode-languageserver';
import type { Analysis } from '../../analysis/analysis.js';
import type { IrqdDiagnostic } from '../../model/diagnostic.js';
import { toLspDiagnostic } from '../convert.js';
import { action, FIX_ALL_KIND, type ActionContext, type SpanEdit } from './edits.js';

const NAME_CODES: ReadonlySet<string> = new Set(['IRQD010', 'IRQD013']);

/** The one suggestion of a did-you-mean diagnostic as it is written in place, or undefined. */
function suggestion(a: Analysis, d: IrqdDiagnostic): SpanEdit | undefined {
  if (!NAME_CODES.has(d.code) || d.replacements?.length !== 1) return undefined;
  const r = d.replacements[0];
  if (!r) return undefined;
  // A name written as a string (`after "boot up"`) keeps its quotes.
  return a.text[r.span.start] === '"' ? { span: r.span, text: JSON.stringify(r.text) } : r;
}

export function didYouMean(a: Analysis, ctx: ActionContext, here: readonly IrqdDiagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of here) {
    const s = suggestion(a, d);
    if (!s) continue;
    // The binder suggests one name (the closest, edit distance at most 2): that is the obvious fix.
    const written = a.text.slice(s.span.start, s.span.end);
    const title = written.startsWith('"') ? `Change ${written} to ${s.text}` : `Change '${written}' to '${s.text}'`;
    out.push(action(a, ctx, title, CodeActionKind.QuickFix, [s], { diagnostics: [toLspDiagnostic(a, ctx.uri, d)], isPreferred: true }));
  }
  const all = a.diagnostics.filter((d) => suggestion(a, d) !== undefined);
  if (all.length === 0) return out;
  const edits = all.map((d) => suggestion(a, d) as SpanEdit);
  const fixed = all.map((d) => toLspDiagnostic(a, ctx.uri, d));
  const title = "Fix all unambiguous 'did you mean' names in the file";
  // Next to a fix, as a quick fix when there are others like it; and always as the file's fix-all (run on save when asked).
  if (out.length > 0 && all.length > 1) out.push(action(a, ctx, title, CodeActionKind.QuickFix, edits, { diagnostics: fixed }));
  out.push(action(a, ctx, title, FIX_ALL_KIND, edits, { diagnostics: fixed }));
  return out;
}
