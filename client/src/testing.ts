// The Test Explorer: every scenario of every .irqd file of the workspace as a
// test (file → scenario), run by the server's simulator. The list and the
// results come from the server's `irqd/scenarios` request
// (docs/lsp-extensions.md); this file only maps them onto VS Code's testing
// API: items with ranges (the gutter's run icons), a Run profile whose
// results carry each failed expectation as a TestMessage with its location
// and expected/actual, and a Debug profile when an `irqd` debugger exists.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

// The answer of irqd/scenarios (docs/lsp-extensions.md): its types only, from the file that
// declares them for the server too, so the two cannot drift.
import type { Range } from 'vscode-languageserver';
import type { ScenarioFailure, ScenarioInfo, ScenariosResult } from '../../server/src/features/scenarios-types.js';

const SCENARIOS_REQUEST = 'irqd/scenarios';
/** The most .irqd files listed at once: a workspace with more lists these and says so in the log. */
const MAX_FILES = 1000;
/** How long an editor's typing settles before its scenarios are listed again. */
const EDIT_DELAY_MS = 400;

type ClientOf = () => LanguageClient | undefined;

/** The last result of a scenario item, as reported to VS Code (VS Code's own results are not readable through its API). */
export interface ScenarioResult {
  readonly status: 'passed' | 'failed' | 'errored';
  readonly messages: readonly vscode.TestMessage[];
}

/** What the extension's API (activate()'s exports) gives other extensions and the integration tests. */
export interface IrqdTesting {
  readonly controller: vscode.TestController;
  /** By test item id ("<file uri>#<scenario name>"). */
  readonly results: ReadonlyMap<string, ScenarioResult>;
}

/** Registers the controller; `clientOf` gives the running language client (it is replaced on restart). */
export function registerTesting(context: vscode.ExtensionContext, clientOf: ClientOf, output: vscode.LogOutputChannel): IrqdTesting {
  const ctrl = vscode.tests.createTestController('irqd', 'irqd scenarios');
  const files = new Files(ctrl, clientOf, output);
  ctrl.resolveHandler = async (item) => {
    if (!item) await files.discover();
    else if (item.uri) await files.refresh(item.uri);
  };
  ctrl.refreshHandler = () => files.discover();
  ctrl.createRunProfile('Run', vscode.TestRunProfileKind.Run, (request, token) => files.run(request, token), true);
  // Debug only where an `irqd` debugger is contributed, so that it never fails; one installed later adds it.
  let debugProfile: vscode.TestRunProfile | undefined;
  const addDebug = (): void => {
    if (!debugProfile && hasIrqdDebugger()) debugProfile = ctrl.createRunProfile('Debug', vscode.TestRunProfileKind.Debug, (request) => files.debug(request), true);
  };
  addDebug();

  const watcher = vscode.workspace.createFileSystemWatcher('**/*.irqd');
  const timers = new Map<string, NodeJS.Timeout>();
  context.subscriptions.push(
    ctrl,
    watcher,
    watcher.onDidCreate((uri) => void files.refresh(uri)),
    watcher.onDidChange((uri) => void files.refresh(uri)),
    watcher.onDidDelete((uri) => ctrl.items.delete(uri.toString())),
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (doc.languageId === 'irqd') void files.refresh(doc.uri);
    }),
    // An edit in the editor moves, adds or renames scenarios before it is saved.
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.languageId !== 'irqd' || e.contentChanges.length === 0) return;
      const key = e.document.uri.toString();
      clearTimeout(timers.get(key));
      timers.set(
        key,
        setTimeout(() => {
          timers.delete(key);
          void files.refresh(e.document.uri);
        }, EDIT_DELAY_MS),
      );
    }),
    vscode.extensions.onDidChange(addDebug),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  void files.discover();
  return { controller: ctrl, results: files.results };
}

