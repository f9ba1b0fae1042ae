// Formatting through the real bundled server over stdio: the capabilities,
// textDocument/formatting (with the client's indent unit), rangeFormatting,
// onTypeFormatting for '}', a document that is not open, broken parameters,
// and a clean shutdown with nothing on stderr.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentFormattingRequest,
  DocumentOnTypeFormattingRequest,
  DocumentRangeFormattingRequest,
  ExitNotification,
  ShutdownRequest,
  type InitializeResult,
  type TextEdit,
} from 'vscode-languageserver-protocol';
import { applyTextEdits } from '../support/edits.js';
import { exited, initialize, startStdio, type Session } from '../support/lsp.js';

const uri = 'file:///work/format.irqd';

const TEXT = `system host {
      cpus 4
   domain VECTOR     vector
   domain IR0 intel-ir parent VECTOR
  device nvme0 pci 01:00.0 {   msix 16   domain IR0 }
}
scenario boot on host {
alloc nvme0 16   // sixteen
    request nvme0[0-3]
`;

describe('formatting over stdio', () => {
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

  test('announces document, range and on-type formatting for }', () => {
    const c = init.capabilities;
    assert.equal(c.documentFormattingProvider, true);
    assert.equal(c.documentRangeFormattingProvider, true);
    assert.deepEqual(c.documentOnTypeFormattingProvider, { firstTriggerCharacter: '}' });
  });

  test('formats the document with small whitespace edits, in the indent unit the client asks for', async () => {
    const edits = await s.conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    assert.ok(edits && edits.length > 3);
    for (const e of edits) assert.match(e.newText, /^[ \n]*$/);
    assert.equal(
      applyTextEdits(TEXT, edits),
      `system host {
  cpus 4
  domain VECTOR vector
  domain IR0 intel-ir parent VECTOR
  device nvme0 pci 01:00.0 { msix 16 domain IR0 }
}
scenario boot on host {
  alloc nvme0 16   // sixteen
  request nvme0[0-3]
`,
    );
    const four = await s.conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } });
    assert.match(applyTextEdits(TEXT, four ?? []), /^ {4}cpus 4$/m);
    const tabs = await s.conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 4, insertSpaces: false } });
    assert.match(applyTextEdits(TEXT, tabs ?? []), /^\trequest nvme0\[0-3\]$/m);
  });

  test('formats only the lines of a range', async () => {
    const edits = await s.conn.sendRequest(DocumentRangeFormattingRequest.type, {
      textDocument: { uri },
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 3 } },
      options: { tabSize: 2, insertSpaces: true },
    });
    // The smallest edit: four of the six spaces go.
    assert.deepEqual(edits, [{ range: { start: { line: 1, character: 2 }, end: { line: 1, character: 6 } }, newText: '' }]);
  });

  test('on typing } re-indents the block it closes', async () => {
    const typed = TEXT + '}';
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: typed }] });
    const edits = await s.conn.sendRequest(DocumentOnTypeFormattingRequest.type, {
      textDocument: { uri },
      position: { line: 9, character: 1 },
      ch: '}',
      options: { tabSize: 2, insertSpaces: true },
    });
    const out = applyTextEdits(typed, edits ?? []);
    assert.match(out, /^scenario boot on host \{\n {2}alloc nvme0 16 {3}\/\/ sixteen\n {2}request nvme0\[0-3\]\n\}\n$/m);
    // The system block above was not part of it.
    assert.match(out, /^ {6}cpus 4$/m);
    const inComment = await s.conn.sendRequest(DocumentOnTypeFormattingRequest.type, {
      textDocument: { uri },
      position: { line: 7, character: 20 },
      ch: '}',
      options: { tabSize: 2, insertSpaces: true },
    });
    assert.deepEqual(inComment, []);
  });

  test('a document that is not open, or one that was closed, gets no edits; broken parameters get InvalidParams', async () => {
    const other = 'file:///work/never-opened.irqd';
    assert.deepEqual(await s.conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri: other }, options: { tabSize: 2, insertSpaces: true } }), []);
    await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    assert.deepEqual(await s.conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } }), []);
    assert.deepEqual(
      await s.conn.sendRequest(DocumentRangeFormattingRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } }, options: { tabSize: 2, insertSpaces: true } }),
      [],
    );
    assert.deepEqual(await s.conn.sendRequest(DocumentOnTypeFormattingRequest.type, { textDocument: { uri }, position: { line: 0, character: 0 }, ch: '}', options: { tabSize: 2, insertSpaces: true } }), []);
    await assert.rejects(s.conn.sendRequest('textDocument/rangeFormatting', { textDocument: { uri }, range: 'everything' }), /invalid params: range/);
    await assert.rejects(s.conn.sendRequest('textDocument/onTypeFormatting', { textDocument: { uri }, ch: '}' }), /invalid params: position/);
    // Options that are not options fall back to two spaces.
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: other, languageId: 'irqd', version: 1, text: 'system x {\ncpus 2\n}' } });
    const edits = await s.conn.sendRequest('textDocument/formatting', { textDocument: { uri: other }, options: 'none' });
    assert.equal(applyTextEdits('system x {\ncpus 2\n}', edits as TextEdit[]), 'system x {\n  cpus 2\n}\n');
  });

  test('shuts down cleanly with nothing on stderr', async () => {
    await s.conn.sendRequest(ShutdownRequest.type);
    const done = exited(s.child);
    await s.conn.sendNotification(ExitNotification.type);
    assert.equal(await done, 0);
    assert.equal(s.stderr.join(''), '');
  });
});
