// Find references: every use of the name under the cursor.
import type { Location, Position } from 'vscode-languageserver';
import type { Analysis } from '../analysis/analysis.js';
import { toRange } from './convert.js';
import { occurrencesOf, symbolAt } from './lookup.js';

export function references(analysis: Analysis, uri: string, position: Position, includeDeclaration: boolean): Location[] {
  const at = symbolAt(analysis, analysis.lines.offset(position));
  if (!at) return [];
  const spans = occurrencesOf(analysis, at.symbol);
  return (includeDeclaration ? spans : spans.slice(1)).map((s) => ({ uri, range: toRange(analysis, s) }));
}
