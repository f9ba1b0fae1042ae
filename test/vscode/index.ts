// Integration tests that run inside VS Code's extension host (code-server),
// started by scripts/e2e/run-vscode.mjs with extensionTestsPath: the real
// extension, the real language client, the real bundled server.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyze } from '../../server/src/analysis/analysis.js';
import type { MachineState } from '../../server/src/features/machine-view-types.js';
import { formatText } from '../../server/src/features/layout.js';
import { stateAfter } from '../../server/src/sim/engine.js';
import type { IrqdTesting } from '../../client/src/testing.js';

const root = path.resolve(__dirname, '..', '..');
const scenarioFile = vscode.Uri.file(path.join(root, 'test', 'editors', 'scenario.irqd'));

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 30000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

async function lensTitles(): Promise<string[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', scenarioFile);
  return (lenses ?? []).map((l) => l.command?.title ?? '');
}

/** A scratch .irqd file outside the workspace, opened in an editor: what the quick-fix and formatting tests change. */
async function scratch(name: string, text: string): Promise<vscode.TextEditor> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'irqd-edit-')), name);
  fs.writeFileSync(file, text);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  return vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
}

/** Reverts the active (changed) editor and closes it, so that no later test sees it. */
async function revertAndClose(editor: vscode.TextEditor): Promise<void> {
  await vscode.window.showTextDocument(editor.document, vscode.ViewColumn.One);
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}

async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const all = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', uri, range, vscode.CodeActionKind.QuickFix.value, 10);
  // A Command has a string `command`; a CodeAction has a Command object there, or none.
  return (all ?? []).filter((a): a is vscode.CodeAction => typeof a.command !== 'string');
}

const irHost = 'system host {\n  cpus 4\n  domain VECTOR vector\n  domain IR0 intel-ir parent VECTOR\n  domain PCI-MSI pci-msi parent IR0\n  device nvme0 pci 01:00.0 { msix 16 domain PCI-MSI }\n}\n';
const code = (d: vscode.Diagnostic): string | number | undefined => (typeof d.code === 'object' ? d.code.value : d.code);

