// The language server: the only file that talks to the connection.
//
// It owns scheduling (a newer edit supersedes work for an older version, and
// diagnostics for an older version are never published over a newer one),
// configuration, and error containment: a feature that throws is logged and
// answers nothing, and the server keeps serving.
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  ErrorCodes,
  ResponseError,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis, AnalysisOptions } from './analysis/analysis.js';
import { AnalysisHost } from './analysis/host.js';
import { codeActions, FIX_ALL_KIND } from './features/code-actions/index.js';
import { codeLenses, RESET_COMMAND, RUN_COMMAND, STEP_COMMAND } from './features/code-lens.js';
import { completion } from './features/completion.js';
import { incomingCalls, outgoingCalls, prepareCallHierarchy, type OpenAnalysis } from './features/call-hierarchy.js';
import { signatureHelp } from './features/signature-help.js';
import { fileSymbols, workspaceSymbols, type FileSymbol } from './features/workspace-symbols.js';
import { WorkspaceFiles } from './analysis/workspace-files.js';
import { LineIndex, parse } from '../../grammar/index.js';
import { inlayHints } from './features/inlay-hints.js';
import { traceLines } from './features/trace-text.js';
import { toLspDiagnostics } from './features/convert.js';
import { definition } from './features/definition.js';
import { foldingRanges } from './features/folding.js';
import { FORMAT_ON_TYPE_TRIGGER, formatDocument, formatOnType, formatRange, layoutOptionsOf } from './features/formatting.js';
import { hover } from './features/hover.js';
import { references } from './features/references.js';
import { prepareRename, rename } from './features/rename.js';
import { legend, semanticTokens } from './features/semantic-tokens.js';
import { documentSymbols } from './features/symbols.js';
import { scenarioInfos, scenariosParams, scenariosProblem, SCENARIOS_REQUEST, type ScenariosResult } from './features/scenarios.js';
import { readSourceUri } from './analysis/files.js';
import { importSnapshot } from './host/import.js';
import { machineState } from './features/machine-view.js';
import { traceTree } from './features/trace-tree.js';
import { documentUri, includeDeclarationOf, newNameOf, positionOf, rangeOf } from './params.js';

/** Writes a machine snapshot as .irqd text (docs/lsp-extensions.md). */
const IMPORT_COMMAND = 'irqd.server.importSnapshot';

/** Custom notification: analysis progress for the client's status bar (docs/lsp-extensions.md). */
const STATUS_NOTIFICATION = 'irqd/status';

/** The irqd.maxProblems default of package.json, for clients without workspace/configuration. */
const DEFAULT_MAX_PROBLEMS = 1000;

interface IrqdSettings {
  maxProblems?: number;
  kernel?: string;
}

const connection: Connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
// A used file that is open is read as the editor has it, unsaved edits included.
const host = new AnalysisHost((uri) => {
  const d = documents.get(uri);
  return d ? { text: d.getText(), version: d.version } : undefined;
});
const scheduled = new Map<string, NodeJS.Immediate>();
let hasConfiguration = false;
let canRegisterConfigurationChange = false;
let canRefreshLenses = false;
let canRefreshInlays = false;
let canApplyVersionedEdits = false;
/** Steps stepped per scenario index, per document (the Step lens). */
const stepping = new Map<string, Map<number, number>>();

function steppingOf(uri: string): Map<number, number> {
  let m = stepping.get(uri);
  if (!m) {
    m = new Map();
    stepping.set(uri, m);
  }
  return m;
}

function log(message: string): void {
  connection.console.log(`[irqd] ${message}`);
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
}

/** The current Analysis of an open document as far as it has got, or undefined when it is not open. */
function currentAnalysis(uri: string): Analysis | undefined {
  const doc = documents.get(uri);
  if (!doc) return undefined;
  return host.analysisFor(uri, doc.getText(), doc.version);
}

/** The current Analysis of an open document with every scenario simulated (Run, Step). */
function currentCompleteAnalysis(uri: string): Analysis | undefined {
  const doc = documents.get(uri);
  if (!doc) return undefined;
  return host.completeAnalysisFor(uri, doc.getText(), doc.version);
}

/**
 * Runs a feature on the current Analysis (complete, or with scenarios still
 * pending, which features show as such; `complete` simulates the rest first);
 * an exception is logged, never thrown at the client.
 */
