// Code actions through the real bundled server over stdio, from fixtures.
//
// Each file of test/features/code-actions/ is one fixture:
//
//     // action: Change 'nvme1' to 'nvme0'
//     // then: no IRQD034                 (optional: codes that must be gone from the whole result)
//     …the text before…
//       request nvme1[0]
//     //        ^^^^^ here                (carets under the line above: the range the action is asked for)
//     // after:
//     …the text after…
//
// The document sent is everything above `// after:`; the text expected after
// applying the action with exactly that title is the header lines (`// action:`,
// `// then:`) followed by everything below `// after:`. The result is then
// analysed again by the server: the diagnostics the action says it fixes,
// and the codes `then:` names, must be gone. fixtures.test.ts skips this
// folder (its files hold two versions of a text).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CodeActionRequest,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InitializeRequest,
  InitializedNotification,
  type CodeAction,
  type Diagnostic,
  type Range,
  type TextEdit,
} from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { catalog } from '../../server/src/model/catalog.js';
import { startStdio, type Session } from '../support/lsp.js';

const dir = join(__dirname, '..', '..', '..', 'test', 'features', 'code-actions');

interface Fixture {
  readonly name: string;
  readonly title: string;
  readonly gone: readonly string[];
  readonly before: string;
  readonly after: string;
  readonly range: Range;
}

function readFixture(name: string): Fixture {
  const text = readFileSync(join(dir, name), 'utf8');
  const lines = text.split('\n');
  const cut = lines.indexOf('// after:');
  assert.ok(cut > 0, `${name}: no '// after:' line`);
  const header = lines.filter((l, i) => i < cut && /^\/\/ (action|then):/.test(l));
  const title = /^\/\/ action: (.*)$/.exec(header[0] ?? '')?.[1];
  assert.ok(title, `${name}: the first line must be '// action: TITLE'`);
  const gone = (/^\/\/ then: no (.*)$/.exec(header.find((l) => l.startsWith('// then:')) ?? '')?.[1] ?? '').split(/\s+/).filter(Boolean);
  const caretLine = lines.findIndex((l, i) => i < cut && /^\s*\/\/\s*\^+ here\s*$/.test(l));
  assert.ok(caretLine > 0, `${name}: no '//   ^^^ here' line`);
  const caret = /^(\s*\/\/\s*)(\^+)/.exec(lines[caretLine] as string) as RegExpExecArray;
  const start = (caret[1] as string).length;
  const range = { start: { line: caretLine - 1, character: start }, end: { line: caretLine - 1, character: start + (caret[2] as string).length } };
  return { name, title, gone, before: lines.slice(0, cut).join('\n') + '\n', after: [...header, ...lines.slice(cut + 1)].join('\n'), range };
}

function editsOf(action: CodeAction, uri: string, version: number): TextEdit[] {
  const change = action.edit?.documentChanges?.[0];
  assert.ok(change && 'textDocument' in change, `'${action.title}' has no versioned text edit`);
  assert.equal(change.textDocument.uri, uri);
  assert.equal(change.textDocument.version, version, 'the edit names the version it was computed for');
  return change.edits.filter((e): e is TextEdit => 'newText' in e);
}

const same = (x: Diagnostic, y: Diagnostic): boolean => x.code === y.code && x.message === y.message;

