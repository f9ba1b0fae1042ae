// Code lenses above each scenario: its result, Run, Step (k/n), Reset; and a
// lens on the current step while stepping. The commands are the server's
// own (workspace/executeCommand), so the lenses work in any LSP client.
import type { CodeLens } from 'vscode-languageserver';
import type { Analysis } from '../analysis/analysis.js';
import { toRange } from './convert.js';
import type { SteppingState } from './scenario-at.js';
import { failureText } from './trace-text.js';

/** The server-side commands behind the lenses (also declared in the initialize result). */
export const RUN_COMMAND = 'irqd.server.runScenario';
export const STEP_COMMAND = 'irqd.server.stepScenario';
export const RESET_COMMAND = 'irqd.server.resetScenario';
/** The client's debug command: not a server command, VS Code runs it in the extension. */
export const DEBUG_COMMAND = 'irqd.debugScenario';
/** The VS Code extension's machine view (client/src/machine-view.ts): a client command, which other clients may not have. */
export const SHOW_MACHINE_COMMAND = 'irqd.showMachine';

/**
 * `clientCommands`: the commands the client runs itself and said so at
 * initialize (initializationOptions.clientCommands); a lens for one is only
 * shown to such a client, so other editors get no lens they cannot run.
 */
export function codeLenses(analysis: Analysis, uri: string, stepping: SteppingState, clientCommands: ReadonlySet<string> = new Set()): CodeLens[] {
  const lenses: CodeLens[] = [];
  analysis.model.scenarios.forEach((sc, index) => {
    const trace = analysis.traces.get(sc);
    const range = toRange(analysis, { start: sc.decl.keyword.start, end: sc.decl.keyword.end });
    const args = [uri, index];
    let status: string;
    // The server simulates in slices: this scenario's turn has not come yet, and a refresh follows.
    if (analysis.pending.has(sc)) status = '⏳ simulating…';
    else if (!trace) status = 'not simulated: no system';
    else if (trace.skipped) status = `not simulated: ${trace.skipped}`;
    else if (trace.passed) status = `✓ passes (${trace.records.length} steps)`;
    else status = `✗ ${failureText(trace)}`;
    lenses.push({ range, command: { title: status, command: '' } });
    if (!trace || trace.skipped) return;
    const n = trace.records.length;
    const k = stepping.get(index);
    lenses.push({ range, command: { title: '▶ Run', command: RUN_COMMAND, arguments: args } });
    // The client's command (client/src/debug.ts): a debug session of this scenario (docs/debugger.md).
    if (clientCommands.has(DEBUG_COMMAND)) lenses.push({ range, command: { title: '▷ Debug', command: DEBUG_COMMAND, arguments: [uri, sc.name] } });
    lenses.push({ range, command: { title: `Step (${k ?? 0}/${n})`, command: STEP_COMMAND, arguments: args } });
    lenses.push({ range, command: { title: 'Reset', command: RESET_COMMAND, arguments: args } });
    if (clientCommands.has(SHOW_MACHINE_COMMAND)) lenses.push({ range, command: { title: '◫ View', command: SHOW_MACHINE_COMMAND, arguments: args } });
    if (k !== undefined && k > 0) {
      const r = trace.records[k - 1];
      if (r) {
        lenses.push({
          range: toRange(analysis, { start: r.step.span.start, end: r.step.span.start }),
          command: { title: `▸ step ${k}/${n}${r.summary ? `: ${r.summary}` : ''}`, command: '' },
        });
      }
    }
  });
  return lenses;
}