function withAnalysis<T>(uri: string, what: string, fallback: T, feature: (a: Analysis) => T, complete = false): T {
  try {
    const a = complete ? currentCompleteAnalysis(uri) : currentAnalysis(uri);
    return a ? feature(a) : fallback;
  } catch (e) {
    log(`internal error in ${what} for ${uri}, please report: ${describe(e)}`);
    return fallback;
  }
}

/** How long one slice of simulation may hold the event loop before requests are answered again. */
const SLICE_MS = 8;

/** Documents whose analysis needed more than one slice: their lenses and hints are refreshed when it completes. */
const sliced = new Set<string>();

function readyStatus(uri: string, version: number, analysis?: Analysis): void {
  const errors = analysis?.diagnostics.filter((d) => d.severity === 'error').length ?? 0;
  const warnings = analysis?.diagnostics.filter((d) => d.severity === 'warning').length ?? 0;
  // Infos are in the Problems panel too (hints are not): the status bar counts what it shows.
  const infos = analysis?.diagnostics.filter((d) => d.severity === 'info').length ?? 0;
  void connection.sendNotification(STATUS_NOTIFICATION, { uri, version, state: 'ready', errors, warnings, infos });
}

/**
 * Analyses one slice of a document's version and publishes when the analysis
 * is complete. Between slices the event loop answers requests (on the
 * analysis as far as it has got) and a newer edit drops this version's work.
 */
function analyseSlice(uri: string, version: number): void {
  scheduled.delete(uri);
  const doc = documents.get(uri);
  // A newer edit arrived after this slice was scheduled: its own slices publish.
  if (!doc || doc.version !== version) return;
  let more = false;
  let analysis: Analysis;
  try {
    const run = host.runFor(uri, doc.getText(), version);
    more = run.step(SLICE_MS);
    analysis = run.analysis;
  } catch (e) {
    log(`internal error analysing ${uri}, please report: ${describe(e)}`);
    // The status bar must not stay on "analyzing" for ever.
    readyStatus(uri, version);
    return;
  }
  if (more) {
    sliced.add(uri);
    scheduled.set(uri, setImmediate(() => analyseSlice(uri, version)));
    return;
  }
  void connection.sendDiagnostics({ uri, version, diagnostics: toLspDiagnostics(analysis, uri) });
  readyStatus(uri, version, analysis);
  // Lenses and hints asked for while scenarios were pending showed them as pending.
  if (sliced.delete(uri)) refreshViews();
}

function schedule(doc: TextDocument): void {
  const previous = scheduled.get(doc.uri);
  if (previous) clearImmediate(previous);
  void connection.sendNotification(STATUS_NOTIFICATION, { uri: doc.uri, version: doc.version, state: 'analyzing' });
  const version = doc.version;
  scheduled.set(
    doc.uri,
    setImmediate(() => analyseSlice(doc.uri, version)),
  );
}

async function loadSettings(): Promise<void> {
  let settings: IrqdSettings = {};
  if (hasConfiguration) {
    try {
      settings = ((await connection.workspace.getConfiguration('irqd')) as IrqdSettings | null) ?? {};
    } catch (e) {
      log(`could not read the irqd settings: ${describe(e)}`);
    }
  }
  const options: AnalysisOptions = {
    maxProblems: typeof settings.maxProblems === 'number' && settings.maxProblems > 0 ? settings.maxProblems : DEFAULT_MAX_PROBLEMS,
    ...(typeof settings.kernel === 'string' && settings.kernel !== '' ? { defaultKernel: settings.kernel } : {}),
  };
  host.configure(options);
  for (const doc of documents.all()) schedule(doc);
}

let clientCommands: ReadonlySet<string> = new Set();

