// Drives the real bundled server (dist/server.js) over stdio with a real
// JSON-RPC client: initialize, open, diagnostics, edits, every feature,
// shutdown and exit. Also one session over --node-ipc.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { IPCMessageReader, IPCMessageWriter, createProtocolConnection } from 'vscode-languageserver-protocol/node';
import { DiagnosticsLog, exited, initialize, serverPath, startStdio, type Session } from '../support/lsp.js';
import {
  CodeLensRequest,
  CompletionRequest,
  ExecuteCommandRequest,
  InlayHintRequest,
  LogMessageNotification,
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExitNotification,
  FoldingRangeRequest,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  PrepareRenameRequest,
  PublishDiagnosticsNotification,
  ReferencesRequest,
  RenameRequest,
  SemanticTokensRequest,
  ShutdownRequest,
  type CompletionItem,
  type DocumentSymbol,
  type Hover,
  type InitializeResult,
  type Location,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol';

const uri = 'file:///work/test.irqd';

const TEXT = `system host {
  cpus 4
  domain VECTOR vector
  domain IR0 intel-ir parent VECTOR
  domain PCI-MSI pci-msi parent IR0
  device nvme0 pci 01:00.0 { msix 16 domain PCI-MSI }
}
scenario boot on host {
  alloc nvme0 16
  request nvme0[0-3]
  affinity nvme0[1] 9
}
`;

describe('language server over stdio', () => {
  let s: Session;
  let init: InitializeResult;

  before(async () => {
    s = startStdio();
    init = await initialize(s.conn);
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'irqd', version: 1, text: TEXT } });
  });

  after(() => {
    if (s.child.exitCode === null) s.child.kill();
  });

  test('announces its capabilities', () => {
    const c = init.capabilities;
    assert.ok(c.hoverProvider && c.definitionProvider && c.referencesProvider && c.documentSymbolProvider && c.foldingRangeProvider);
    assert.deepEqual(c.renameProvider, { prepareProvider: true });
    assert.ok(c.completionProvider);
    assert.ok(c.semanticTokensProvider?.legend.tokenTypes.includes('type'));
    assert.equal(init.serverInfo?.name, 'irqd-language-server');
  });

  test('publishes diagnostics for the opened version', async () => {
    const p = await s.diagnostics.waitFor((d) => d.uri === uri && d.version === 1, 'version 1');
    assert.equal(p.diagnostics.length, 1);
    const d = p.diagnostics[0];
    assert.equal(d?.code, 'IRQD026');
    assert.equal(d?.source, 'irqd');
    assert.deepEqual(d?.range, { start: { line: 10, character: 20 }, end: { line: 10, character: 21 } });
  });

  test('an edit republishes for the new version, and a stale version is never published after a newer one', async () => {
    // Three quick edits: fix the CPU, then break a name, then fix it again.
    const edits = [
      { version: 2, range: { start: { line: 10, character: 20 }, end: { line: 10, character: 21 } }, text: '3' },
      { version: 3, range: { start: { line: 9, character: 10 }, end: { line: 9, character: 15 } }, text: 'nvme9' },
      { version: 4, range: { start: { line: 9, character: 10 }, end: { line: 9, character: 15 } }, text: 'nvme0' },
    ];
    for (const e of edits) {
      await s.conn.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version: e.version },
        contentChanges: [{ range: e.range, text: e.text }],
      });
    }
    const p = await s.diagnostics.waitFor((d) => d.uri === uri && d.version === 4, 'version 4');
    assert.deepEqual(p.diagnostics, []);
    // Give any stale job a chance to run, then check the order of what was published.
    await new Promise((r) => setTimeout(r, 200));
    const versions = s.diagnostics.all.filter((d) => d.uri === uri).map((d) => d.version ?? 0);
    assert.deepEqual([...versions].sort((a, b) => a - b), versions, `published out of order: ${versions.join(',')}`);
    assert.equal(versions[versions.length - 1], 4);
  });

  test('hover on a reference shows the domain chain', async () => {
    const h = (await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 5, character: 45 } })) as Hover;
    const value = typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';
    assert.match(value, /PCI-MSI \(pci-msi\) → IR0 \(intel-ir\) → VECTOR \(vector\)/);
  });

  test('definition and references of a device', async () => {
    const def = (await s.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: { line: 8, character: 9 } })) as Location;
    assert.deepEqual(def.range, { start: { line: 5, character: 9 }, end: { line: 5, character: 14 } });
    const refs = (await s.conn.sendRequest(ReferencesRequest.type, {
      textDocument: { uri },
      position: { line: 5, character: 10 },
      context: { includeDeclaration: true },
    })) as Location[];
    assert.deepEqual(
      refs.map((r) => r.range.start.line),
      [5, 8, 9, 10],
    );
  });

  test('prepareRename and rename change the declaration and every reference', async () => {
    const prep = await s.conn.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position: { line: 4, character: 33 } });
    assert.deepEqual(prep, { range: { start: { line: 4, character: 32 }, end: { line: 4, character: 35 } }, placeholder: 'IR0' });
    const edit = (await s.conn.sendRequest(RenameRequest.type, { textDocument: { uri }, position: { line: 4, character: 33 }, newName: 'DMAR0' })) as WorkspaceEdit;
    const changes = edit.changes?.[uri] ?? [];
    assert.deepEqual(
      changes.map((c) => [c.range.start.line, c.newText]),
      [
        [3, 'DMAR0'],
        [4, 'DMAR0'],
      ],
    );
    await assert.rejects(
      s.conn.sendRequest(RenameRequest.type, { textDocument: { uri }, position: { line: 4, character: 33 }, newName: 'not a name' }),
      /is not an irqd name/,
    );
    await assert.rejects(
      s.conn.sendRequest(RenameRequest.type, { textDocument: { uri }, position: { line: 4, character: 33 }, newName: 'VECTOR' }),
      /already a domain/,
    );
  });

  test('document symbols outline systems, domains, devices, scenarios and steps', async () => {
    const syms = (await s.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
    assert.deepEqual(
      syms.map((x) => x.name),
      ['host', 'boot'],
    );
    assert.deepEqual(
      syms[0]?.children?.map((x) => x.name),
      ['VECTOR', 'IR0', 'PCI-MSI', 'nvme0'],
    );
    assert.equal(syms[1]?.children?.length, 3);
  });

  test('completion offers steps in a scenario and devices after a step keyword', async () => {
    const atLineStart = (await s.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 10, character: 2 } })) as CompletionItem[];
    assert.ok(atLineStart.some((c) => c.label === 'offline'));
    const afterAlloc = (await s.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 8, character: 8 } })) as CompletionItem[];
    assert.deepEqual(
      afterAlloc.map((c) => c.label),
      ['nvme0'],
    );
  });

  test('semantic tokens and folding ranges', async () => {
    const tokens = await s.conn.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
    assert.ok(tokens && tokens.data.length > 0 && tokens.data.length % 5 === 0);
    const folds = await s.conn.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } });
    assert.deepEqual(
      folds?.map((f) => [f.startLine, f.endLine]),
      [
        [0, 5],
        [7, 10],
      ],
    );
  });

  test('requests on a document that is not open answer nothing, without failing', async () => {
    const h = await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: 'file:///nope.irqd' }, position: { line: 0, character: 0 } });
    assert.equal(h, null);
  });

  test('malformed params answer -32602 (invalid params) saying what is wrong, and the server keeps serving', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['textDocument/hover', { position: { line: 0, character: 0 } }, /textDocument\.uri must be a string/],
      ['textDocument/hover', { textDocument: { uri }, position: { line: -1, character: 0 } }, /position must be/],
      ['textDocument/hover', { textDocument: { uri }, position: { line: 1.5, character: 'x' } }, /position must be/],
      ['textDocument/completion', { textDocument: { uri: 42 }, position: { line: 0, character: 0 } }, /textDocument\.uri/],
      ['textDocument/rename', { textDocument: { uri }, position: { line: 0, character: 0 } }, /newName must be a string/],
      ['textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0 } } }, /range must be/],
      ['textDocument/documentSymbol', {}, /textDocument\.uri/],
    ];
    for (const [method, params, message] of cases) {
      await assert.rejects(s.conn.sendRequest(method, params), (e: { code?: number; message?: string }) => {
        assert.equal(e.code, -32602, `${method} ${JSON.stringify(params)}`);
        assert.match(e.message ?? '', message);
        return true;
      });
    }
    const h = await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: 'file:///nope.irqd' }, position: { line: 0, character: 0 } });
    assert.equal(h, null);
  });

  test('garbage typed into the document still gets diagnostics, never a dead server', async () => {
    const garbage = '\u0000{{{ ]]] -> "unterminated\n/* \u{1F600} ' + 'expect fail '.repeat(100);
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 5 }, contentChanges: [{ text: garbage }] });
    const p = await s.diagnostics.waitFor((d) => d.uri === uri && d.version === 5, 'version 5');
    assert.ok(p.diagnostics.length > 0);
    assert.ok(p.diagnostics.every((d) => d.code !== 'IRQD003'), JSON.stringify(p.diagnostics));
    const h = await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 3 } });
    assert.equal(h, null);
  });

  test('closing clears the diagnostics; shutdown and exit end the process cleanly', async () => {
    await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    await s.diagnostics.waitFor((d) => d.uri === uri && d.version === undefined && d.diagnostics.length === 0, 'cleared');
    await s.conn.sendRequest(ShutdownRequest.type);
    const done = exited(s.child);
    await s.conn.sendNotification(ExitNotification.type);
    assert.equal(await done, 0);
    assert.equal(s.stderr.join(''), '');
  });
});

