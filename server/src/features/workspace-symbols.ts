// Workspace symbols: the systems, domains, devices, guests and scenarios of
// every .irqd file the server knows (the open documents, and the workspace
// files server/src/analysis/workspace-files.ts reads from disk), matched
// against the query the way editors' symbol pickers match: the query's
// characters in order, case ignored, a prefix or a contiguous match first.
import { SymbolKind, type Range, type WorkspaceSymbol } from 'vscode-languageserver';
import type * as A from '../../../grammar/index.js';
import type { LineIndex } from '../../../grammar/index.js';

/** One declared name of a file, as the AST has it. */
export interface FileSymbol {
  readonly name: string;
  readonly kind: SymbolKind;
  /** The system (or guest) it belongs to; none for systems and scenarios. */
  readonly container?: string;
  readonly range: Range;
}

/** Most symbols one request answers: a picker shows a few dozen. */
export const MAX_WORKSPACE_SYMBOLS = 500;

function bodySymbols(items: readonly A.BodyItem[], container: string, lines: LineIndex, out: FileSymbol[]): void {
  for (const item of items) {
    if (item.kind === 'domain' && item.name) out.push({ name: item.name.text, kind: SymbolKind.Module, container, range: lines.range(item.name.span) });
    else if (item.kind === 'device' && item.name) out.push({ name: item.name.text, kind: SymbolKind.Class, container, range: lines.range(item.name.span) });
    else if (item.kind === 'guest' && item.name) {
      out.push({ name: item.name.text, kind: SymbolKind.Namespace, container, range: lines.range(item.name.span) });
      bodySymbols(item.items, `${container}.${item.name.text}`, lines, out);
    }
  }
}

/** The declared names of one parsed file, in document order. */
export function fileSymbols(items: readonly A.TopItem[], lines: LineIndex): FileSymbol[] {
  const out: FileSymbol[] = [];
  for (const item of items) {
    if (item.kind === 'system' && item.name) {
      out.push({ name: item.name.text, kind: SymbolKind.Struct, range: lines.range(item.name.span) });
      bodySymbols(item.items, item.name.text, lines, out);
    } else if (item.kind === 'scenario' && item.name) {
      out.push({ name: item.name.text, kind: SymbolKind.Function, ...(item.system ? { container: item.system.text } : {}), range: lines.range(item.name.span) });
    }
  }
  return out;
}

/**
 * How well a name matches the query: 0 for a prefix, 1 for a contiguous
 * match elsewhere, 2 for the characters in order with gaps, undefined for
 * no match. Case is ignored; an empty query matches everything.
 */
export function matchRank(name: string, query: string): number | undefined {
  if (query === '') return 0;
  const n = name.toLowerCase();
  const q = query.toLowerCase();
  if (n.startsWith(q)) return 0;
  if (n.includes(q)) return 1;
  let i = 0;
  for (const ch of n) if (ch === q[i]) i++;
  return i === q.length ? 2 : undefined;
}

/** The symbols of the files that match the query, best first, at most MAX_WORKSPACE_SYMBOLS. */
export function workspaceSymbols(files: ReadonlyMap<string, readonly FileSymbol[]>, query: string): WorkspaceSymbol[] {
  const ranked: { rank: number; s: WorkspaceSymbol }[] = [];
  for (const [uri, symbols] of files) {
    for (const f of symbols) {
      const rank = matchRank(f.name, query);
      if (rank === undefined) continue;
      ranked.push({ rank, s: { name: f.name, kind: f.kind, ...(f.container ? { containerName: f.container } : {}), location: { uri, range: f.range } } });
    }
  }
  // A stable sort keeps file and document order within a rank.
  ranked.sort((a, b) => a.rank - b.rank);
  return ranked.slice(0, MAX_WORKSPACE_SYMBOLS).map((r) => r.s);
}
