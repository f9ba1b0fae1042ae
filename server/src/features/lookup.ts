// Finding what is under the cursor: a reference or a declaration's name.
import type { Span } from '../../../grammar/index.js';
import type { Analysis } from '../analysis/analysis.js';
import type { AnySymbol } from '../model/types.js';

export interface SymbolAt {
  readonly symbol: AnySymbol;
  /** The span of the name under the cursor (a reference or the declaration). */
  readonly span: Span;
  readonly isDeclaration: boolean;
}

function contains(span: Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

export function symbolAt(analysis: Analysis, offset: number): SymbolAt | undefined {
  for (const ref of analysis.model.references) {
    if (ref.span.start > offset) break;
    if (ref.target && contains(ref.span, offset)) return { symbol: ref.target, span: ref.span, isDeclaration: false };
  }
  for (const sym of analysis.model.symbols) {
    if (sym.nameSpan.start > offset) break;
    if (contains(sym.nameSpan, offset)) return { symbol: sym, span: sym.nameSpan, isDeclaration: true };
  }
  return undefined;
}

/** Every place a symbol's name is written: its declaration first, then its references. */
export function occurrencesOf(analysis: Analysis, symbol: AnySymbol): Span[] {
  const spans = [symbol.nameSpan];
  for (const ref of analysis.model.references) if (ref.target === symbol) spans.push(ref.span);
  return spans;
}
