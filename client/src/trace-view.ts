// irqd: Scenario Trace, a tree in the Explorer: the scenario last run, its
// steps (icon by outcome, the summary beside), and under each step the
// kernel functions it ran. The data is the server's irqd/trace request; a
// step's first events come with the scenario, the rest a page at a time
// when its "… N more" is opened, so a step that allocated thousands of IRQs
// costs nothing until it is looked at. Clicking a step reveals its line.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { TraceStep, TraceTree } from '../../server/src/features/trace-tree.js';

export const TRACE_VIEW = 'irqd.trace';
/** Not in the palette: what the tree shows, for the extension tests. */
export const TRACE_VIEW_STATE_COMMAND = 'irqd.traceViewState';
const REVEAL_COMMAND = 'irqd.revealTraceStep';
const REQUEST = 'irqd/trace';
/** Events asked for when a "… N more" is opened. */
const PAGE = 100;

type Node =
  | { kind: 'scenario'; tree: TraceTree }
  | { kind: 'step'; step: TraceStep; parent: Node }
  | { kind: 'event'; fn: string; text: string; warning: boolean; parent: Node }
  | { kind: 'more'; step: TraceStep; from: number; left: number; parent: Node }
  | { kind: 'note'; text: string; parent: Node };

export interface TraceView {
  /** Shows the trace of a document's scenario (named, numbered or `{line}`) and reveals the tree. */
  show(uri: string, scenario: string | number | { line: number }): Promise<void>;
}

const ICON: Record<string, vscode.ThemeIcon> = {
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  'expectation-failed': new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  'not-run': new vscode.ThemeIcon('circle-slash'),
  'not-simulated': new vscode.ThemeIcon('question'),
};
const PASSED = new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));

export function registerTraceView(context: vscode.ExtensionContext, client: () => LanguageClient | undefined): TraceView {
  let uri: string | undefined;
  let root: Node | undefined;
  /** The children of the scenario and of each step, with the pages opened so far: kept while the tree shows this run. */
  const children = new WeakMap<Node, Node[]>();
  const changed = new vscode.EventEmitter<Node | undefined>();

  const stepChildren = (node: Node & { kind: 'step' }): Node[] => {
    const st = node.step;
    const out: Node[] = st.events.map((e) => ({ kind: 'event', fn: e.fn, text: e.text, warning: e.warning === true, parent: node }));
    const shown = st.eventsFrom + st.events.length;
    if (shown < st.eventsTotal) out.push({ kind: 'more', step: st, from: shown, left: st.eventsTotal - shown, parent: node });
    else if (st.notKept > 0) out.push({ kind: 'note', text: `… ${st.notKept} more not kept by the simulator (it keeps the first events and every warning)`, parent: node });
    return out;
  };

  /** Opening "… N more": the next page replaces it, followed by a new "… more" if events are left. */
  const more = async (node: Node & { kind: 'more' }): Promise<Node[]> => {
    const c = client();
    const tree = root?.kind === 'scenario' ? root.tree : undefined;
    if (!c || !uri || !tree) return [];
    try {
      const page = await c.sendRequest<TraceTree>(REQUEST, { textDocument: { uri }, scenario: tree.scenarioIndex, step: node.step.ordinal, from: node.from, count: PAGE });
      const st = page.steps[0];
      if (!st) return [];
      const parent = node.parent;
      const fetched: Node[] = [...(children.get(parent) ?? []).filter((n) => n !== node), ...stepChildren({ kind: 'step', step: st, parent })].map((n) => ({ ...n, parent }) as Node);
      children.set(parent, fetched);
      changed.fire(parent);
      return [];
    } catch (e) {
      return [{ kind: 'note', text: `could not read the events: ${e instanceof Error ? e.message : String(e)}`, parent: node }];
    }
  };

  const provider: vscode.TreeDataProvider<Node> = {
    onDidChangeTreeData: changed.event,
    getParent: (n) => (n.kind === 'scenario' ? undefined : n.parent),
    getChildren: async (n) => {
      if (!n) return root ? [root] : [];
      if (n.kind === 'scenario' || n.kind === 'step') {
        const kept = children.get(n);
        if (kept) return kept;
        // Made once: the tree knows its elements by identity, and a page fetched later is kept on its step.
        const made = n.kind === 'scenario' ? n.tree.steps.map((step): Node => ({ kind: 'step', step, parent: n })) : stepChildren(n);
        children.set(n, made);
        return made;
      }
      if (n.kind === 'more') return more(n);
      return [];
    },
    getTreeItem: (n) => {
      if (n.kind === 'scenario') {
        const item = new vscode.TreeItem(`scenario "${n.tree.scenario}"`, vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${n.tree.passed ? 'passes' : 'fails'} · ${n.tree.steps.length} steps`;
        item.iconPath = n.tree.passed ? PASSED : ICON['failed'];
        return item;
      }
      if (n.kind === 'step') {
        const st = n.step;
        const hasChildren = st.eventsTotal > 0 || st.notKept > 0;
        const item = new vscode.TreeItem(`${st.ordinal}. ${st.label}`, hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.description = st.summary;
        item.iconPath = ICON[st.outcome] ?? PASSED;
        item.tooltip = `line ${st.range.start.line + 1} · ${st.outcome}${st.summary ? ` · ${st.summary}` : ''} · ${st.eventsTotal + st.notKept} kernel events`;
        item.command = { command: REVEAL_COMMAND, title: 'Reveal the step', arguments: [uri, st.range] };
        return item;
      }
      if (n.kind === 'event') {
        const item = new vscode.TreeItem(n.fn, vscode.TreeItemCollapsibleState.None);
        item.description = n.text;
        item.tooltip = `${n.warning ? 'WARNING ' : ''}${n.fn}: ${n.text}`;
        item.iconPath = n.warning ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')) : new vscode.ThemeIcon('symbol-function');
        return item;
      }
      if (n.kind === 'more') {
        // Collapsed: expanding it is what asks the server for the next page.
        return new vscode.TreeItem(`… ${n.left} more`, vscode.TreeItemCollapsibleState.Collapsed);
      }
      const item = new vscode.TreeItem(n.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('info');
      return item;
    },
  };
  const view = vscode.window.createTreeView(TRACE_VIEW, { treeDataProvider: provider, showCollapseAll: true });

  const show = async (target: string, scenario: string | number | { line: number }): Promise<void> => {
    const c = client();
    if (!c) return;
    try {
      const tree = await c.sendRequest<TraceTree>(REQUEST, { textDocument: { uri: target }, scenario });
      uri = target;
      root = { kind: 'scenario', tree };
      changed.fire(undefined);
      await view.reveal(root, { select: false, focus: false, expand: true });
    } catch {
      // A cursor outside every scenario, or one not simulated: the output channel says why; the tree keeps the last run.
    }
  };

  context.subscriptions.push(
    view,
    changed,
    vscode.commands.registerCommand(REVEAL_COMMAND, async (target: unknown, range: TraceStep['range'] | undefined) => {
      if (typeof target !== 'string' || !range) return undefined;
      const r = new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
      const editor = await vscode.window.showTextDocument(vscode.Uri.parse(target), { selection: new vscode.Range(r.start, r.start), preserveFocus: false });
      editor.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      return editor;
    }),
    vscode.commands.registerCommand(TRACE_VIEW_STATE_COMMAND, async () => {
      if (!root) return undefined;
      const steps = await provider.getChildren(root);
      return { uri, root: root.kind === 'scenario' ? root.tree : undefined, steps: (steps ?? []).map((n) => provider.getTreeItem(n) as vscode.TreeItem) };
    }),
  );
  return { show };
}