describe('simulation over the protocol: lenses, stepping, inlay hints, step hover', () => {
  const simUri = 'file:///work/sim.irqd';
  const SIM = `system fresh {
  kernel 6.1
  cpus 4
  domain VECTOR vector
  domain MSI pci-msi parent VECTOR
  device nic0 pci 00:03.0 { msix 4 domain MSI }
}
scenario w7 on fresh {
  alloc nic0 4
  request nic0[0-3]
  expect nic0[3] vector 0x22
}
`;
  let s: Session;

  before(async () => {
    s = startStdio();
    await s.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { codeLens: { refreshSupport: true } } },
      workspaceFolders: null,
    });
    s.conn.onRequest('workspace/codeLens/refresh', () => null);
    await s.conn.sendNotification(InitializedNotification.type, {});
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: simUri, languageId: 'irqd', version: 1, text: SIM } });
    await s.diagnostics.waitFor((d) => d.uri === simUri, 'sim diagnostics');
  });

  after(() => {
    if (s.child.exitCode === null) s.child.kill();
  });

  const lensTitles = async (): Promise<string[]> =>
    ((await s.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: simUri } })) ?? []).map((l) => l.command?.title ?? '');

  test('the scenario has its result, Run, Step and Reset lenses', async () => {
    assert.deepEqual(await lensTitles(), ['✓ passes (3 steps)', '▶ Run', 'Step (0/3)', 'Reset', '◫ View']);
  });

  test('Step moves the current-step lens; Reset clears it; the server asks for a refresh', async () => {
    let refreshed = 0;
    s.conn.onRequest('workspace/codeLens/refresh', () => {
      refreshed++;
      return null;
    });
    const r1 = await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'irqd.server.stepScenario', arguments: [simUri, 0] });
    assert.deepEqual(r1, { scenario: 'w7', step: 1, of: 3 });
    await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'irqd.server.stepScenario', arguments: [simUri, 0] });
    assert.deepEqual(await lensTitles(), ['✓ passes (3 steps)', '▶ Run', 'Step (2/3)', 'Reset', '◫ View', '▸ step 2/3: 4 IRQs on CPUs 1-3']);
    await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'irqd.server.resetScenario', arguments: [simUri, 0] });
    assert.deepEqual(await lensTitles(), ['✓ passes (3 steps)', '▶ Run', 'Step (0/3)', 'Reset', '◫ View']);
    assert.ok(refreshed >= 3, `refreshed ${refreshed} times`);
  });

  test('Run returns the trace and logs it', async () => {
    const logs: string[] = [];
    s.conn.onNotification(LogMessageNotification.type, (p) => {
      logs.push(p.message);
    });
    const r = (await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'irqd.server.runScenario', arguments: [simUri, 0] })) as { passed: boolean; trace: string[] };
    assert.equal(r.passed, true);
    assert.match(r.trace.join('\n'), /request nic0\[0-3\]\s+4 IRQs on CPUs 1-3/);
    await new Promise((res) => setTimeout(res, 50));
    assert.ok(logs.some((l) => l.includes('scenario "w7" on fresh')));
  });

  test('inlay hints give each step its outcome, for the requested range only', async () => {
    const all = await s.conn.sendRequest(InlayHintRequest.type, { textDocument: { uri: simUri }, range: { start: { line: 0, character: 0 }, end: { line: 12, character: 0 } } });
    assert.deepEqual(
      all?.map((h) => [h.position.line, h.label]),
      [
        [8, ' → 4 IRQs (16-19), reserved'],
        [9, ' 4 IRQs on CPUs 1-3'],
      ],
    );
    const one = await s.conn.sendRequest(InlayHintRequest.type, { textDocument: { uri: simUri }, range: { start: { line: 9, character: 0 }, end: { line: 9, character: 5 } } });
    assert.equal(one?.length, 1);
  });

  test('hover on a step shows the composed message after it', async () => {
    const h = (await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: simUri }, position: { line: 9, character: 3 } })) as Hover;
    const value = typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';
    assert.match(value, /\*\*step 2\/3\*\*/);
    assert.match(value, /nic0\[3\] = IRQ 19: requested/);
    assert.match(value, /message: 0xFEE02004 \/ 0x00000022 — compat format: destination 0x2 logical, vector 0x22, fixed, edge/);
  });
});

describe('language server over node-ipc', () => {
  test('initializes and publishes diagnostics', async () => {
    const child = fork(serverPath, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const diagnostics = new DiagnosticsLog();
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => diagnostics.push(p));
    conn.listen();
    try {
      const init = await initialize(conn);
      assert.ok(init.capabilities.hoverProvider);
      await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'irqd', version: 1, text: 'system s { cpu 4 }' } });
      const p = await diagnostics.waitFor((d) => d.uri === uri, 'ipc diagnostics');
      assert.deepEqual(p.diagnostics.map((d) => d.code), ['IRQD017', 'IRQD001']);
      await conn.sendRequest(ShutdownRequest.type);
      const done = exited(child);
      await conn.sendNotification(ExitNotification.type);
      assert.equal(await done, 0);
    } finally {
      conn.dispose();
      if (child.exitCode === null) child.kill();
    }
  });
});