const tests: [string, () => Promise<void>][] = [
  [
    'the extension activates on an .irqd file',
    async () => {
      const doc = await vscode.workspace.openTextDocument(scenarioFile);
      await vscode.window.showTextDocument(doc);
      assert.equal(doc.languageId, 'irqd');
      const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'irqd');
      assert.ok(ext, 'the irqd extension is installed');
      await waitFor('activation', () => ext.isActive || undefined);
    },
  ],
  [
    'diagnostics come from the server with codes and lines',
    async () => {
      const diags = await waitFor('diagnostics', () => {
        const d = vscode.languages.getDiagnostics(scenarioFile);
        return d.length > 0 ? d : undefined;
      });
      const d = diags[0] as vscode.Diagnostic;
      assert.equal(d.range.start.line, 10);
      assert.equal(typeof d.code === 'object' ? d.code.value : d.code, 'IRQD034');
      assert.match(d.message, /has vector 0x22 on CPU 1, not 0x23/);
    },
  ],
  [
    'hover on a step returns the composed message',
    async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', scenarioFile, new vscode.Position(9, 3));
      assert.match(hoverText(hovers ?? []), /message: 0xFEE02004 \/ 0x00000022 — compat format/);
    },
  ],
  [
    'code lenses: result, Run, Step, Reset',
    async () => {
      const titles = await waitFor('lenses', async () => {
        const t = await lensTitles();
        return t.includes('Step (0/3)') ? t : undefined;
      });
      assert.ok(titles.includes('▶ Run') && titles.includes('Reset'), titles.join(' | '));
      // The extension said it runs irqd.debugScenario itself: the server shows it the ▷ Debug lens.
      assert.ok(titles.includes('▷ Debug'), titles.join(' | '));
            // A false expectation does not stop the scenario: it fails at its end.
      assert.match(titles[0] ?? '', /^✗ fails: 1 expectation not met \(3 steps\)$/);
    },
  ],
  [
    'executing Step moves the current-step lens',
    async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', scenarioFile);
      const step = (lenses ?? []).find((l) => l.command?.title.startsWith('Step'))?.command;
      assert.ok(step, 'a Step lens');
      await vscode.commands.executeCommand(step.command, ...(step.arguments ?? []));
      const titles = await waitFor('the stepped lenses', async () => {
        const t = await lensTitles();
        return t.includes('Step (1/3)') ? t : undefined;
      });
      assert.ok(titles.some((t) => t.startsWith('▸ step 1/3')), titles.join(' | '));
      await vscode.commands.executeCommand('irqd.server.resetScenario', scenarioFile.toString(), 0);
    },
  ],
  [
    'irqd: Show Machine opens the view beside the editor; it follows Step and Reset and matches the trace',
    async () => {
      const doc = await vscode.workspace.openTextDocument(scenarioFile);
      await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
      const uri = scenarioFile.toString();
      // The trace of the same text, simulated here: what the view must show at each position.
      const analysis = analyze(doc.getText(), 0);
      const sc = analysis.model.scenarios[0];
      const trace = sc ? analysis.traces.get(sc) : undefined;
      assert.ok(sc && trace && trace.records.length === 3);
      await vscode.commands.executeCommand('irqd.resetScenario');
      const panel = await vscode.commands.executeCommand<vscode.WebviewPanel | undefined>('irqd.showMachine', uri, 0);
      assert.ok(panel, 'a webview panel');
      assert.equal(panel.viewType, 'irqd.machine');
      // The column is known once the panel is shown.
      assert.equal(await waitFor('the panel in a column', () => panel.viewColumn), vscode.ViewColumn.Two, 'beside the editor');
      assert.equal(await vscode.commands.executeCommand('irqd.showMachine', uri, 0), panel, 'one panel per document, reused');
      const shown = (step: number): Promise<MachineState> =>
        waitFor(`the view at step ${step}`, async () => {
          const st = await vscode.commands.executeCommand<MachineState | undefined>('irqd.machineViewState', uri);
          return st?.step === step ? st : undefined;
        });
      const check = (st: MachineState, k: number): void => {
        assert.deepEqual(st.steps.map((e) => [e.ordinal, e.outcome, e.summary]), trace.records.map((r) => [r.ordinal, r.outcome, r.summary]));
        const state = stateAfter(sc, k);
        assert.ok(state);
        assert.equal(st.irqs.length, state.irqs.size);
        assert.deepEqual(st.cpus.map((c) => c.avl), state.matrix.cpus.map((c) => c.available));
        for (const v of k > 0 ? (trace.records[k - 1]?.views ?? []) : []) {
          const row = st.irqs.find((r) => r.virq === v.virq);
          assert.ok(row && row.cpu === v.cpu && row.vector === v.vector, `IRQ ${v.virq} at step ${k}`);
        }
      };
      // Not stepping: the end; then the Step lens's command moves it to 1 and 2; Reset back to the end.
      check(await shown(3), 3);
      const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri);
      assert.ok(editor);
      // The cursor on the scenario's line (on no step): the view shows the stepped position.
      editor.selection = new vscode.Selection(7, 0, 7, 0);
      await vscode.commands.executeCommand('irqd.stepScenario');
      check(await shown(1), 1);
      await vscode.commands.executeCommand('irqd.stepScenario');
      check(await shown(2), 2);
      await vscode.commands.executeCommand('irqd.resetScenario');
      await shown(3);
      // The cursor on a step shows the machine after it.
      editor.selection = new vscode.Selection(9, 4, 9, 4);
      check(await shown(2), 2);
      panel.dispose();
    },
  ],
  [
    'the Run Scenario command returns and logs the trace',
    async () => {
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(scenarioFile));
      editor.selection = new vscode.Selection(9, 0, 9, 0);
      const r = await vscode.commands.executeCommand<{ passed: boolean; trace: string[] }>('irqd.runScenario');
      assert.ok(r, 'a result');
      assert.equal(r.passed, false);
      assert.match(r.trace.join('\n'), /request nic\[0-3\]\s+4 IRQs on CPUs 1-3/);
      // The output channel is a text document with the 'output' scheme once shown.
      await waitFor('the trace in the irqd output channel', () =>
        vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'output' && /request nic\[0-3\]/.test(d.getText())),
      );
    },
  ],
  [
    'Import Machine Snapshot writes the machine, opens it, and a scenario file uses it',
    async () => {
      // A real boot's dumps (test/lab), imported through the command a user runs.
      const snapshot = vscode.Uri.file(path.join(root, 'test', 'lab', 'B4-ir-traced', '01-boot'));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqd-import-'));
      const target = vscode.Uri.file(path.join(dir, 'lab.irqd'));
      const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('irqd.importSnapshot', snapshot, target);
      assert.equal(written?.fsPath, target.fsPath);
      const text = fs.readFileSync(target.fsPath, 'utf8');
      assert.match(text, /^system lab "Linux 6\.1\.192, 4 CPUs/m);
      assert.match(text, /^\s+state \{/m);
      await waitFor('the imported file in the active editor', () => vscode.window.activeTextEditor?.document.uri.fsPath === target.fsPath || undefined);
      // The server analyses what it wrote: no errors (the snapshot is a consistent state).
      await new Promise((r) => setTimeout(r, 1500));
      const errors = vscode.languages.getDiagnostics(target).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
      assert.deepEqual(errors.map((d) => d.message), []);
      // A hover on one of its state lines shows that IRQ as the kernel had it.
      const irq35 = text.split('\n').findIndex((l) => /^\s+irq 35 nvme0\[0\]/.test(l));
      assert.ok(irq35 > 0, 'IRQ 35 is in the state block');
      const found = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', target, new vscode.Position(irq35, 6));
      assert.match(hoverText(found ?? []), /IRQ 35 as the system was found:[\s\S]*CPU 3 vector 0x25/);
      // A second file runs a what-if on the imported machine; go to definition crosses files.
      const whatIf = vscode.Uri.file(path.join(dir, 'what-if.irqd'));
      fs.writeFileSync(whatIf.fsPath, 'use "lab.irqd"\nscenario pin-admin on lab {\n  affinity irq 35 3\n  expect nvme0[0] cpu 3\n}\n');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(whatIf));
      const defs = await waitFor('a definition in the imported file', async () => {
        const d = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', whatIf, new vscode.Position(1, 22));
        return d && d.length > 0 ? d : undefined;
      });
      const first = defs[0] as vscode.Location | vscode.LocationLink;
      const uri = 'targetUri' in first ? first.targetUri : first.uri;
      assert.equal(uri.fsPath, target.fsPath);
      const lenses = await waitFor('the what-if result lens', async () => {
        const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', whatIf);
        const titles = (l ?? []).map((x) => x.command?.title ?? '');
        return titles.some((t) => /passes|fails/.test(t)) ? titles : undefined;
      });
      assert.ok(lenses.includes('✓ passes (2 steps)'), lenses.join(' | '));
    },
  ],
  [
    'the Getting Started walkthrough opens, opens its sample, and its last step shows the machine',
    async () => {
      const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'irqd');
      assert.ok(ext, 'the irqd extension is installed');
      const walkthroughs = (ext.packageJSON as { contributes: { walkthroughs: { id: string; steps: { id: string; media: { markdown: string } }[] }[] } }).contributes.walkthroughs;
      const getting = walkthroughs.find((w) => w.id === 'irqd.gettingStarted');
      assert.ok(getting, 'the walkthrough is contributed');
      for (const s of getting.steps) assert.ok(fs.existsSync(path.join(ext.extensionPath, s.media.markdown)), `${s.id}: ${s.media.markdown} is missing`);
      await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${ext.id}#irqd.gettingStarted`, false);
      const editor = await vscode.commands.executeCommand<vscode.TextEditor>('irqd.openSample');
      assert.equal(path.basename(editor.document.uri.fsPath), 'quickstart.irqd');
      assert.equal(editor.document.languageId, 'irqd');
      const lenses = await waitFor('the sample scenario passes', async () => {
        const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri);
        const titles = (l ?? []).map((x) => x.command?.title ?? '');
        return titles.some((t) => t.startsWith('✓ passes')) ? titles : undefined;
      });
      assert.ok(lenses.includes('▶ Run'), lenses.join(' | '));
      // The last step, with the walkthrough in front: the machine view of the sample in view.
      await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${ext.id}#irqd.gettingStarted`, false);
      const machineTabs = (): string[] =>
        vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('irqd.machine')).map((t) => t.label);
      const before = machineTabs().length;
      await vscode.commands.executeCommand('irqd.walkthrough.showMachine');
      // A machine view of the sample opens (titled by the file until its first state arrives).
      const tabs = await waitFor('the machine view of the sample', () => (machineTabs().length > before ? machineTabs() : undefined));
      assert.ok(tabs.some((l) => /quickstart\.irqd|first interrupts/.test(l)), tabs.join(' | '));
      // configurationDefaults: no word-based suggestions in .irqd files, so Tab in a snippet placeholder is the snippet's.
      assert.equal(vscode.workspace.getConfiguration('editor', { languageId: 'irqd' }).get('wordBasedSuggestions'), 'off');
      // The server's snippets where a step can start, after the keywords.
      const text = editor.document.getText();
      const scenarioLine = text.split('\n').findIndex((l) => l.startsWith('scenario '));
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, new vscode.Position(scenarioLine + 1, 0));
      const snippet = list.items.find((i) => i.kind === vscode.CompletionItemKind.Snippet && (typeof i.label === 'string' ? i.label : i.label.label) === 'alloc (min, managed)');
      assert.ok(snippet, 'the alloc snippet is offered at a step start');
    },
  ],
  [
    'the debugger stops at a breakpoint, steps back to the previous state, and shows the vector',
    async () => {
      // The sample's own expectations, which its passing scenario checks, say where nvme0[0] is.
      const sample = vscode.Uri.file(path.join(root, 'samples', 'quickstart.irqd'));
      const lines = fs.readFileSync(sample.fsPath, 'utf8').split('\n');
      const at = (re: RegExp): number => lines.findIndex((l) => re.test(l));
      const move = at(/^\s+affinity nvme0\[0\] 3$/);
      const after = at(/^\s+expect nvme0\[0\] vector 0x22$/);
      const before = lines.slice(0, move).map((l) => /^\s+expect nvme0\[0\] vector (0x[0-9a-f]+)$/.exec(l)?.[1]).filter((v) => v !== undefined).pop();
      assert.ok(move > 0 && after > move && before === '0x21', 'the sample moves nvme0[0] from vector 0x21 to 0x22');
      const stops: { reason: string }[] = [];
      const tracker = vscode.debug.registerDebugAdapterTrackerFactory('irqd', {
        createDebugAdapterTracker: () => ({
          onDidSendMessage: (m: { type?: string; event?: string; body?: { reason: string } }) => {
            if (m.type === 'event' && m.event === 'stopped' && m.body) stops.push(m.body);
          },
        }),
      });
      const bp = new vscode.SourceBreakpoint(new vscode.Location(sample, new vscode.Position(after, 2)));
      vscode.debug.addBreakpoints([bp]);
      try {
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(sample));
        // The machine view of the sample follows the debugger's stops (the step about to run is the current line).
        const panel = await vscode.commands.executeCommand<vscode.WebviewPanel | undefined>('irqd.showMachine', sample.toString(), 'first interrupts');
        assert.ok(panel, 'a machine view');
        const viewAt = async (stopLine: number): Promise<void> => {
          const get = (): Thenable<MachineState | undefined> => vscode.commands.executeCommand<MachineState | undefined>('irqd.machineViewState', sample.toString());
          const st = await waitFor(`the machine view at the step of line ${stopLine + 1}`, async () => {
            const v = await get();
            return v && v.scenario === 'first interrupts' && v.steps[v.step]?.line === stopLine ? v : undefined;
          });
          // The stop moved the cursor; after the cursor's debounce the view still shows the debugger's position.
          await new Promise((r) => setTimeout(r, 400));
          assert.equal((await get())?.step, st.step, 'the view stays at the debugger position');
        };
        // The ▷ Debug lens's command: the Test Explorer's configuration, stopOnEntry.
        assert.ok(await vscode.commands.executeCommand<boolean>('irqd.debugScenario', sample.toString(), 'first interrupts'));
        const session = await waitFor('the irqd debug session', () => (vscode.debug.activeDebugSession?.type === 'irqd' ? vscode.debug.activeDebugSession : undefined));
        await waitFor('the stop on entry', () => (stops.length >= 1 ? true : undefined));
        assert.equal(stops[0]?.reason, 'entry');
        const line = async (): Promise<number> => {
          const r = (await session.customRequest('stackTrace', { threadId: 1 })) as { stackFrames: { line: number; id: number }[] };
          return (r.stackFrames[0]?.line ?? 0) - 1;
        };
        const value = async (expression: string): Promise<string> => ((await session.customRequest('evaluate', { expression, frameId: 1, context: 'watch' })) as { result: string }).result;
        // The debug toolbar's commands act on the thread VS Code has focused, which it does only after it
        // has read the stopped thread's stack: a command sent before that does nothing (the test was flaky).
        const focused = (what: string): Promise<true> =>
          waitFor(`VS Code focusing ${what}`, () => {
            const item = vscode.debug.activeStackItem;
            return item && 'frameId' in item && item.session.id === session.id ? true : undefined;
          });
        await focused('the stop on entry');
        await vscode.commands.executeCommand('workbench.action.debug.continue');
        await waitFor('the breakpoint', () => (stops.length >= 2 ? true : undefined));
        assert.equal(stops[1]?.reason, 'breakpoint');
        assert.equal(await line(), after);
        assert.equal(await value('nvme0[0].vector'), '0x22');
        await viewAt(after);
        // The Variables view's IRQs scope holds the same vector.
        const scopes = ((await session.customRequest('scopes', { frameId: 1 })) as { scopes: { name: string; variablesReference: number }[] }).scopes;
        const irqs = ((await session.customRequest('variables', { variablesReference: scopes.find((x) => x.name === 'IRQs')?.variablesReference })) as { variables: { name: string; value: string; variablesReference: number }[] }).variables;
        const irq = irqs.find((v) => v.value.startsWith('nvme0[0]: '));
        assert.ok(irq, irqs.map((v) => v.value).join(' | '));
        const fields = ((await session.customRequest('variables', { variablesReference: irq.variablesReference })) as { variables: { name: string; value: string }[] }).variables;
        assert.equal(fields.find((f) => f.name === 'vector')?.value, '0x22');
        // Step back twice: before the affinity change, nvme0[0] has its old vector again.
        await focused('the breakpoint');
        await vscode.commands.executeCommand('workbench.action.debug.stepBack');
        await waitFor('the first step back', () => (stops.length >= 3 ? true : undefined));
        await focused('the first step back');
        await vscode.commands.executeCommand('workbench.action.debug.stepBack');
        await waitFor('the second step back', () => (stops.length >= 4 ? true : undefined));
        assert.equal(await line(), move);
        assert.equal(await value('nvme0[0].vector'), before);
        await viewAt(move);
        await vscode.debug.stopDebugging(session);
        panel.dispose();
      } finally {
        vscode.debug.removeBreakpoints([bp]);
        tracker.dispose();
      }
    },
  ],
  [
    'the Test Explorer lists the scenarios; a run reports the false expectation with expected and actual',
    async () => {
      const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'irqd');
      const api = (ext?.exports as { testing?: IrqdTesting } | undefined)?.testing;
      assert.ok(api, "the extension's API has its test controller");
      const file = await waitFor('the item of scenario.irqd', () => api.controller.items.get(scenarioFile.toString()));
      const w7 = await waitFor('the item of scenario w7', () => file.children.get(`${scenarioFile.toString()}#w7`));
      assert.equal(w7.range?.start.line, 7);
      // As the Testing view's Run All button does: the default Run profile.
      await vscode.commands.executeCommand('testing.runAll');
      const result = await waitFor('the result of w7', () => api.results.get(w7.id));
      assert.equal(result.status, 'failed');
      const [m] = result.messages;
      assert.ok(m, 'a message');
      assert.equal(m.expectedOutput, 'vector 0x23');
      assert.equal(m.actualOutput, 'vector 0x22 on CPU 1');
      assert.match(typeof m.message === 'string' ? m.message : m.message.value, /^IRQD034 nic\[3\] \(IRQ \d+\) has vector 0x22 on CPU 1, not 0x23$/);
      assert.equal(m.location?.uri.toString(), scenarioFile.toString());
      assert.equal(m.location?.range.start.line, 10);
    },
  ],
  [
    "a did-you-mean quick fix: its title, preferred, applied; the server's error goes away",
    async () => {
      const editor = await scratch('did-you-mean.irqd', `${irHost}scenario boot on host {\n  alloc nvme1 16\n  request nvme0[0-3]\n}\n`);
      const uri = editor.document.uri;
      try {
        const d = await waitFor('the IRQD010 of nvme1', () => vscode.languages.getDiagnostics(uri).find((x) => code(x) === 'IRQD010'));
        assert.equal(d.range.start.line, 8);
        assert.equal(editor.document.getText(d.range), 'nvme1');
        const fixes = await quickFixes(uri, d.range);
        const fix = fixes.find((a) => a.title === "Change 'nvme1' to 'nvme0'");
        assert.ok(fix, fixes.map((a) => a.title).join(' | '));
        assert.equal(fix.isPreferred, true);
        assert.ok(fix.edit, 'the fix carries its edit');
        assert.ok(await vscode.workspace.applyEdit(fix.edit));
        assert.equal(editor.document.lineAt(8).text, '  alloc nvme0 16');
        // The server analyses the changed text again: no error is left.
        await waitFor('the diagnostics of the fixed text', () => (vscode.languages.getDiagnostics(uri).every((x) => x.severity !== vscode.DiagnosticSeverity.Error && code(x) !== 'IRQD010') ? true : undefined));
      } finally {
        await revertAndClose(editor);
      }
    },
  ],
  [
    'the quick fix of a failed expect writes the simulated value; the scenario then passes',
    async () => {
      const editor = await scratch('expect.irqd', `${irHost}scenario boot on host {\n  alloc nvme0 16\n  request nvme0[0-3]\n  expect nvme0[0] cpu 3\n}\n`);
      const uri = editor.document.uri;
      const titles = async (): Promise<string[]> =>
        ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? []).map((l) => l.command?.title ?? '');
      try {
        const d = await waitFor('the IRQD034 of the expect', () => vscode.languages.getDiagnostics(uri).find((x) => code(x) === 'IRQD034'));
        assert.equal(d.range.start.line, 10);
        assert.ok((await waitFor('the failing lens', async () => ((await titles()).some((t) => t.startsWith('✗ fails')) ? true : undefined))));
        const fixes = await quickFixes(uri, d.range);
        const fix = fixes.find((a) => a.title.startsWith('Update the expectation to the simulated value'));
        assert.ok(fix, fixes.map((a) => a.title).join(' | '));
        assert.equal(fix.title, "Update the expectation to the simulated value: '1' (was '3')");
        assert.equal(fix.isPreferred, true);
        assert.ok(fix.edit && (await vscode.workspace.applyEdit(fix.edit)));
        assert.equal(editor.document.lineAt(10).text, '  expect nvme0[0] cpu 1');
        const after = await waitFor('the passing lens', async () => {
          const t = await titles();
          return t.includes('✓ passes (3 steps)') ? t : undefined;
        });
        assert.ok(!after.some((t) => t.startsWith('✗')), after.join(' | '));
        assert.deepEqual(vscode.languages.getDiagnostics(uri).filter((x) => code(x) === 'IRQD034'), []);
      } finally {
        await revertAndClose(editor);
      }
    },
  ],
  [
    'Format Document, a range, and on-type `}` give the canonical layout of the formatter',
    async () => {
      const messy = 'system host {\ncpus 4\n      domain VECTOR vector\n  domain IR0 intel-ir parent VECTOR\n    domain PCI-MSI pci-msi parent IR0\n device nvme0 pci 01:00.0 { msix 16 domain PCI-MSI }\n}\nscenario boot on host {\nalloc nvme0 16\n        request nvme0[0-3]\n}\n';
      const canonical = formatText(messy);
      assert.equal(canonical, `${irHost}scenario boot on host {\n  alloc nvme0 16\n  request nvme0[0-3]\n}\n`);
      const options: vscode.FormattingOptions = { tabSize: 2, insertSpaces: true };
      const editor = await scratch('format.irqd', messy);
      const uri = editor.document.uri;
      try {
        // The server is up once it reports on the file (a clean text has no diagnostics: wait for its symbols).
        await waitFor('the symbols of format.irqd', async () => {
          const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', uri);
          return s && s.length > 0 ? s : undefined;
        });
        // A range: lines 1 and 2 only.
        const ranged = await vscode.commands.executeCommand<vscode.TextEdit[]>('vscode.executeFormatRangeProvider', uri, new vscode.Range(1, 0, 2, 5), options);
        assert.ok(ranged && ranged.length > 0, 'range edits');
        const we = new vscode.WorkspaceEdit();
        we.set(uri, ranged);
        assert.ok(await vscode.workspace.applyEdit(we));
        const lines = messy.split('\n');
        const canon = canonical.split('\n');
        assert.equal(editor.document.getText(), lines.map((l, i) => (i === 1 || i === 2 ? canon[i] : l)).join('\n'));
        // The whole document.
        const edits = await vscode.commands.executeCommand<vscode.TextEdit[]>('vscode.executeFormatDocumentProvider', uri, options);
        assert.ok(edits && edits.length > 0, 'document edits');
        const all = new vscode.WorkspaceEdit();
        all.set(uri, edits);
        assert.ok(await vscode.workspace.applyEdit(all));
        assert.equal(editor.document.getText(), canonical);
      } finally {
        await revertAndClose(editor);
      }
      // On type: editor.formatOnType is on for irqd (package.json's configurationDefaults).
      assert.equal(vscode.workspace.getConfiguration('editor', { languageId: 'irqd' }).get('formatOnType'), true);
      const open = `${irHost}scenario boot on host {\nalloc nvme0 16\n      request nvme0[0-3]\n\n`;
      const typing = await scratch('on-type.irqd', open);
      try {
        await waitFor('the symbols of on-type.irqd', async () => {
          const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', typing.document.uri);
          return s && s.length > 1 ? s : undefined;
        });
        typing.selection = new vscode.Selection(10, 0, 10, 0);
        await vscode.commands.executeCommand('type', { text: '}' });
        const want = `${irHost}scenario boot on host {\n  alloc nvme0 16\n  request nvme0[0-3]\n}\n`;
        await waitFor('the block re-indented on typing }', () => (typing.document.getText() === want ? true : undefined), 15000).catch((e: unknown) => {
          throw new Error(`${e instanceof Error ? e.message : String(e)}: ${JSON.stringify(typing.document.getText())}`);
        });
        assert.equal(formatText(typing.document.getText()), typing.document.getText());
      } finally {
        await revertAndClose(typing);
      }
    },
  ],
];

export async function run(): Promise<void> {
  let failed = 0;
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`ok - ${name}`);
    } catch (e) {
      failed++;
      console.log(`not ok - ${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      // The later tests build on the earlier ones: stop at the first failure.
      break;
    }
  }
  console.log(`vscode: ${tests.length - failed} passed, ${failed} failed`);
  if (failed > 0) throw new Error(`${failed} VS Code test(s) failed`);
}
