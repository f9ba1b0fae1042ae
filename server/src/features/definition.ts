// Go to definition: from a reference (or a declaration) to the declared name,
// in this document or in a file it uses.
import type { Location, Position } from 'vscode-languageserver';
import type { Analysis } from '../analysis/analysis.js';
import { toRange } from './convert.js';
import { homeOf, symbolAt } from './lookup.js';

export function definition(analysis: Analysis, uri: string, position: Position): Location | null {
  const at = symbolAt(analysis, analysis.lines.offset(position));
  if (!at) return null;
  const home = homeOf(analysis, at.symbol) ?? analysis;
  return { uri: home === analysis ? uri : (home.file ?? uri), range: toRange(home, at.symbol.nameSpan) };
}
