// Several files over the protocol: a what-if file that `use`s a machine file
// gets the machine's names (definition, references, rename across both),
// is analysed again when the machine changes — open in the editor or on
// disk — and reports a missing file and a cycle; and the server imports a
// machine snapshot for a client (irqd.server.importSnapshot).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExecuteCommandRequest,
  HoverRequest,
  type Hover,
  FileChangeType,
  ReferencesRequest,
  RenameRequest,
  type Location,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { initialize, startStdio, type Session } from '../support/lsp.js';

const dir = mkdtempSync(join(tmpdir(), 'irqd-files-'));
const boxPath = join(dir, 'box.irqd');
const boxUri = pathToFileURL(boxPath).href;
const whatifUri = pathToFileURL(join(dir, 'what-if.irqd')).href;
const loopUri = pathToFileURL(join(dir, 'loop-a.irqd')).href;

const BOX = `system box {
  cpus 4
  domain VECTOR vector
  domain MSI    pci-msi parent VECTOR
  device nvme0 pci 01:00.0 { msix 8 domain MSI }
}
scenario boot on box {
  alloc nvme0 4 managed
  request nvme0
}
`;

const WHATIF = `use "box.irqd"
scenario unplug after boot {
  offline cpu 3
  expect nvme0[3] cpu 3
}
`;

/** A diagnostic's message as text (LSP 3.18 allows markup). */
function text(m: string | { value: string } | undefined): string {
  return typeof m === 'string' ? m : (m?.value ?? '');
}

describe('several files over the protocol', () => {
  let s: Session;

  before(async () => {
    writeFileSync(boxPath, BOX);
    writeFileSync(join(dir, 'loop-b.irqd'), 'use "loop-a.irqd"\n');
    s = startStdio();
    await initialize(s.conn);
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: whatifUri, languageId: 'irqd', version: 1, text: WHATIF } });
  });

  after(() => {
    if (s.child.exitCode === null) s.child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a used file on disk gives its systems and scenarios', async () => {
    // migrate_one_irq() shuts nvme0[3] (mask {3}) down, so it has no vector: the expectation fails.
    const p = await s.diagnostics.waitFor((d) => d.uri === whatifUri && d.version === 1, 'version 1');
    assert.deepEqual(p.diagnostics.map((d) => d.code), ['IRQD034']);
    assert.match(text(p.diagnostics[0]?.message), /nvme0\[3\].*no vector yet \(managed, shut down\)/);
  });

  test('definition goes into the used file', async () => {
    const def = (await s.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri: whatifUri }, position: { line: 3, character: 10 } })) as Location;
    assert.equal(def.uri, boxUri);
    assert.deepEqual(def.range, { start: { line: 4, character: 9 }, end: { line: 4, character: 14 } });
    const sc = (await s.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri: whatifUri }, position: { line: 1, character: 24 } })) as Location;
    assert.equal(sc.uri, boxUri);
    assert.equal(sc.range.start.line, 6);
  });

  test('hover on a name from the used file describes it there', async () => {
    const h = (await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: whatifUri }, position: { line: 3, character: 10 } })) as Hover;
    const value = typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';
    assert.match(value, /\*\*device\*\* `nvme0` — PCI 01:00\.0, in system `box`/);
    const sys = (await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: whatifUri }, position: { line: 1, character: 24 } })) as Hover;
    const scText = typeof sys.contents === 'object' && 'value' in sys.contents ? sys.contents.value : '';
    assert.match(scText, /\*\*scenario\*\* `boot` on system `box`/);
  });

  test('references and rename reach both files', async () => {
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: boxUri, languageId: 'irqd', version: 1, text: BOX } });
    const refs = (await s.conn.sendRequest(ReferencesRequest.type, { textDocument: { uri: boxUri }, position: { line: 4, character: 10 }, context: { includeDeclaration: true } })) as Location[];
    const where = refs.map((r) => `${r.uri === boxUri ? 'box' : r.uri === whatifUri ? 'what-if' : r.uri}:${r.range.start.line}`).sort();
    assert.deepEqual(where, ['box:4', 'box:7', 'box:8', 'what-if:3']);
    const edit = (await s.conn.sendRequest(RenameRequest.type, { textDocument: { uri: whatifUri }, position: { line: 3, character: 10 }, newName: 'ssd0' })) as WorkspaceEdit;
    assert.deepEqual(Object.keys(edit.changes ?? {}).sort(), [boxUri, whatifUri].sort());
    assert.equal(edit.changes?.[boxUri]?.length, 3);
    assert.equal(edit.changes?.[whatifUri]?.length, 1);
  });

  test('an edit of the open used file analyses its users again', async () => {
    // CPU 3 can stay: the what-if now offlines a CPU the machine does not have.
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: boxUri, version: 2 },
      contentChanges: [{ range: { start: { line: 1, character: 7 }, end: { line: 1, character: 8 } }, text: '3' }],
    });
    const p = await s.diagnostics.waitFor((d) => d.uri === whatifUri && d.diagnostics.some((x) => x.code === 'IRQD026'), 'the what-if sees 3 CPUs');
    assert.match(text(p.diagnostics.find((x) => x.code === 'IRQD026')?.message), /CPUs 0-2; CPU 3 does not exist/);
  });

  test('closing the used file reads it from disk again; a change on disk is seen', async () => {
    await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: boxUri } });
    await s.diagnostics.waitFor((d) => d.uri === whatifUri && d.diagnostics.length === 1 && d.diagnostics[0]?.code === 'IRQD034', 'back to the disk copy');
    writeFileSync(boxPath, BOX.replace('cpus 4', 'cpus 2'));
    await s.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: boxUri, type: FileChangeType.Changed }] });
    await s.diagnostics.waitFor((d) => d.uri === whatifUri && d.diagnostics.some((x) => x.code === 'IRQD026' && /CPUs 0-1/.test(text(x.message))), 'the changed disk copy');
  });

  test('a missing file and a cycle are diagnostics on the use', async () => {
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: loopUri, languageId: 'irqd', version: 1, text: 'use "loop-b.irqd"\nuse "nowhere.irqd"\n' } });
    const p = await s.diagnostics.waitFor((d) => d.uri === loopUri, 'loop-a');
    assert.deepEqual(
      p.diagnostics.map((d) => text(d.message)),
      ["'loop-b.irqd' uses this file again: loop-a.irqd → loop-b.irqd → loop-a.irqd", "'nowhere.irqd' cannot be read: no such file"],
    );
  });

  test('irqd.server.importSnapshot writes a snapshot as .irqd text, or says why it cannot', async () => {
    const lab = join(process.cwd(), 'test', 'lab', 'B4-ir-traced', '01-boot');
    const r = (await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'irqd.server.importSnapshot', arguments: [lab, 'lab'] })) as { text: string; irqs: number };
    assert.match(r.text, /^system lab "Linux 6\.1\.192, 4 CPUs/m);
    assert.equal(r.irqs, 43);
    const bad = (await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'irqd.server.importSnapshot', arguments: [join(dir, 'nope')] })) as { problem: string };
    assert.match(bad.problem, /no such file or directory/);
    const none = (await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'irqd.server.importSnapshot', arguments: [] })) as { problem: string };
    assert.match(none.problem, /no snapshot given/);
  });
});
