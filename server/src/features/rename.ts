// Rename: the declaration and every reference, after checking the new name
// is a legal irqd name and does not collide in the symbol's scope.
import { ResponseError, type Position, type Range, type WorkspaceEdit } from 'vscode-languageserver';
import type { Analysis } from '../analysis/analysis.js';
import type { AnySymbol } from '../model/types.js';
import { toRange } from './convert.js';
import { homeOf, occurrencesAcross, symbolAt } from './lookup.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:[.-]+[A-Za-z0-9_]+)*$/;
/** LSP's RequestFailed: the rename cannot be done here. */
const REQUEST_FAILED = -32803;

function renameable(symbol: AnySymbol, analysis: Analysis): boolean {
  // A scenario named by a string is not a name; the text to look at is the declaring file's.
  const home = homeOf(analysis, symbol) ?? analysis;
  return home.text.charAt(symbol.nameSpan.start) !== '"';
}

export function prepareRename(analysis: Analysis, position: Position): { range: Range; placeholder: string } | null {
  const at = symbolAt(analysis, analysis.lines.offset(position));
  if (!at || !renameable(at.symbol, analysis)) return null;
  return { range: toRange(analysis, at.span), placeholder: at.symbol.name };
}

/** Names already used in the scope where `symbol` is declared. */
function siblingsOf(analysis: Analysis, symbol: AnySymbol): AnySymbol[] {
  return analysis.model.symbols.filter(
    (s) => s !== symbol && s.container === symbol.container && sameNamespace(s, symbol),
  );
}

function sameNamespace(a: AnySymbol, b: AnySymbol): boolean {
  const shared = new Set(['domain', 'device', 'guest']);
  if (shared.has(a.kind) && shared.has(b.kind)) return true;
  return a.kind === b.kind;
}

export function rename(analysis: Analysis, uri: string, position: Position, newName: string, peers: readonly Analysis[] = []): WorkspaceEdit | ResponseError<void> | null {
  const at = symbolAt(analysis, analysis.lines.offset(position));
  if (!at || !renameable(at.symbol, analysis)) return null;
  if (!NAME.test(newName)) {
    return new ResponseError(REQUEST_FAILED, `'${newName}' is not an irqd name: a letter or '_', then letters, digits, '_', and inner '-' or '.'`);
  }
  // Collisions are checked where the symbol is declared, which may be a used file.
  const clash = siblingsOf(homeOf(analysis, at.symbol) ?? analysis, at.symbol).find((s) => s.name === newName);
  if (clash) return new ResponseError(REQUEST_FAILED, `'${newName}' is already a ${clash.kind} in this scope`);
  const changes: Record<string, { range: Range; newText: string }[]> = {};
  for (const o of occurrencesAcross(analysis, uri, at.symbol, peers)) (changes[o.uri] ??= []).push({ range: toRange(o.analysis, o.span), newText: newName });
  return { changes };
}
