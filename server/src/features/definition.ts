// Go to definition: from a reference (or a declaration) to the declared name.
import type { Location, Position } from 'vscode-languageserver';
import type { Analysis } from '../analysis/analysis.js';
import { toRange } from './convert.js';
import { symbolAt } from './lookup.js';

export function definition(analysis: Analysis, uri: string, position: Position): Location | null {
  const at = symbolAt(analysis, analysis.lines.offset(position));
  if (!at) return null;
  return { uri, range: toRange(analysis, at.symbol.nameSpan) };
}