describe('code actions over stdio', () => {
  let s: Session;
  let version = 0;

  before(async () => {
    s = startStdio();
    const init = await s.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { workspaceEdit: { documentChanges: true } }, textDocument: { codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'source'] } } } } },
      workspaceFolders: null,
    });
    assert.deepEqual(init.capabilities.codeActionProvider, { codeActionKinds: ['quickfix', 'source.fixAll.irqd', 'refactor.rewrite'] });
    await s.conn.sendNotification(InitializedNotification.type, {});
  });

  after(() => {
    if (s.child.exitCode === null) s.child.kill();
  });

  /** The codes the fixtures' actions fixed: every code whose catalog entry names fixes must be among them. */
  const fixedCodes = new Set<string>();

  async function open(uri: string, text: string): Promise<Diagnostic[]> {
    const v = ++version;
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'irqd', version: v, text } });
    return (await s.diagnostics.waitFor((d) => d.uri === uri && d.version === v, `${uri} v${v}`)).diagnostics;
  }

  async function change(uri: string, text: string): Promise<Diagnostic[]> {
    const v = ++version;
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ text }] });
    return (await s.diagnostics.waitFor((d) => d.uri === uri && d.version === v, `${uri} v${v}`)).diagnostics;
  }

  function actions(uri: string, range: Range, diagnostics: Diagnostic[] = [], only?: string[]): Promise<CodeAction[]> {
    return s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics, ...(only ? { only } : {}) } }) as Promise<CodeAction[]>;
  }

  const files = readdirSync(dir).filter((f) => f.endsWith('.irqd')).sort();
  test('there are fixtures', () => assert.ok(files.length >= 8, `only ${files.length} fixtures in ${dir}`));

  for (const file of files) {
    test(`fixture ${file}`, async () => {
      const f = readFixture(file);
      const uri = `file:///work/code-actions/${file}`;
      const published = await open(uri, f.before);
      const opened = version;
      const all = await actions(uri, f.range, published);
      const chosen = all.find((x) => x.title === f.title);
      assert.ok(chosen, `no action '${f.title}' at ${JSON.stringify(f.range)}; offered: ${all.map((x) => `'${x.title}'`).join(', ') || 'none'}`);
      const doc = TextDocument.create(uri, 'irqd', opened, f.before);
      const result = TextDocument.applyEdits(doc, editsOf(chosen, uri, opened));
      assert.equal(result, f.after);
      // The server analyses the result: what the action fixed is gone.
      for (const d of chosen.diagnostics ?? []) fixedCodes.add(String(d.code));
      const now = await change(uri, result);
      for (const d of chosen.diagnostics ?? []) assert.ok(!now.some((n) => same(n, d)), `still reported after '${f.title}': ${d.code} ${d.message}`);
      for (const code of f.gone) assert.deepEqual(now.filter((n) => n.code === code).map((n) => n.message), [], `${code} after '${f.title}'`);
      await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    });
  }

  test('every code whose catalog entry lists quick fixes has a fixture that fixes it', () => {
    const listed = catalog.filter((e) => e.fixes !== undefined).map((e) => e.code);
    assert.deepEqual(listed.filter((c) => !fixedCodes.has(c)), []);
  });
});

const SYSTEM = `system host {
  cpus 4
  domain VECTOR vector
  domain IR0 intel-ir parent VECTOR
  domain PCI-MSI pci-msi parent IR0
  device nvme0 pci 01:00.0 { msix 16 domain PCI-MSI }
}
`;

