// Text edits of one document version, as the code actions return them: the
// spans of the Analysis become LSP ranges, and the WorkspaceEdit names the
// version it was computed for, so a client applies it only to that text.
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import type { Span } from '../../../../grammar/index.js';
import type { Analysis } from '../../analysis/analysis.js';
import type { Replacement } from '../../model/diagnostic.js';

/** The code action kind of "fix all" for irqd (a sub-kind of source.fixAll, which editors run on save when asked). */
export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.irqd`;

/**
 * A replacement of the text at `span` (an empty span inserts, an empty text
 * deletes): the diagnostics' own Replacement, which the fixes pass on as it is.
 */
export type SpanEdit = Replacement;

/** What the code actions need from the request besides the Analysis. */
export interface ActionContext {
  readonly uri: string;
  /** Whether the client takes `documentChanges` (versioned edits); otherwise plain `changes`. */
  readonly versioned: boolean;
}

export function textEdits(a: Analysis, edits: readonly SpanEdit[]): TextEdit[] {
  return edits.map((e) => ({ range: a.lines.range(e.span), newText: e.text }));
}

export function workspaceEdit(a: Analysis, ctx: ActionContext, edits: readonly SpanEdit[]): WorkspaceEdit {
  const out = textEdits(a, edits);
  if (ctx.versioned) return { documentChanges: [{ textDocument: { uri: ctx.uri, version: a.version }, edits: out }] };
  return { changes: { [ctx.uri]: out } };
}

export function action(
  a: Analysis,
  ctx: ActionContext,
  title: string,
  kind: string,
  edits: readonly SpanEdit[],
  extra: { diagnostics?: Diagnostic[]; isPreferred?: boolean } = {},
): CodeAction {
  return {
    title,
    kind,
    edit: workspaceEdit(a, ctx, edits),
    ...(extra.diagnostics && extra.diagnostics.length > 0 ? { diagnostics: extra.diagnostics } : {}),
    ...(extra.isPreferred ? { isPreferred: true } : {}),
  };
}

/** Edits applied to a text (non-overlapping; any order): the text a client would have after applying them. */
export function applyEdits(text: string, edits: readonly SpanEdit[]): string {
  // In text order, joined once: re-slicing the whole text per edit was quadratic in the edits of a big file.
  // Insertions at one offset come out last given first, as applying them one by one from the end did.
  const sorted = edits.map((e, i) => ({ ...e, i })).sort((x, y) => x.span.start - y.span.start || y.i - x.i);
  const parts: string[] = [];
  let pos = 0;
  for (const e of sorted) {
    parts.push(text.slice(pos, e.span.start), e.text);
    pos = e.span.end;
  }
  parts.push(text.slice(pos));
  return parts.join('');
}

/** Whether two spans share a character, or touch (a cursor at the end of a word is on it). */
export function touches(x: Span, y: Span): boolean {
  return x.start <= y.end && y.start <= x.end;
}

/**
 * The span that removes an item: its whole lines when nothing else is on
 * them (a trailing comment goes with it), else the item and the blanks after.
 */
export function removalSpan(a: Analysis, span: Span): Span {
  const text = a.text;
  const firstLine = a.lines.lineOf(span.start);
  const lastLine = a.lines.lineOf(span.end);
  const lineStart = a.lines.lineStart(firstLine);
  const before = text.slice(lineStart, span.start);
  const lineEnd = a.lines.lineEnd(lastLine);
  const after = text.slice(span.end, lineEnd);
  if (/^\s*$/.test(before) && /^\s*(\/\/.*)?$/.test(after)) {
    // Up to the start of the next line, line break included; the last line takes the break before it instead.
    const next = lastLine + 1 < a.lines.lineCount ? a.lines.lineStart(lastLine + 1) : lineEnd;
    if (next > lineEnd) return { start: lineStart, end: next };
    return { start: firstLine > 0 ? a.lines.lineEnd(firstLine - 1) : lineStart, end: lineEnd };
  }
  let end = span.end;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  return { start: span.start, end };
}
