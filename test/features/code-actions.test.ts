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
    await s.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { workspaceEdit: { documentChanges: true } }, textDocument: { codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'source'] } } } } },
      workspaceFolders: null,
    });
    await s.conn.sendNotification(InitializedNotification.type, {});
  });

  after(() => {
    if (s.child.exitCode === null) s.child.kill();
  });

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
      const now = await change(uri, result);
      for (const d of chosen.diagnostics ?? []) assert.ok(!now.some((n) => same(n, d)), `still reported after '${f.title}': ${d.code} ${d.message}`);
      for (const code of f.gone) assert.deepEqual(now.filter((n) => n.code === code).map((n) => n.message), [], `${code} after '${f.title}'`);
      await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    });
  }
});
