// Formatting: the whole document, a range of lines, and on typing `}` the
// block it closes, each as the whitespace edits of the canonical layout
// (layout.ts) that fall on those lines. The layout is always computed for the
// whole text, so a range formats exactly as it would inside the whole
// document, and the edits stay small: one per whitespace run that changes.
import type { FormattingOptions, Position, Range, TextEdit } from 'vscode-languageserver';
import { LineIndex } from '../../../grammar/index.js';
import { MAX_TEXT_LENGTH } from '../analysis/analysis.js';
import { blockClosedAt, DEFAULT_LAYOUT, layoutEdits, type LayoutEdit, type LayoutOptions } from './layout.js';

/** The character that triggers on-type formatting. */
export const FORMAT_ON_TYPE_TRIGGER = '}';

/**
 * The indentation unit a client asks for: `tabSize` spaces, or a tab when it
 * does not insert spaces. Options that are missing or out of range (a tab
 * size that is not 1 to 16) fall back to two spaces, as the samples use.
 */
export function layoutOptionsOf(options: unknown): LayoutOptions {
  if (options === null || typeof options !== 'object') return DEFAULT_LAYOUT;
  const o = options as Partial<Record<keyof FormattingOptions, unknown>>;
  if (o.insertSpaces === false) return { indent: '\t' };
  const size = o.tabSize;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 16) return DEFAULT_LAYOUT;
  return { indent: ' '.repeat(size) };
}

function toTextEdits(lines: LineIndex, edits: readonly LayoutEdit[], first = 0, last = Number.MAX_SAFE_INTEGER): TextEdit[] {
  const out: TextEdit[] = [];
  for (const e of edits) {
    const line = lines.lineOf(e.owner);
    if (line < first || line > last) continue;
    out.push({ range: { start: lines.position(e.start), end: lines.position(e.end) }, newText: e.newText });
  }
  return out;
}

/** textDocument/formatting. A text over the analysis limit is left alone, as the analysis leaves it. */
export function formatDocument(text: string, options: LayoutOptions): TextEdit[] {
  if (text.length > MAX_TEXT_LENGTH) return [];
  return toTextEdits(new LineIndex(text), layoutEdits(text, options));
}

/**
 * textDocument/rangeFormatting: the edits on the lines the range touches. A
 * range that ends at the start of a line (a selection of whole lines) does
 * not include that line.
 */
export function formatRange(text: string, range: Range, options: LayoutOptions): TextEdit[] {
  if (text.length > MAX_TEXT_LENGTH) return [];
  const lines = new LineIndex(text);
  const first = Math.min(range.start.line, range.end.line);
  let last = Math.max(range.start.line, range.end.line);
  if (last > first && range.end.line === last && range.end.character === 0) last--;
  return toTextEdits(lines, layoutEdits(text, options), first, last);
}

/**
 * textDocument/onTypeFormatting for `}`: the lines from the `{` that the
 * typed `}` closes to the `}` itself. A `}` typed inside a comment or a
 * string closes nothing and changes nothing.
 */
export function formatOnType(text: string, position: Position, ch: string, options: LayoutOptions): TextEdit[] {
  if (ch !== FORMAT_ON_TYPE_TRIGGER || text.length > MAX_TEXT_LENGTH) return [];
  const lines = new LineIndex(text);
  const block = blockClosedAt(text, lines.lineStart(position.line), lines.offset(position));
  if (!block) return [];
  return toTextEdits(lines, layoutEdits(text, options), lines.lineOf(block.open), lines.lineOf(block.close));
}
