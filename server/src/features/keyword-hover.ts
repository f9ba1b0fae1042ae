// Hover on a statement keyword: its forms, what it does (for a step, what the
// kernel does and the functions the simulator follows), and for a property
// the values it accepts, from the table of keyword-docs.ts.
//
// It runs on every hover that is not on a name, so it reads only the line
// under the cursor and the spans of the AST, never the tokens of the file.
import type * as A from '../../../grammar/index.js';
import type { Analysis } from '../analysis/analysis.js';
import { docOf, keywordMarkdownOf, type DocContext, type KeywordDoc } from './keyword-docs.js';

const WORD = /[A-Za-z0-9_.-]/;

/**
 * What comes before a word that starts a statement on its line: nothing, an
 * opening brace (`{ msix 8 domain MSI }`), or `expect fail [-ERRNO]`.
 */
const STATEMENT_PREFIX = /(?:^|\{)\s*(?:expect\s+fail\s+(?:-E[A-Z0-9]+\s+)?)?$/;

function inside(body: A.Span | undefined, offset: number): boolean {
  return body !== undefined && body.start < offset && offset < body.end;
}

/** The block of a system's (or guest's) body the offset is in. */
function bodyContext(items: readonly A.BodyItem[], own: DocContext, offset: number): DocContext {
  for (const item of items) {
    if (item.kind === 'device' && inside(item.body, offset)) return 'device';
    if (item.kind === 'state' && inside(item.body, offset)) return 'state';
    if (item.kind === 'pasid' && inside(item.body, offset)) return 'pasid';
    if (item.kind === 'guest' && inside(item.body, offset)) return bodyContext(item.items, 'guest', offset);
  }
  return own;
}

/** Where a statement at the offset stands: a scenario's steps, a system's blocks, or the top level. */
function contextOf(analysis: Analysis, offset: number): DocContext {
  for (const item of analysis.parse.ast.items) {
    if (item.span.start > offset) break;
    if (item.span.end < offset) continue;
    if (item.kind === 'scenario') return inside(item.body, offset) ? 'steps' : 'top';
    if (item.kind === 'system') return inside(item.body, offset) ? bodyContext(item.items, 'system', offset) : 'top';
  }
  return 'top';
}

export interface KeywordAt {
  readonly doc: KeywordDoc;
  readonly span: A.Span;
  readonly markdown: string;
}

/** The statement keyword under the cursor, with its documentation, or undefined. */
export function keywordAt(analysis: Analysis, offset: number): KeywordAt | undefined {
  const text = analysis.text;
  let start = offset;
  let end = offset;
  while (start > 0 && WORD.test(text.charAt(start - 1))) start--;
  while (end < text.length && WORD.test(text.charAt(end))) end++;
  if (start === end) return undefined;
  const line = analysis.lines.position(start);
  const before = text.slice(start - line.character, start);
  if (!STATEMENT_PREFIX.test(before)) return undefined;
  const doc = docOf(text.slice(start, end), contextOf(analysis, start));
  return doc ? { doc, span: { start, end }, markdown: keywordMarkdownOf(doc) } : undefined;
}