/** Whether some extension (this one, once it has it) contributes a debugger of type `irqd`. */
function hasIrqdDebugger(): boolean {
  return vscode.extensions.all.some((e) => {
    const json = e.packageJSON as { contributes?: { debuggers?: readonly { type?: unknown }[] } } | undefined;
    return json?.contributes?.debuggers?.some((d) => d.type === 'irqd') ?? false;
  });
}

/** The file items and the scenario items under them, kept as the server answers. */
class Files {
  readonly results = new Map<string, ScenarioResult>();

  constructor(
    private readonly ctrl: vscode.TestController,
    private readonly clientOf: ClientOf,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  /** Lists every .irqd file of the workspace (at most MAX_FILES), outside node_modules. */
  async discover(): Promise<void> {
    const uris = await vscode.workspace.findFiles('**/*.irqd', '**/node_modules/**', MAX_FILES + 1);
    if (uris.length > MAX_FILES) this.output.warn(`[irqd] the Test Explorer lists the scenarios of ${MAX_FILES} of the workspace's .irqd files`);
    const listed = new Set<string>();
    await Promise.all(
      uris.slice(0, MAX_FILES).map(async (uri) => {
        listed.add(uri.toString());
        await this.refresh(uri);
      }),
    );
    // Files gone meanwhile; open documents outside the workspace stay.
    this.ctrl.items.forEach((item) => {
      if (!listed.has(item.id) && !vscode.workspace.textDocuments.some((d) => d.uri.toString() === item.id)) this.ctrl.items.delete(item.id);
    });
  }

  /** Lists a file's scenarios again (without simulating them), keeping the items that are still there. */
  async refresh(uri: vscode.Uri): Promise<ScenariosResult | undefined> {
    const r = await this.request(uri, false);
    if (r) this.apply(uri, r);
    return r;
  }

  private async request(uri: vscode.Uri, run: boolean): Promise<ScenariosResult | undefined> {
    const client = this.clientOf();
    if (!client) return undefined;
    try {
      return await client.sendRequest<ScenariosResult>(SCENARIOS_REQUEST, { uri: client.code2ProtocolConverter.asUri(uri), run });
    } catch (e) {
      this.output.error(`[irqd] ${SCENARIOS_REQUEST} for ${uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  private apply(uri: vscode.Uri, r: ScenariosResult): vscode.TestItem | undefined {
    const id = uri.toString();
    if (r.scenarios.length === 0 && !r.problem) {
      this.ctrl.items.delete(id);
      return undefined;
    }
    let file = this.ctrl.items.get(id);
    if (!file) {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      file = this.ctrl.createTestItem(id, folder ? path.relative(folder.uri.fsPath, uri.fsPath) : path.basename(uri.fsPath), uri);
      this.ctrl.items.add(file);
    }
    file.error = r.problem;
    const children: vscode.TestItem[] = [];
    const ids = idsOf(r.scenarios, uri);
    r.scenarios.forEach((sc, i) => {
      const childId = ids[i] as string;
      const item = file.children.get(childId) ?? this.ctrl.createTestItem(childId, sc.name, uri);
      item.range = range(sc.range);
      item.description = sc.system ? `on ${sc.system}` : undefined;
      children.push(item);
    });
    file.children.replace(children);
    return file;
  }

  /** The scenario items a request names: scenarios themselves, or every scenario of a file named. */
  private scenariosOf(request: vscode.TestRunRequest): vscode.TestItem[] {
    const roots: vscode.TestItem[] = [];
    if (request.include) roots.push(...request.include);
    else this.ctrl.items.forEach((i) => roots.push(i));
    const excluded = new Set((request.exclude ?? []).map((i) => i.id));
    const out: vscode.TestItem[] = [];
    for (const item of roots) {
      if (excluded.has(item.id)) continue;
      if (item.parent) out.push(item);
      else item.children.forEach((c) => (excluded.has(c.id) ? undefined : out.push(c)));
    }
    return out;
  }

  async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.ctrl.createTestRun(request);
    try {
      const byFile = new Map<string, vscode.TestItem[]>();
      for (const item of this.scenariosOf(request)) {
        const key = item.uri?.toString() ?? '';
        byFile.set(key, [...(byFile.get(key) ?? []), item]);
        run.enqueued(item);
      }
      for (const items of byFile.values()) {
        if (token.isCancellationRequested) break;
        const uri = items[0]?.uri;
        if (!uri) continue;
        items.forEach((i) => run.started(i));
        const started = Date.now();
        const r = await this.request(uri, true);
        const duration = Date.now() - started;
        if (!r) {
          items.forEach((i) => run.errored(i, new vscode.TestMessage('the irqd language server did not answer (see the irqd output)')));
          continue;
        }
        const file = this.apply(uri, r);
        const ids = idsOf(r.scenarios, uri);
        for (const item of items) {
          // The item as the file has it now (an edit may have renamed or removed its scenario).
          const current = file?.children.get(item.id);
          const sc = r.scenarios[ids.indexOf(item.id)];
          if (!current || !sc) {
            const gone = new vscode.TestMessage(r.problem ?? 'this scenario is no longer in the file');
            run.errored(item, gone);
            this.results.set(item.id, { status: 'errored', messages: [gone] });
            continue;
          }
          this.results.set(item.id, report(run, current, sc, uri, duration));
        }
      }
    } finally {
      run.end();
    }
  }

  /** Debug: the first scenario asked for, in the `irqd` debugger (stopping at its first step). */
  async debug(request: vscode.TestRunRequest): Promise<void> {
    const item = this.scenariosOf(request)[0];
    if (!item?.uri) return;
    await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(item.uri), {
      type: 'irqd',
      request: 'launch',
      name: 'Simulate scenario',
      program: item.uri.fsPath,
      scenario: item.label,
      stopOnEntry: true,
    });
  }
}

/** The item ids of a file's scenarios: the file and the name, and a count for a name used again (IRQD011). */
function idsOf(scenarios: readonly ScenarioInfo[], uri: vscode.Uri): string[] {
  const seen = new Map<string, number>();
  return scenarios.map((sc) => {
    const n = (seen.get(sc.name) ?? 0) + 1;
    seen.set(sc.name, n);
    return `${uri.toString()}#${sc.name}${n > 1 ? `#${n}` : ''}`;
  });
}

function report(run: vscode.TestRun, item: vscode.TestItem, sc: ScenarioInfo, uri: vscode.Uri, duration: number): ScenarioResult {
  const mark = sc.status === 'passed' ? '✓' : sc.status === 'failed' ? '✗' : '~';
  run.appendOutput(`${mark} ${sc.name}${sc.reason ? `: ${sc.reason}` : ''}\r\n`, undefined, item);
  switch (sc.status) {
    case 'passed':
      run.passed(item, duration);
      return { status: 'passed', messages: [] };
    case 'failed': {
      const messages = sc.failures.map((f) => message(f, uri));
      run.failed(item, messages, duration);
      return { status: 'failed', messages };
    }
    default: {
      // Not simulated (errors in its system or steps, no system): nothing ran, so it neither passed nor failed.
      const why = new vscode.TestMessage(`not simulated: ${sc.reason ?? 'still pending'}`);
      run.errored(item, why);
      return { status: 'errored', messages: [why] };
    }
  }
}

/** A failure as a TestMessage at its place; an expectation's with expected and actual (a diff in the Test Results). */
function message(f: ScenarioFailure, uri: vscode.Uri): vscode.TestMessage {
  const text = `${f.code ? `${f.code} ` : ''}${f.message}`;
  const m = f.expected !== undefined && f.actual !== undefined ? vscode.TestMessage.diff(text, f.expected, f.actual) : new vscode.TestMessage(f.kind === 'step' ? `${text} (the scenario stops here)` : text);
  m.location = new vscode.Location(uri, range(f.range));
  return m;
}

function range(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}
