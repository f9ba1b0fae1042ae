// The VS Code client: starts the bundled language server, shows its progress
// in the status bar and its log in an output channel. The only code that
// imports 'vscode'; everything the editor shows comes from the server.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerTesting, type IrqdTesting } from './testing.js';
import { ExecuteCommandRequest, LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { DEBUG_SCENARIO_COMMAND, registerDebugger } from './debug.js';
import { registerMachineView, SHOW_MACHINE_COMMAND } from './machine-view.js';
import { registerTraceView, type TraceView } from './trace-view.js';

/** The server's commands (server/src/features/code-lens.ts). */
const SERVER_COMMANDS = {
  run: 'irqd.server.runScenario',
  step: 'irqd.server.stepScenario',
  reset: 'irqd.server.resetScenario',
  importSnapshot: 'irqd.server.importSnapshot',
} as const;

interface StatusParams {
  uri: string;
  version: number;
  state: 'analyzing' | 'ready';
  errors?: number;
  warnings?: number;
  infos?: number;
}

let client: LanguageClient | undefined;
/** irqd: Scenario Trace (trace-view.ts): a Run shows its trace there too. */
let traceView: TraceView | undefined;
const statusByUri = new Map<string, StatusParams>();

function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'irqd' }],
    // A file another one `use`s may change on disk: the server re-analyses its users.
    synchronize: { configurationSection: 'irqd', fileEvents: vscode.workspace.createFileSystemWatcher('**/*.irqd') },
    outputChannel: output,
    traceOutputChannel: output,
    // The lenses of commands the extension runs itself (the ▷ Debug lens, client/src/debug.ts).
    initializationOptions: { clientCommands: [DEBUG_SCENARIO_COMMAND, SHOW_MACHINE_COMMAND] },
    middleware: {
      // A Run lens prints the trace to the output channel: show it.
      executeCommand: async (command, args, next) => {
        const result: unknown = await next(command, args);
        if (command === SERVER_COMMANDS.run) {
          output.show(true);
          const [uri, scenario] = args as unknown[];
          if (typeof uri === 'string' && (typeof scenario === 'string' || typeof scenario === 'number' || (typeof scenario === 'object' && scenario !== null))) void traceView?.show(uri, scenario as string | number | { line: number });
        }
        return result;
      },
    },
  };
  // The id 'irqd' makes the client honour the irqd.trace.server setting.
  return new LanguageClient('irqd', 'irqd language server', serverOptions, clientOptions);
}

function updateStatusBar(item: vscode.StatusBarItem): void {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'irqd') {
    item.hide();
    return;
  }
  const status = statusByUri.get(editor.document.uri.toString());
  if (!status || status.state === 'analyzing') {
    item.text = '$(sync~spin) irqd: parsing';
    item.tooltip = 'irqd is analysing this file';
  } else {
    const errors = status.errors ?? 0;
    const warnings = status.warnings ?? 0;
    const infos = status.infos ?? 0;
    // What the Problems panel lists: errors, warnings and infos (hints, such as steps not run, are not there).
    const problems = errors + warnings + infos;
    item.text = problems === 0 ? '$(check) irqd' : `$(${errors > 0 ? 'error' : warnings > 0 ? 'warning' : 'info'}) irqd: ${problems} problem${problems === 1 ? '' : 's'}`;
    item.tooltip = `${errors} errors, ${warnings} warnings, ${infos} infos — click to show the problems`;
  }
  item.show();
}

export async function activate(context: vscode.ExtensionContext): Promise<{ testing: IrqdTesting }> {
  const output = vscode.window.createOutputChannel('irqd', { log: true });
  const statusItem = vscode.window.createStatusBarItem('irqd.status', vscode.StatusBarAlignment.Left, 10);
  statusItem.name = 'irqd';
  statusItem.command = 'workbench.actions.view.problems';
  context.subscriptions.push(output, statusItem);

  const start = async (): Promise<void> => {
    client = createClient(context, output);
    client.onNotification('irqd/status', (params: StatusParams) => {
      statusByUri.set(params.uri, params);
      updateStatusBar(statusItem);
    });
    await client.start();
  };

  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(() => updateStatusBar(statusItem)),
    vscode.workspace.onDidCloseTextDocument((doc) => statusByUri.delete(doc.uri.toString())),
    vscode.commands.registerCommand('irqd.restartServer', async () => {
      await client?.stop();
      statusByUri.clear();
      await start();
      output.appendLine('[irqd] language server restarted');
    }),
    vscode.commands.registerCommand('irqd.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('irqd.runScenario', () => scenarioCommand(SERVER_COMMANDS.run, output)),
    vscode.commands.registerCommand('irqd.showTrace', () => scenarioCommand(SERVER_COMMANDS.run, output)),
    vscode.commands.registerCommand('irqd.stepScenario', () => scenarioCommand(SERVER_COMMANDS.step, output)),
    vscode.commands.registerCommand('irqd.resetScenario', () => scenarioCommand(SERVER_COMMANDS.reset, output)),
    vscode.commands.registerCommand('irqd.importSnapshot', (snapshot?: vscode.Uri, target?: vscode.Uri) => importSnapshot(output, snapshot, target)),
    // The Getting Started walkthrough's steps (package.json contributes.walkthroughs).
    vscode.commands.registerCommand('irqd.openSample', () => openSample(context)),
    vscode.commands.registerCommand('irqd.walkthrough.showMachine', () => showMachineIfThere()),
    { dispose: () => void client?.stop() },
  );
  registerDebugger(context);
  registerMachineView(context, () => client, output);
  traceView = registerTraceView(context, () => client);
  await start();
  // The Test Explorer: every scenario of the workspace, run by the server (testing.ts).
  const testing = registerTesting(context, () => client, output);
  updateStatusBar(statusItem);
  await vscode.commands.executeCommand('setContext', 'irqd.simulatorReady', true);
  return { testing };
}