describe('code actions: documents, ranges and clients', () => {
  let s: Session;
  let version = 0;

  before(async () => {
    s = startStdio();
    // A client without documentChanges: the edits come as plain `changes`.
    await s.conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
    await s.conn.sendNotification(InitializedNotification.type, {});
  });

  after(() => {
    if (s.child.exitCode === null) s.child.kill();
  });

  async function publish(uri: string, text: string, first: boolean): Promise<number> {
    const v = ++version;
    if (first) await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'irqd', version: v, text } });
    else await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ text }] });
    await s.diagnostics.waitFor((d) => d.uri === uri && d.version === v, `${uri} v${v}`);
    return v;
  }

  function actions(uri: string, range: Range, only?: string[]): Promise<CodeAction[] | null> {
    return s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics: [], ...(only ? { only } : {}) } }) as Promise<CodeAction[] | null>;
  }

  const at = (line: number, character: number, length = 0): Range => ({ start: { line, character }, end: { line, character: character + length } });

  test('a document that is not open has no actions', async () => {
    assert.deepEqual(await actions('file:///work/code-actions/never-opened.irqd', at(0, 0)), []);
    const uri = 'file:///work/code-actions/closed.irqd';
    await publish(uri, `${SYSTEM}scenario s on host {\n  alloc nvme1 16\n}\n`, true);
    assert.ok(((await actions(uri, at(8, 8, 5))) ?? []).length > 0, 'the open document has its did-you-mean');
    await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    assert.deepEqual(await actions(uri, at(8, 8, 5)), []);
  });

  test('a range past the end of the text, or backwards, gives no error', async () => {
    const uri = 'file:///work/code-actions/past-end.irqd';
    await publish(uri, `${SYSTEM}scenario s on host {\n  alloc nvme0 16\n}\n`, true);
    assert.deepEqual(await actions(uri, { start: { line: 500, character: 3 }, end: { line: 900, character: 0 } }), []);
    assert.deepEqual(await actions(uri, { start: { line: 9, character: 0 }, end: { line: 2, character: 0 } }), []);
    await assert.rejects(s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: { line: -1, character: 0 } }, context: { diagnostics: [] } } as never));
  });

  test('a broken file still gets its fixes, and the server keeps serving', async () => {
    const uri = 'file:///work/code-actions/broken.irqd';
    await publish(uri, `${SYSTEM}scenario s on host {\n  alloc nvme1 16\n  request nvme0[0-\n  }}} ## expect\n`, true);
    const got = (await actions(uri, at(8, 8, 5))) ?? [];
    assert.ok(got.some((x) => x.title === "Change 'nvme1' to 'nvme0'"), got.map((x) => x.title).join(', '));
    for (let line = 0; line < 13; line++) assert.ok(Array.isArray(await actions(uri, at(line, 0, 40))));
  });

  test("'only' filters by kind: the file's fix-all for source.fixAll, no refactoring for quickfix", async () => {
    const uri = 'file:///work/code-actions/only.irqd';
    await publish(uri, `${SYSTEM}scenario s on host {\n  alloc nvme1 16\n  request nvme0[0-3]\n  fire nvme9[0]\n}\n`, true);
    const fixAll = (await actions(uri, at(0, 0), ['source.fixAll'])) ?? [];
    assert.deepEqual(fixAll.map((x) => [x.title, x.kind]), [["Fix all unambiguous 'did you mean' names in the file", 'source.fixAll.irqd']]);
    const edits = fixAll[0]?.edit?.changes?.[uri] ?? [];
    assert.deepEqual(edits.map((e) => [e.range.start.line, e.newText]), [[8, 'nvme0'], [10, 'nvme0']]);
    const quick = (await actions(uri, at(9, 2), ['quickfix'])) ?? [];
    assert.ok(quick.every((x) => x.kind === 'quickfix'));
    const refactor = (await actions(uri, at(9, 2), ['refactor'])) ?? [];
    assert.deepEqual(refactor.map((x) => x.title), []);
  });

  test('no update where no one value holds, and no scenario-wide update that would leave the scenario failing', async () => {
    const uri = 'file:///work/code-actions/no-update.irqd';
    // nvme0[0-2] land on vector 0x21 of CPUs 1-3, nvme0[3] on 0x22: no single vector holds for the four.
    await publish(uri, `${SYSTEM}scenario s on host {\n  alloc nvme0 16\n  request nvme0[0-3]\n  expect nvme0[0-3] vector 0x30\n}\n`, true);
    const titles = ((await actions(uri, at(10, 9))) ?? []).map((x) => x.title);
    assert.deepEqual(titles.filter((t) => t.startsWith('Update')), []);
    // A failing step that is not an expectation: updating the expectation before it cannot make the scenario pass.
    await publish(uri, `${SYSTEM}scenario s on host {\n  alloc nvme0 16\n  request nvme0[0]\n  expect nvme0[0] cpu 3\n  request nvme0[0]\n}\n`, false);
    const after = ((await actions(uri, at(10, 9))) ?? []).map((x) => x.title);
    assert.deepEqual(after.filter((t) => t.startsWith('Update')), ["Update the expectation to the simulated value: '1' (was '3')"]);
  });

  test("an expectation's simulated value follows its line when a reused trace moves (an edit above, spaces inside)", async () => {
    const uri = 'file:///work/code-actions/moved.irqd';
    const scenario = `scenario s on host {\n  alloc nvme0 16\n  request nvme0[0-1]\n  expect nvme0[1] cpu 0\n}\n`;
    await publish(uri, SYSTEM + scenario, true);
    const update = async (line: number, character: number): Promise<TextEdit[]> => {
      const got = (await actions(uri, at(line, character))) ?? [];
      const fix = got.find((x) => x.title.startsWith('Update the expectation'));
      assert.ok(fix, got.map((x) => x.title).join(', '));
      return fix.edit?.changes?.[uri] ?? [];
    };
    assert.deepEqual(await update(10, 9), [{ range: at(10, 22, 1), newText: '2' }]);
    // Two lines above the scenario: its trace is shifted, not simulated again (reuse.ts).
    await publish(uri, `// a comment\n\n${SYSTEM}${scenario}`, false);
    assert.deepEqual(await update(12, 9), [{ range: at(12, 22, 1), newText: '2' }]);
    // Spaces inside the scenario: the trace is moved token by token.
    await publish(uri, `// a comment\n\n${SYSTEM}${scenario.replace('expect nvme0[1] cpu 0', 'expect   nvme0[1]    cpu  0')}`, false);
    assert.deepEqual(await update(12, 9), [{ range: at(12, 28, 1), newText: '2' }]);
  });
});