connection.onInitialize((params: InitializeParams): InitializeResult => {
  hasConfiguration = params.capabilities.workspace?.configuration === true;
  canRegisterConfigurationChange = params.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true;
  canRefreshLenses = params.capabilities.workspace?.codeLens?.refreshSupport === true;
  canRefreshInlays = params.capabilities.workspace?.inlayHint?.refreshSupport === true;
  workspaceFolders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  canSnippet = params.capabilities.textDocument?.completion?.completionItem?.snippetSupport === true;
  // The commands the client runs itself (the VS Code extension's debugger): their lenses are shown to it only.
  const offered: unknown = (params.initializationOptions as { clientCommands?: unknown } | null | undefined)?.clientCommands;
  clientCommands = new Set(Array.isArray(offered) ? offered.filter((c): c is string => typeof c === 'string') : []);
  canApplyVersionedEdits = params.capabilities.workspace?.workspaceEdit?.documentChanges === true;
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: { prepareProvider: true },
      completionProvider: { triggerCharacters: ['['] },
      signatureHelpProvider: { triggerCharacters: [' ', '['], retriggerCharacters: [',', '-', ']'] },
      workspaceSymbolProvider: true,
      callHierarchyProvider: true,
      documentSymbolProvider: true,
      foldingRangeProvider: true,
      semanticTokensProvider: { legend, full: true, range: true },
      codeLensProvider: { resolveProvider: false },
      inlayHintProvider: true,
      documentFormattingProvider: true,
      documentRangeFormattingProvider: true,
      documentOnTypeFormattingProvider: { firstTriggerCharacter: FORMAT_ON_TYPE_TRIGGER },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND, CodeActionKind.RefactorRewrite] },
      executeCommandProvider: { commands: [RUN_COMMAND, STEP_COMMAND, RESET_COMMAND, IMPORT_COMMAND] },
    },
    serverInfo: { name: 'irqd-language-server', version: '0.1.0' },
  };
});

connection.onInitialized(() => {
  // Only clients that support dynamic registration get it (Eglot does not, and says so).
  if (hasConfiguration && canRegisterConfigurationChange) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'irqd' });
  }
  void loadSettings();
});

connection.onDidChangeConfiguration(() => {
  void loadSettings();
});

/** The open documents that use `uri`: their analyses are stale once it changes. */
function rescheduleDependents(uri: string): void {
  for (const dep of host.dependentsOf(uri)) {
    const doc = documents.get(dep);
    if (!doc) continue;
    host.invalidate(dep);
    schedule(doc);
  }
}

