// Finding what is under the cursor (a reference or a declaration's name), and
// where a symbol's name is written — in this document, in the files it
// `use`s, and in the other open documents that use it.
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

/** Every place a symbol's name is written in one document: its declaration first (when it is declared there), then its references. */
export function occurrencesOf(analysis: Analysis, symbol: AnySymbol): Span[] {
  const spans = analysis.model.symbols.includes(symbol) ? [symbol.nameSpan] : [];
  for (const ref of analysis.model.references) if (ref.target === symbol) spans.push(ref.span);
  return spans;
}

/** The analysis of the document that declares a symbol: this one or a file it uses (at any depth). */
export function homeOf(analysis: Analysis, symbol: AnySymbol, seen = new Set<Analysis>()): Analysis | undefined {
  if (seen.has(analysis)) return undefined;
  seen.add(analysis);
  if (analysis.model.symbols.includes(symbol)) return analysis;
  for (const u of analysis.used) {
    const home = homeOf(u.analysis, symbol, seen);
    if (home) return home;
  }
  return undefined;
}

/** A name's place in a document. */
export interface Occurrence {
  readonly uri: string;
  readonly analysis: Analysis;
  readonly span: Span;
  readonly isDeclaration: boolean;
}

/**
 * Every place a symbol's name is written across documents: where it is
 * declared, this document, and the peers (other open documents) that use it.
 * The declaration comes first.
 */
export function occurrencesAcross(analysis: Analysis, uri: string, symbol: AnySymbol, peers: readonly Analysis[]): Occurrence[] {
  const home = homeOf(analysis, symbol) ?? peers.map((p) => homeOf(p, symbol)).find((h) => h !== undefined) ?? analysis;
  const docs: { uri: string; analysis: Analysis }[] = [];
  const add = (a: Analysis, u: string | undefined): void => {
    if (!u || docs.some((d) => d.uri === u)) return;
    docs.push({ uri: u, analysis: a });
  };
  add(home, home === analysis ? uri : home.file);
  add(analysis, uri);
  for (const p of peers) if (p.file && homeOf(p, symbol)) add(p, p.file);
  const out: Occurrence[] = [];
  for (const d of docs) {
    for (const span of occurrencesOf(d.analysis, symbol)) {
      out.push({ uri: d.uri, analysis: d.analysis, span, isDeclaration: d.analysis === home && span === symbol.nameSpan });
    }
  }
  return out.sort((a, b) => Number(b.isDeclaration) - Number(a.isDeclaration));
}