/** Runs a scenario command on the scenario around the cursor of the active .irqd editor. */
async function scenarioCommand(command: string, output: vscode.OutputChannel): Promise<unknown> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'irqd' || !client) {
    void vscode.window.showInformationMessage('irqd: open an .irqd file and put the cursor in a scenario');
    return undefined;
  }
  const result: unknown = await client.sendRequest(ExecuteCommandRequest.type, {
    command,
    arguments: [editor.document.uri.toString(), { line: editor.selection.active.line }],
  });
  if (command === SERVER_COMMANDS.run) {
    output.show(true);
    await traceView?.show(editor.document.uri.toString(), { line: editor.selection.active.line });
  }
  return result;
}

/**
 * irqd: Import Machine Snapshot…: asks for a snapshot (a directory as `irqd
 * snapshot` writes it, or its .tar.gz) and where to save the .irqd, lets the
 * server write it, and opens it. Both may be passed (tests, other commands).
 */
async function importSnapshot(output: vscode.OutputChannel, snapshot?: vscode.Uri, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (!client) return undefined;
  let source = snapshot;
  if (!source) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Import Machine Snapshot',
      openLabel: 'Import',
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: false,
      filters: { 'Machine snapshots (directory or .tar.gz)': ['gz', 'tgz', 'tar'], 'All files': ['*'] },
    });
    source = picked?.[0];
  }
  if (!source) return undefined;
  const base = path.basename(source.fsPath).replace(/\.(tar\.gz|tgz|tar)$/, '') || 'machine';
  let destination = target;
  if (!destination) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(source.fsPath));
    destination = await vscode.window.showSaveDialog({ title: 'Save the imported machine', defaultUri: vscode.Uri.joinPath(folder, `${base}.irqd`), filters: { irqd: ['irqd'] } });
  }
  if (!destination) return undefined;
  const name = path.basename(destination.fsPath, '.irqd');
  const r = (await client.sendRequest(ExecuteCommandRequest.type, { command: SERVER_COMMANDS.importSnapshot, arguments: [source.fsPath, name] })) as
    | { text: string; irqs: number; devices: number }
    | { problem: string }
    | null;
  if (!r || 'problem' in r) {
    void vscode.window.showErrorMessage(`irqd: cannot import ${source.fsPath}: ${r?.problem ?? 'the server did not answer'}`);
    return undefined;
  }
  await vscode.workspace.fs.writeFile(destination, new TextEncoder().encode(r.text));
  output.appendLine(`[irqd] imported ${source.fsPath} into ${destination.fsPath}: ${r.irqs} IRQs of ${r.devices} devices`);
  await vscode.window.showTextDocument(destination);
  return destination;
}

/** The walkthrough's first step: the quickstart sample shipped in the extension folder, opened beside the walkthrough so both stay in view. */
async function openSample(context: vscode.ExtensionContext): Promise<vscode.TextEditor> {
  const uri = vscode.Uri.joinPath(context.extensionUri, 'samples', 'quickstart.irqd');
  walkthroughSample = uri;
  return vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.Beside, preview: false });
}

/** The sample the walkthrough opened, for its last step when no .irqd editor is in view. */
let walkthroughSample: vscode.Uri | undefined;

/**
 * The walkthrough's last step runs `irqd.showMachine`, a command built apart
 * from the walkthrough: a build without it says so instead of failing with
 * "command not found".
 */
async function showMachineIfThere(): Promise<void> {
  const commands = await vscode.commands.getCommands(true);
  if (commands.includes('irqd.showMachine')) {
    // The walkthrough has the focus, not an editor: name the sample it opened, else an .irqd file in view.
    // With an .irqd editor active, the scenario at its cursor; otherwise the file's first scenario.
    const active = vscode.window.activeTextEditor;
    if (active?.document.languageId === 'irqd') {
      await vscode.commands.executeCommand('irqd.showMachine');
      return;
    }
    const uri = walkthroughSample ?? vscode.window.visibleTextEditors.find((e) => e.document.languageId === 'irqd')?.document.uri;
    await vscode.commands.executeCommand('irqd.showMachine', uri?.toString(), 0);
    return;
  }
  void vscode.window.showInformationMessage('irqd: the machine view (irqd.showMachine) is not in this build of the extension yet.');
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