documents.onDidChangeContent((e) => {
  schedule(e.document);
  rescheduleDependents(e.document.uri);
});
// A used file changed on disk (the client watches **/*.irqd): analyse it again, and what uses it.
connection.onDidChangeWatchedFiles((p) => {
  for (const change of p.changes) {
    host.uses.forget(change.uri);
    rescheduleDependents(change.uri);
  }
});
documents.onDidClose((e) => {
  const pending = scheduled.get(e.document.uri);
  if (pending) clearImmediate(pending);
  scheduled.delete(e.document.uri);
  host.forget(e.document.uri);
  stepping.delete(e.document.uri);
  // Users of the closed document read it from disk from now on.
  host.uses.forget(e.document.uri);
  rescheduleDependents(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onHover((p) => {
  const uri = documentUri(p);
  const position = positionOf(p);
  return withAnalysis(uri, 'hover', null, (a) => hover(a, position, steppingOf(uri)));
});
/** The current analyses of the other open documents: where references to this one's names may be. */
function peersOf(uri: string): Analysis[] {
  const out: Analysis[] = [];
  for (const d of documents.all()) {
    if (d.uri === uri) continue;
    try {
      out.push(host.analysisFor(d.uri, d.getText(), d.version));
    } catch (e) {
      log(`internal error analysing ${d.uri}, please report: ${describe(e)}`);
    }
  }
  return out;
}

connection.onDefinition((p) => {
  const uri = documentUri(p);
  const position = positionOf(p);
  return withAnalysis(uri, 'definition', null, (a) => definition(a, uri, position));
});
connection.onReferences((p) => {
  const uri = documentUri(p);
  const position = positionOf(p);
  return withAnalysis(uri, 'references', [], (a) => references(a, uri, position, includeDeclarationOf(p), peersOf(uri)));
});
connection.onPrepareRename((p) => {
  const position = positionOf(p);
  return withAnalysis(documentUri(p), 'prepareRename', null, (a) => prepareRename(a, position));
});
connection.onRenameRequest((p) => {
  const uri = documentUri(p);
  const position = positionOf(p);
  const newName = newNameOf(p);
  return withAnalysis(uri, 'rename', null, (a) => rename(a, uri, position, newName, peersOf(uri)));
});
connection.onCompletion((p) => {
  const position = positionOf(p);
  return withAnalysis(documentUri(p), 'completion', [], (a) => completion(a, position, canSnippet));
});
connection.onSignatureHelp((p) => {
  const position = positionOf(p);
  return withAnalysis(documentUri(p), 'signatureHelp', null, (a) => signatureHelp(a, position));
});

/** The workspace folders (URIs) the client opened, whose .irqd files workspace symbols read from disk. */
let workspaceFolders: string[] = [];
/** Whether the client inserts snippets: only then does completion offer them. */
let canSnippet = false;
/** Each workspace file's symbols, parsed once per content (the AST only: no binding, no simulation). */
const workspaceFiles = new WorkspaceFiles<readonly FileSymbol[]>((text) => fileSymbols(parse(text).ast.items, new LineIndex(text)));

/** Every open document with its current analysis. */
function openAnalyses(): OpenAnalysis[] {
  return [...documents.all()].map((d) => ({ uri: d.uri, analysis: host.analysisFor(d.uri, d.getText(), d.version) }));
}

connection.onWorkspaceSymbol((p) => {
  try {
    const files = new Map<string, readonly FileSymbol[]>(workspaceFiles.digests(workspaceFolders));
    // An open document is read as the editor has it, unsaved edits included.
    for (const d of openAnalyses()) files.set(d.uri, fileSymbols(d.analysis.parse.ast.items, d.analysis.lines));
    return workspaceSymbols(files, typeof p.query === 'string' ? p.query : '');
  } catch (e) {
    log(`internal error in workspaceSymbol, please report: ${describe(e)}`);
    return [];
  }
});
connection.languages.callHierarchy.onPrepare((p) => {
  const uri = documentUri(p);
  const position = positionOf(p);
  return withAnalysis(uri, 'prepareCallHierarchy', null, (analysis) => prepareCallHierarchy({ uri, analysis }, position));
});
connection.languages.callHierarchy.onIncomingCalls((p) => {
  try {
    return incomingCalls(p.item, openAnalyses());
  } catch (e) {
    log(`internal error in callHierarchy/incomingCalls, please report: ${describe(e)}`);
    return [];
  }
});
connection.languages.callHierarchy.onOutgoingCalls((p) => {
  try {
    return outgoingCalls(p.item, openAnalyses());
  } catch (e) {
    log(`internal error in callHierarchy/outgoingCalls, please report: ${describe(e)}`);
    return [];
  }
});
// Formatting reads the document's text, not its Analysis: it works from the
// lexer's tokens, so it needs no analysis to be complete and formats broken files.
function withText<T>(uri: string, what: string, feature: (text: string) => T[]): T[] {
  try {
    const doc = documents.get(uri);
    return doc ? feature(doc.getText()) : [];
  } catch (e) {
    log(`internal error in ${what} for ${uri}, please report: ${describe(e)}`);
    return [];
  }
}
connection.onDocumentFormatting((p) => withText(documentUri(p), 'formatting', (t) => formatDocument(t, layoutOptionsOf(p.options))));
connection.onDocumentRangeFormatting((p) => {
  const range = rangeOf(p);
  return withText(documentUri(p), 'rangeFormatting', (t) => formatRange(t, range, layoutOptionsOf(p.options)));
});
connection.onDocumentOnTypeFormatting((p) => {
  const position = positionOf(p);
  return withText(documentUri(p), 'onTypeFormatting', (t) => formatOnType(t, position, typeof p.ch === 'string' ? p.ch : '', layoutOptionsOf(p.options)));
});
connection.onDocumentSymbol((p) => withAnalysis(documentUri(p), 'documentSymbol', [], (a) => documentSymbols(a)));
connection.onFoldingRanges((p) => withAnalysis(documentUri(p), 'foldingRange', [], (a) => foldingRanges(a)));
connection.languages.semanticTokens.on((p) => withAnalysis(documentUri(p), 'semanticTokens', { data: [] }, (a) => semanticTokens(a)));
connection.languages.semanticTokens.onRange((p) => {
  const range = rangeOf(p);
  return withAnalysis(documentUri(p), 'semanticTokens/range', { data: [] }, (a) => semanticTokens(a, range));
});

connection.onCodeLens((p) => {
  const uri = documentUri(p);
  return withAnalysis(uri, 'codeLens', [], (a) => codeLenses(a, uri, steppingOf(uri), clientCommands));
});
// Quick fixes read the analysis as far as it has got; the scenario-wide update simulates its edited text (features/code-actions/).
connection.onCodeAction((p) => {
  const uri = documentUri(p);
  const range = rangeOf(p);
  const only = Array.isArray(p.context?.only) ? p.context.only.filter((k): k is string => typeof k === 'string') : undefined;
  return withAnalysis(uri, 'codeAction', [], (a) =>
    codeActions(a, { uri, range, versioned: canApplyVersionedEdits, ...(only ? { only } : {}) }, (text) => host.analyseText(uri, text)),
  );
});
connection.languages.inlayHint.on((p) => {
  const range = rangeOf(p);
  return withAnalysis(documentUri(p), 'inlayHint', [], (a) => inlayHints(a, range));
});

/** The scenario a command names: an index, or `{line}` for the scenario around a line. */
function scenarioIndex(a: Analysis, target: unknown): number | undefined {
  if (typeof target === 'number') return target >= 0 && target < a.model.scenarios.length ? target : undefined;
  if (target && typeof target === 'object' && typeof (target as { line?: unknown }).line === 'number') {
    const offset = a.lines.offset({ line: (target as { line: number }).line, character: 0 });
    const i = a.model.scenarios.findIndex((s) => a.lines.lineOf(s.declSpan.start) <= a.lines.lineOf(offset) && offset <= s.declSpan.end);
    return i >= 0 ? i : a.model.scenarios.length > 0 ? 0 : undefined;
  }
  return a.model.scenarios.length > 0 ? 0 : undefined;
}

function refreshViews(): void {
  if (canRefreshLenses) void connection.sendRequest('workspace/codeLens/refresh');
  if (canRefreshInlays) void connection.languages.inlayHint.refresh();
}

interface CommandResult {
  scenario: string;
  step?: number;
  of?: number;
  passed?: boolean;
  trace?: string[];
}

/**
 * irqd.server.importSnapshot [SNAPSHOT, NAME?]: a machine snapshot (a
 * directory or .tar.gz on the server's machine) as .irqd text, for the
 * client to save and open; or the one-line reason it cannot be read.
 */
function importCommand(args: readonly unknown[]): { text: string; irqs: number; devices: number } | { problem: string } {
  const [path, name] = args;
  if (typeof path !== 'string' || path === '') return { problem: 'no snapshot given: pass the path of a snapshot directory or .tar.gz' };
  const named = typeof name === 'string' && name !== '' ? name : undefined;
  const r = importSnapshot(path, named, named ? `${named}.irqd` : undefined);
  if ('problem' in r) return r;
  connection.console.log(`imported ${path}: ${r.machine.irqs.length} IRQs of ${r.machine.devices.length} devices`);
  return { text: r.text, irqs: r.machine.irqs.length, devices: r.machine.devices.length };
}

connection.onExecuteCommand((p): CommandResult | ReturnType<typeof importCommand> | null => {
  if (p.command === IMPORT_COMMAND) {
    try {
      return importCommand(p.arguments ?? []);
    } catch (e) {
      log(`internal error importing a snapshot, please report: ${describe(e)}`);
      return { problem: 'internal error in irqd, please report (see the irqd output)' };
    }
  }
  const [uri, target] = (p.arguments ?? []) as [unknown, unknown];
  if (typeof uri !== 'string') return null;
  return withAnalysis(uri, p.command, null, (a): CommandResult | null => {
    const index = scenarioIndex(a, target);
    const sc = index === undefined ? undefined : a.model.scenarios[index];
    if (index === undefined || !sc) return null;
    const trace = a.traces.get(sc);
    const steps = steppingOf(uri);
    let result: CommandResult = { scenario: sc.name };
    if (p.command === RUN_COMMAND) {
      steps.delete(index);
      const lines = trace ? traceLines(a, trace) : [`scenario "${sc.name}" has no system to run on`];
      // The trace goes to the client's log (VS Code: the irqd output channel).
      connection.console.log(lines.join('\n'));
      result = { scenario: sc.name, passed: trace?.passed ?? false, trace: lines };
    } else if (p.command === STEP_COMMAND) {
      const n = trace?.records.length ?? 0;
      const k = Math.min(n, (steps.get(index) ?? 0) + 1);
      steps.set(index, k);
      const r = trace?.records[k - 1];
      if (r) connection.console.log(`scenario "${sc.name}" step ${k}/${n}: ${r.summary}`);
      result = { scenario: sc.name, step: k, of: n };
    } else if (p.command === RESET_COMMAND) {
      steps.delete(index);
      result = { scenario: sc.name, step: 0, of: trace?.records.length ?? 0 };
    } else {
      return null;
    }
    refreshViews();
    // The machine view follows the stepped position (docs/lsp-extensions.md, irqd/stepped).
    void connection.sendNotification('irqd/stepped', { uri, scenario: index, step: steps.get(index) ?? trace?.records.length ?? 0 });
    return result;
  }, true);
});

/** Custom request: the simulated machine at one step, for the machine view (docs/lsp-extensions.md). */
connection.onRequest('irqd/machineState', (p: unknown) => {
  const params = (p ?? {}) as { textDocument?: { uri?: unknown }; scenario?: unknown; step?: unknown };
  const uri = params.textDocument?.uri;
  if (typeof uri !== 'string' || !documents.get(uri)) return new ResponseError(ErrorCodes.InvalidParams, `irqd/machineState: ${typeof uri === 'string' ? `${uri} is not open` : 'textDocument.uri is missing'}`);
  const r = withAnalysis(uri, 'irqd/machineState', undefined, (a) => machineState(a, params.scenario, params.step, steppingOf(uri)), true);
  if (!r) return new ResponseError(ErrorCodes.InternalError, 'irqd/machineState: internal error (see the irqd output)');
  if ('problem' in r) return new ResponseError(ErrorCodes.InvalidParams, `irqd/machineState: ${r.problem}`);
  return r;
});

/** Custom request: a scenario's steps and their kernel functions, paged, for the trace tree (docs/lsp-extensions.md). */
connection.onRequest('irqd/trace', (p: unknown) => {
  const params = (p && typeof p === 'object' ? p : {}) as { textDocument?: { uri?: unknown }; scenario?: unknown; step?: unknown; from?: unknown; count?: unknown };
  const uri = params.textDocument?.uri;
  if (typeof uri !== 'string' || !documents.get(uri)) return new ResponseError(ErrorCodes.InvalidParams, `irqd/trace: ${typeof uri === 'string' ? `${uri} is not open` : 'textDocument.uri is missing'}`);
  const r = withAnalysis(uri, 'irqd/trace', undefined, (a) => traceTree(a, params.scenario, params.step, params.from, params.count), true);
  if (!r) return new ResponseError(ErrorCodes.InternalError, 'irqd/trace: internal error (see the irqd output)');
  if ('problem' in r) return new ResponseError(ErrorCodes.InvalidParams, `irqd/trace: ${r.problem}`);
  return r;
});

/**
 * irqd/scenarios (docs/lsp-extensions.md): an open document as the editor
 * has it, else the text sent, else the file on disk (at most
 * MAX_TEXT_LENGTH bytes, as for a used file).
 */
connection.onRequest(SCENARIOS_REQUEST, (raw: unknown): ScenariosResult => {
  const p = scenariosParams(raw);
  try {
    let analysis = documents.get(p.uri) ? (p.run ? currentCompleteAnalysis(p.uri) : currentAnalysis(p.uri)) : undefined;
    if (!analysis) {
      const src = p.text !== undefined ? { text: p.text } : readSourceUri(p.uri);
      if ('problem' in src) return scenariosProblem(p.uri, src.problem);
      const run = host.detachedRun(p.uri, src.text);
      analysis = p.run ? run.finish() : run.analysis;
    }
    return scenarioInfos(analysis, p.uri);
  } catch (e) {
    log(`internal error in ${SCENARIOS_REQUEST} for ${p.uri}, please report: ${describe(e)}`);
    return scenariosProblem(p.uri, 'internal error in irqd, please report (see the irqd output)');
  }
});

// Whatever escapes a handler must not take the server down with it.
process.on('uncaughtException', (e) => log(`uncaught exception, please report: ${describe(e)}`));
process.on('unhandledRejection', (e) => log(`unhandled rejection, please report: ${describe(e)}`));

documents.listen(connection);
connection.listen();
