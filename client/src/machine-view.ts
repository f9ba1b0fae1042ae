// irqd: Show Machine: the machine view (client/view/) in a webview beside the
// editor, one panel per document, reused. The data is the server's
// irqd/machineState request; the panel follows the scenario and step under
// the cursor, the Step/Reset/Run lenses (the server's irqd/stepped
// notification), and its own timeline, whose clicks reveal the step's line.
// While an irqd debug session is stopped in the document, it shows the
// debugger's position instead (the adapter's `irqdPosition` request).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { viewAssets, viewPage } from '../view/page.js';
import type { MachineState } from '../../server/src/features/machine-view-types.js';

export const SHOW_MACHINE_COMMAND = 'irqd.showMachine';
export const MACHINE_VIEW_STATE_COMMAND = 'irqd.machineViewState';
const REQUEST = 'irqd/machineState';
const STEPPED = 'irqd/stepped';
const POSITION_REQUEST = 'irqdPosition';
/** Cursor moves closer together than this make one request. */
const CURSOR_DEBOUNCE_MS = 150;

interface Panel {
  readonly panel: vscode.WebviewPanel;
  readonly uri: string;
  state?: MachineState;
  /** Answers to older requests are dropped when a newer one was sent. */
  seq: number;
  ready: boolean;
  /** The last request's failure, shown by the page once it is ready (a page not yet loaded would drop it: a blank view). */
  problem?: string;
  /** The line a timeline click put the cursor on: that selection change is ours, not the user's. */
  revealed?: number;
}

/** The debug adapter's answer to `irqdPosition` (server/src/debug/session.ts). */
interface DebugPosition {
  program: string;
  scenario: string;
  step: number;
}

type Target = { scenario: string | number | { line: number }; step?: number };

/** Messages from the page (client/view/main.ts). */
type PageMessage = { type: 'ready' } | { type: 'step'; step: number };

