// The server never blocks on a simulation (server.ts analyseSlice): a file
// whose scenarios take long to simulate is simulated in slices, requests in
// between are answered on the analysis as far as it has got (pending
// scenarios say so), a newer edit drops the older version's work, and the
// lenses are refreshed when the analysis completes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CodeLensRefreshRequest,
  CodeLensRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  type CodeLens,
  type Hover,
} from 'vscode-languageserver-protocol';
import { startStdio, type Session } from '../support/lsp.js';

const SCENARIOS = 120;

/** Many scenarios, each allocating and requesting 256 MSI-X vectors on its own device. */
function heavy(): string {
  const lines = ['system big {', '  cpus 64', '  apic x2apic', '  domain VECTOR vector', '  domain IR intel-ir parent VECTOR { irtes 65536 }', '  domain MSI pci-msi parent IR'];
  for (let i = 0; i < SCENARIOS; i++) lines.push(`  device d${i} pci ${(1 + (i >> 5)).toString(16).padStart(2, '0')}:${(i & 31).toString(16).padStart(2, '0')}.0 { msix 256 domain MSI }`);
  lines.push('}');
  for (let i = 0; i < SCENARIOS; i++) lines.push(`scenario s${i} on big {`, `  alloc d${i} 256`, `  request d${i}`, '  offline cpu 1', '}');
  return lines.join('\n') + '\n';
}

const uri = 'file:///slices/heavy.irqd';

describe('simulation in slices', () => {
  let s: Session;
  const refreshes: number[] = [];
  const text = heavy();
  const lastScenarioLine = text.split('\n').lastIndexOf(`scenario s${SCENARIOS - 1} on big {`);

  before(async () => {
    s = startStdio();
    s.conn.onRequest(CodeLensRefreshRequest.type, () => {
      refreshes.push(Date.now());
    });
    await s.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { codeLens: { refreshSupport: true } } },
      workspaceFolders: null,
    });
    await s.conn.sendNotification(InitializedNotification.type, {});
  });

  after(() => {
    if (s.child.exitCode === null) s.child.kill();
  });

  test('requests are answered while scenarios are still being simulated', async () => {
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'irqd', version: 1, text } });
    const hover = (await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: lastScenarioLine + 2, character: 3 } })) as Hover | null;
    const lenses = (await s.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) as CodeLens[];
    // Both answers came before the analysis was complete: nothing is published yet.
    assert.equal(s.diagnostics.all.filter((d) => d.uri === uri).length, 0, 'no diagnostics before the simulation is complete');
    const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
    assert.match(value, /being simulated after the last edit/);
    assert.ok(lenses.some((l) => l.command?.title === '⏳ simulating…'), 'a pending scenario shows as simulating');
  });

  test('a newer edit drops the older version: only its diagnostics are published', async () => {
    // Insert a line into the last scenario: version 2 supersedes version 1 before it completes.
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: lastScenarioLine + 3, character: 0 }, end: { line: lastScenarioLine + 3, character: 0 } }, text: '  online cpu 1\n' }],
    });
    const published = await s.diagnostics.waitFor((d) => d.uri === uri && d.version === 2, 'version 2');
    assert.deepEqual(published.diagnostics.filter((d) => d.severity === 1), []);
    assert.deepEqual(
      s.diagnostics.all.filter((d) => d.uri === uri).map((d) => d.version),
      [2],
    );
  });

  test('the lenses are refreshed when the analysis completes, and then show each result', async () => {
    const deadline = Date.now() + 10000;
    while (refreshes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(refreshes.length > 0, 'a workspace/codeLens/refresh request');
    const lenses = (await s.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) as CodeLens[];
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.equal(titles.filter((t) => t.startsWith('✓ passes')).length, SCENARIOS);
    assert.ok(!titles.includes('⏳ simulating…'));
  });
});
