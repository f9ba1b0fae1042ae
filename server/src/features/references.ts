// Find references: every use of the name under the cursor, in this document,
// in the file that declares it and in the open documents that use it.
import type { Location, Position } from 'vscode-languageserver';
import type { Analysis } from '../analysis/analysis.js';
import { toRange } from './convert.js';
import { occurrencesAcross, symbolAt } from './lookup.js';

export function references(analysis: Analysis, uri: string, position: Position, includeDeclaration: boolean, peers: readonly Analysis[] = []): Location[] {
  const at = symbolAt(analysis, analysis.lines.offset(position));
  if (!at) return [];
  return occurrencesAcross(analysis, uri, at.symbol, peers)
    .filter((o) => includeDeclaration || !o.isDeclaration)
    .map((o) => ({ uri: o.uri, range: toRange(o.analysis, o.span) }));
}