export function registerMachineView(context: vscode.ExtensionContext, client: () => LanguageClient | undefined, output?: vscode.OutputChannel): void {
  const panels = new Map<string, Panel>();
  const hooked = new WeakSet<LanguageClient>();
  let timer: NodeJS.Timeout | undefined;
  const assets = (): { script: string; css: string } | undefined => viewAssets([context.asAbsolutePath('dist')]);

  const post = (p: Panel, message: unknown): void => {
    if (p.ready) void p.panel.webview.postMessage(message);
  };

  /** `quiet`: a cursor outside every scenario keeps the view as it is, without an error. */
  const fail = (p: Panel, message: string): void => {
    p.problem = message;
    output?.appendLine(`[irqd] machine view of ${p.uri}: ${message}`);
    post(p, { type: 'error', message });
  };

  const load = async (p: Panel, target: Target, quiet = false): Promise<void> => {
    const c = client();
    const seq = ++p.seq;
    if (!c) {
      if (!quiet) fail(p, 'the irqd language server is not running (see the irqd output)');
      return;
    }
    hook(c);
    try {
      // The server has the document only once VS Code sent it (didOpen): a panel opened by URI (the walkthrough's sample) opens it first.
      await vscode.workspace.openTextDocument(vscode.Uri.parse(p.uri));
      const state = await c.sendRequest<MachineState>(REQUEST, { textDocument: { uri: p.uri }, ...target });
      if (seq !== p.seq) return;
      p.state = state;
      p.problem = undefined;
      p.panel.title = `Machine: ${state.scenario} (${state.step}/${state.steps.length})`;
      post(p, { type: 'state', state });
    } catch (e) {
      if (seq !== p.seq || quiet) return;
      fail(p, e instanceof Error ? e.message : String(e));
    }
  };

  // The Step, Reset and Run lenses move the server's position: follow it.
  const hook = (c: LanguageClient): void => {
    if (hooked.has(c)) return;
    hooked.add(c);
    c.onNotification(STEPPED, (n: { uri: string; scenario: number; step: number }) => {
      const p = panels.get(n.uri);
      if (p) void load(p, { scenario: n.scenario, step: n.step });
    });
  };

  const reveal = async (p: Panel, step: number): Promise<void> => {
    const line = p.state?.steps.find((s) => s.ordinal === step)?.line ?? p.state?.line;
    if (line === undefined) return;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(p.uri));
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === p.uri);
    const position = new vscode.Position(line, 0);
    p.revealed = line;
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: true, selection: new vscode.Range(position, position) });
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  };

  /** The documents an irqd debug session has stopped in: their panels follow it, not the cursor. */
  const debugged = new Map<string, vscode.DebugSession>();
  const follow = async (session: vscode.DebugSession): Promise<void> => {
    let at: DebugPosition;
    try {
      at = (await session.customRequest(POSITION_REQUEST)) as DebugPosition;
    } catch {
      // A session that ended between the stop and the question: nothing to follow.
      return;
    }
    const uri = vscode.Uri.file(at.program).toString();
    debugged.set(uri, session);
    const p = panels.get(uri);
    if (p) await load(p, { scenario: at.scenario, step: at.step });
  };

  const open = (uri: string, target: Target): Panel | undefined => {
    const existing = panels.get(uri);
    if (existing) {
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      // Shown again while a debug session is stopped in the document: where it stopped.
      const session = debugged.get(uri);
      if (session) void follow(session);
      else void load(existing, target);
      return existing;
    }
    const a = assets();
    if (!a) {
      void vscode.window.showErrorMessage('irqd: the machine view is missing from the extension (dist/view.js): reinstall irqd');
      return undefined;
    }
    const panel = vscode.window.createWebviewPanel('irqd.machine', `Machine: ${path.basename(vscode.Uri.parse(uri).fsPath)}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      // The page is self-contained: it loads nothing.
      localResourceRoots: [],
      retainContextWhenHidden: false,
    });
    const p: Panel = { panel, uri, seq: 0, ready: false };
    panels.set(uri, p);
    panel.webview.html = viewPage({ ...a, data: { initial: 0, states: [], standalone: false }, cspSource: panel.webview.cspSource, title: 'irqd machine view' });
    panel.webview.onDidReceiveMessage((m: PageMessage) => {
      if (m?.type === 'ready') {
        p.ready = true;
        const session = debugged.get(uri);
        if (p.state) post(p, { type: 'state', state: p.state });
        if (p.problem !== undefined) post(p, { type: 'error', message: p.problem });
        else if (!p.state && session) void follow(session);
        else if (!p.state) void load(p, target);
      } else if (m?.type === 'step' && typeof m.step === 'number' && p.state) {
        void load(p, { scenario: p.state.scenarioIndex, step: m.step });
        void reveal(p, m.step);
      }
    });
    panel.onDidDispose(() => {
      if (panels.get(uri) === p) panels.delete(uri);
    });
    return p;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(SHOW_MACHINE_COMMAND, (uriArg?: unknown, scenarioArg?: unknown) => {
      const editor = vscode.window.activeTextEditor;
      const uri = typeof uriArg === 'string' ? uriArg : uriArg instanceof vscode.Uri ? uriArg.toString() : editor?.document.uri.toString();
      if (!uri || (!(typeof uriArg === 'string') && editor?.document.languageId !== 'irqd' && !(uriArg instanceof vscode.Uri))) {
        void vscode.window.showInformationMessage('irqd: open an .irqd file to show its machine');
        return undefined;
      }
      // The lens names its scenario; the command palette and the title button take the one at the cursor.
      const target: Target = typeof scenarioArg === 'number' ? { scenario: scenarioArg } : { scenario: { line: editor && editor.document.uri.toString() === uri ? editor.selection.active.line : 0 } };
      return open(uri, target)?.panel;
    }),
    // Not in the palette: what a panel shows, for the extension tests and other extensions.
    vscode.commands.registerCommand(MACHINE_VIEW_STATE_COMMAND, (uri: unknown) => (typeof uri === 'string' ? panels.get(uri)?.state : undefined)),
    vscode.window.onDidChangeTextEditorSelection((e) => {
      const p = panels.get(e.textEditor.document.uri.toString());
      // While a debug session is stopped in the document, the cursor (which the stop itself moves) is not followed.
      if (!p || debugged.has(p.uri)) return;
      if (timer) clearTimeout(timer);
      const line = e.selections[0]?.active.line ?? 0;
      if (p.revealed === line) {
        p.revealed = undefined;
        return;
      }
      p.revealed = undefined;
      timer = setTimeout(() => void load(p, { scenario: { line } }, true), CURSOR_DEBOUNCE_MS);
    }),
    // The debugger: at every stop of an irqd session, the panel of its file shows the position it stopped at.
    vscode.debug.registerDebugAdapterTrackerFactory('irqd', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string }) => {
          if (m?.type === 'event' && m.event === 'stopped') void follow(session);
        },
      }),
    }),
    vscode.debug.onDidTerminateDebugSession((session) => {
      for (const [uri, s] of debugged) if (s === session) debugged.delete(uri);
    }),
    { dispose: () => panels.forEach((p) => p.panel.dispose()) },
  );
}
