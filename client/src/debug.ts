// The debugger's client side: the `irqd.debugScenario` command (the ▷ Debug
// lens, the command palette) and the launch configuration VS Code uses when
// there is no launch.json. The adapter itself is dist/debug-adapter.js,
// which VS Code starts from package.json's contributes.debuggers.
import * as vscode from 'vscode';

/** The command behind the ▷ Debug lens (server/src/features/code-lens.ts DEBUG_COMMAND). */
export const DEBUG_SCENARIO_COMMAND = 'irqd.debugScenario';

/** What the ▷ Debug lens, the Test Explorer and launch.json start (docs/debugger.md). */
export interface IrqdLaunch extends vscode.DebugConfiguration {
  type: 'irqd';
  request: 'launch';
  program: string;
  scenario?: string;
  stopOnEntry?: boolean;
  kernel?: string;
}

export function launchConfiguration(program: string, scenario: string | undefined, stopOnEntry = true): IrqdLaunch {
  return { type: 'irqd', request: 'launch', name: 'Simulate scenario', program, ...(scenario !== undefined ? { scenario } : {}), stopOnEntry };
}

/** A scenario's name as the line declaring it writes it: `scenario "name" on sys` or `scenario name on sys`. */
const SCENARIO_LINE = /^\s*scenario\s+(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w.-]*))/;

/** The scenario around a line: the nearest declaration at or above it, else the file's first one. */
function scenarioAround(doc: vscode.TextDocument, line: number): string | undefined {
  for (let l = Math.min(line, doc.lineCount - 1); l >= 0; l--) {
    const m = SCENARIO_LINE.exec(doc.lineAt(l).text);
    if (m) return m[1] ?? m[2];
  }
  return undefined;
}

/**
 * Starts debugging a scenario: with arguments (the lens: the document's URI
 * and the scenario's name), or the scenario around the cursor of the active
 * .irqd editor.
 */
async function debugScenario(uri?: string | vscode.Uri, scenario?: string): Promise<boolean> {
  let file: vscode.Uri | undefined = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
  let name = scenario;
  const editor = vscode.window.activeTextEditor;
  if (!file) {
    if (!editor || editor.document.languageId !== 'irqd') {
      void vscode.window.showInformationMessage('irqd: open an .irqd file and put the cursor in a scenario to debug it');
      return false;
    }
    file = editor.document.uri;
    name = scenarioAround(editor.document, editor.selection.active.line);
  }
  if (file.scheme !== 'file') {
    void vscode.window.showInformationMessage('irqd: only a file saved on disk can be debugged');
    return false;
  }
  // The adapter reads the file from disk: save what the editor holds first.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
  if (open?.isDirty) await open.save();
  return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(file), launchConfiguration(file.fsPath, name));
}

/** F5 without a launch.json, or a configuration without `program`: the active .irqd file. */
class IrqdConfigurationProvider implements vscode.DebugConfigurationProvider {
  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!config.type && !config.request && !config.name) {
      if (!editor || editor.document.languageId !== 'irqd') return config;
      return launchConfiguration(editor.document.uri.fsPath, scenarioAround(editor.document, editor.selection.active.line));
    }
    if (!config['program'] && editor?.document.languageId === 'irqd') config['program'] = editor.document.uri.fsPath;
    if (!config['program']) {
      void vscode.window.showInformationMessage("irqd: the launch configuration needs 'program', the .irqd file to simulate");
      return undefined;
    }
    return config;
  }
}

export function registerDebugger(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(DEBUG_SCENARIO_COMMAND, debugScenario),
    vscode.debug.registerDebugConfigurationProvider('irqd', new IrqdConfigurationProvider()),
  );
}
