// Call hierarchy over `after`: a scenario that continues another one starts
// from its end state, so the one it continues is its outgoing call and the
// ones that continue it are its incoming calls. Prepared on a scenario's
// name, where it is declared or named by an `after`.
//
// An item is known by its file URI and name (in `data`), because the same
// scenario of a used file is a different symbol in each analysis that uses it.
import { SymbolKind, type CallHierarchyIncomingCall, type CallHierarchyItem, type CallHierarchyOutgoingCall, type Position } from 'vscode-languageserver';
import type { Analysis } from '../analysis/analysis.js';
import type { ScenarioSym } from '../model/types.js';
import { toRange } from './convert.js';
import { homeOf, symbolAt } from './lookup.js';

/** An open document and its current analysis. */
export interface OpenAnalysis {
  readonly uri: string;
  readonly analysis: Analysis;
}

interface ItemData {
  readonly uri: string;
  readonly name: string;
}

/** The item's file and name; a client may send anything, so nothing is assumed. */
function dataOf(item: CallHierarchyItem): ItemData | undefined {
  const d = (item as { data?: unknown } | null | undefined)?.data;
  if (typeof d !== 'object' || d === null) return undefined;
  const { uri, name } = d as { uri?: unknown; name?: unknown };
  return typeof uri === 'string' && typeof name === 'string' ? { uri, name } : undefined;
}

/** Where a scenario seen from an analysis is declared: that analysis or a file it uses. */
function home(doc: OpenAnalysis, sc: ScenarioSym): OpenAnalysis {
  const h = homeOf(doc.analysis, sc);
  return !h || h === doc.analysis ? doc : { uri: h.file ?? doc.uri, analysis: h };
}

function itemOf(doc: OpenAnalysis, sc: ScenarioSym): CallHierarchyItem {
  const h = home(doc, sc);
  const data: ItemData = { uri: h.uri, name: sc.name };
  return {
    name: sc.name,
    kind: SymbolKind.Function,
    detail: sc.system ? `on ${sc.system.name}` : 'scenario',
    uri: h.uri,
    range: toRange(h.analysis, sc.declSpan),
    selectionRange: toRange(h.analysis, sc.nameSpan),
    data,
  };
}

export function prepareCallHierarchy(doc: OpenAnalysis, position: Position): CallHierarchyItem[] | null {
  const at = symbolAt(doc.analysis, doc.analysis.lines.offset(position));
  return at?.symbol.kind === 'scenario' ? [itemOf(doc, at.symbol)] : null;
}

/** Whether the scenario, seen from a document, is the item's. */
function isItem(doc: OpenAnalysis, sc: ScenarioSym, d: ItemData): boolean {
  return sc.name === d.name && home(doc, sc).uri === d.uri;
}

/** The scenarios of the open documents that continue the item's scenario. */
export function incomingCalls(item: CallHierarchyItem, docs: readonly OpenAnalysis[]): CallHierarchyIncomingCall[] {
  const d = dataOf(item);
  if (!d) return [];
  const out: CallHierarchyIncomingCall[] = [];
  for (const doc of docs) {
    for (const sc of doc.analysis.model.scenarios) {
      const ident = sc.decl.after;
      if (!sc.after || !ident || !isItem(doc, sc.after, d)) continue;
      out.push({ from: itemOf(doc, sc), fromRanges: [toRange(doc.analysis, ident.span)] });
    }
  }
  return out;
}

/** The scenario the item's scenario continues, found in an open document that declares it. */
export function outgoingCalls(item: CallHierarchyItem, docs: readonly OpenAnalysis[]): CallHierarchyOutgoingCall[] {
  const d = dataOf(item);
  if (!d) return [];
  for (const doc of docs) {
    if (doc.uri !== d.uri) continue;
    const sc = doc.analysis.model.scenarios.find((s) => s.name === d.name);
    const ident = sc?.decl.after;
    if (!sc?.after || !ident) return [];
    return [{ to: itemOf(doc, sc.after), fromRanges: [toRange(doc.analysis, ident.span)] }];
  }
  return [];
}
