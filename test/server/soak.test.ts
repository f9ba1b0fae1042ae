// A long editing session against the real bundled server over stdio: 10,000
// random incremental didChange edits of a realistic document (the
// hot-unplug sample, with a second document that comes and goes), with
// hovers, completion, code lenses, semantic tokens, inlay hints, symbols and
// the Step/Reset/Run commands in between, requests for closed documents and
// past the end, malformed params and cancelled requests. At the end the last
// published diagnostics must be those of a fresh analysis of the final text,
// the server's resident memory must not have grown by 10% since warm-up, and
// it must shut down cleanly with nothing on stderr (docs/robustness.md).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CancellationTokenSource,
  CodeLensRefreshRequest,
  CodeLensRequest,
  CompletionRequest,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExecuteCommandRequest,
  ExitNotification,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  InlayHintRefreshRequest,
  InlayHintRequest,
  SemanticTokensRangeRequest,
  SemanticTokensRequest,
  ShutdownRequest,
  type Position,
  type Range,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze } from '../../server/src/analysis/analysis.js';
import { DiskUseResolver } from '../../server/src/analysis/files.js';
import { toLspDiagnostics } from '../../server/src/features/convert.js';
import { exited, startStdio, type Session } from '../support/lsp.js';
import { mulberry32 } from '../support/random.js';

const root = join(__dirname, '..', '..', '..');
const ORIGINAL = readFileSync(join(root, 'samples', 'hotunplug-exhaustion.irqd'), 'utf8');
const uri = 'file:///soak/hotunplug-exhaustion.irqd';
const otherUri = 'file:///soak/other.irqd';
const EDITS = 10000;
/** Edits before the server's memory is taken as the baseline: caches filled, V8's heap grown to its working size. */
const WARM_UP = 2000;
/** The server's irqd.maxProblems default, for a client without workspace/configuration. */
const MAX_PROBLEMS = 1000;

const rnd = mulberry32(10);
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

const STEP_LINES = ['  offline cpu 2\n', '  online cpu 2\n', '  request mlx0[5]\n', '  fire nvme0[1]\n', '  expect cpu 1 available 199\n', '  affinity eth0[1] 2\n', '  release mlx0[3]\n', '  alloc eth0 2\n', '  expect fail -ENOSPC offline cpu 3\n', '  expect nvme0[3] cpu 3\n'];
const TYPED = [...'abcdefghijklmnopqrstuvwxyz0123456789 -[],{}\n', 'nvme0', 'cpu ', 'expect ', '// ', '0x21'];

/** The server's resident memory, from /proc/PID/status. */
function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/**
 * RSS between two collections counts garbage, tens of MiB of it after a
 * heavy edit, and V8 gives the pages back only after a full collection. So
 * the bundled server runs with one addition, preloaded: SIGUSR2 makes it
 * collect its garbage (--expose-gc). Nothing else about it changes.
 */
const hookDir = mkdtempSync(join(tmpdir(), 'irqd-soak-'));
const GC_HOOK = join(hookDir, 'gc-on-sigusr2.js');
writeFileSync(GC_HOOK, "process.on('SIGUSR2', () => { if (global.gc) global.gc(); });\n");

function startServer(): Session {
  return startStdio(['--expose-gc', '--require', GC_HOOK]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The server's RSS after it has collected its garbage: the smallest of three collections. */
async function collectedRss(pid: number): Promise<number> {
  let low = Infinity;
  for (let k = 0; k < 3; k++) {
    process.kill(pid, 'SIGUSR2');
    await sleep(150);
    low = Math.min(low, rssOf(pid));
  }
  return low;
}

/** One random edit of the document, as an editor sends it: a range and the text replacing it. */
function randomChange(doc: TextDocument): TextDocumentContentChangeEvent {
  const text = doc.getText();
  const r = rnd();
  const at = int(0, text.length);
  const pos = doc.positionAt(at);
  const lineStart = { line: pos.line, character: 0 };
  const nextLine = { line: pos.line + 1, character: 0 };
  // A document that has wandered far is put back, as an undo or a revert would.
  if (text.length > 3 * ORIGINAL.length || text.length < ORIGINAL.length / 3 || r < 0.002) {
    return { range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) }, text: ORIGINAL };
  }
  if (r < 0.3) return { range: { start: pos, end: pos }, text: pick(TYPED) };
  if (r < 0.5) return { range: { start: pos, end: doc.positionAt(Math.min(text.length, at + int(1, 3))) }, text: '' };
  if (r < 0.65) {
    const digits = [...text.matchAll(/\d/g)];
    const d = digits.length ? pick(digits) : undefined;
    if (d?.index !== undefined) return { range: { start: doc.positionAt(d.index), end: doc.positionAt(d.index + 1) }, text: String(int(0, 9)) };
  }
  if (r < 0.75) return { range: { start: lineStart, end: lineStart }, text: pick(STEP_LINES) };
  if (r < 0.83) return { range: { start: lineStart, end: nextLine }, text: '' };
  if (r < 0.9) return { range: { start: lineStart, end: lineStart }, text: '// ' };
  const line = text.slice(doc.offsetAt(lineStart), doc.offsetAt(nextLine));
  return { range: { start: lineStart, end: lineStart }, text: line.repeat(int(1, 3)) };
}

function randomPosition(doc: TextDocument): Position {
  const r = rnd();
  if (r < 0.85) return doc.positionAt(int(0, doc.getText().length));
  if (r < 0.95) return { line: doc.lineCount + int(0, 50), character: int(0, 5) };
  return { line: int(0, doc.lineCount), character: int(200, 100000) };
}

function randomRange(doc: TextDocument): Range {
  const a = randomPosition(doc);
  const b = randomPosition(doc);
  return a.line < b.line || (a.line === b.line && a.character <= b.character) ? { start: a, end: b } : { start: b, end: a };
}

describe('soak: 10,000 edits through the bundled server', () => {
  let s: Session;
  let doc = TextDocument.create(uri, 'irqd', 1, ORIGINAL);
  const rss: { edit: number; bytes: number }[] = [];
  /** The server's memory on the original text, after warm-up and at the end (measure()). */
  const baseline: number[] = [];
  /** Its memory after a collection every 1,000 edits, on whatever the document then is (for the report). */
  const collected: number[] = [];
  const counts = { requests: 0, cancelled: 0, invalid: 0, commands: 0, closed: 0, refreshes: 0 };
  let seconds = 0;

  before(async () => {
    s = startServer();
    await s.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { codeLens: { refreshSupport: true }, inlayHint: { refreshSupport: true } }, textDocument: { rename: { prepareSupport: true } } },
      workspaceFolders: null,
    });
    s.conn.onRequest(CodeLensRefreshRequest.type, () => {
      counts.refreshes++;
    });
    s.conn.onRequest(InlayHintRefreshRequest.type, () => {
      counts.refreshes++;
    });
    await s.conn.sendNotification(InitializedNotification.type, {});
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'irqd', version: 1, text: ORIGINAL } });
  });

  after(() => {
    if (s.child.exitCode === null) s.child.kill();
    rmSync(hookDir, { recursive: true, force: true });
  });

  /** Requests as an editor makes them while typing: most answered, some cancelled, some malformed or for another document. */
  async function requests(): Promise<void> {
    const td = { uri };
    const r = rnd();
    counts.requests++;
    if (r < 0.15) await s.conn.sendRequest(HoverRequest.type, { textDocument: td, position: randomPosition(doc) });
    else if (r < 0.3) await s.conn.sendRequest(CompletionRequest.type, { textDocument: td, position: randomPosition(doc) });
    else if (r < 0.4) await s.conn.sendRequest(CodeLensRequest.type, { textDocument: td });
    else if (r < 0.5) await s.conn.sendRequest(SemanticTokensRequest.type, { textDocument: td });
    else if (r < 0.55) await s.conn.sendRequest(SemanticTokensRangeRequest.type, { textDocument: td, range: randomRange(doc) });
    else if (r < 0.65) await s.conn.sendRequest(InlayHintRequest.type, { textDocument: td, range: randomRange(doc) });
    else if (r < 0.72) await s.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: td });
    else if (r < 0.8) {
      counts.commands++;
      const command = pick(['irqd.server.stepScenario', 'irqd.server.stepScenario', 'irqd.server.resetScenario', 'irqd.server.runScenario']);
      await s.conn.sendRequest(ExecuteCommandRequest.type, { command, arguments: [uri, int(-1, 3)] });
    } else if (r < 0.86) {
      // Cancelled at once: the answer is the result or RequestCancelled (-32800), never anything else.
      counts.cancelled++;
      const source = new CancellationTokenSource();
      const p = s.conn.sendRequest(HoverRequest.type, { textDocument: td, position: randomPosition(doc) }, source.token);
      source.cancel();
      await p.catch((e: { code?: number }) => assert.equal(e.code, -32800));
    } else if (r < 0.93) {
      counts.invalid++;
      const bad = pick<[string, unknown]>([
        ['textDocument/hover', { position: { line: 0, character: 0 } }],
        ['textDocument/hover', { textDocument: td, position: { line: -1, character: 0 } }],
        ['textDocument/completion', { textDocument: td, position: { line: 0, character: -5 } }],
        ['textDocument/inlayHint', { textDocument: td, range: { start: { line: 0 } } }],
        ['textDocument/semanticTokens/range', { textDocument: td }],
        ['textDocument/codeLens', {}],
      ]);
      await assert.rejects(s.conn.sendRequest(bad[0], bad[1]), (e: { code?: number }) => e.code === -32602);
    } else {
      // A document that is not open (the second one comes and goes): an empty answer.
      counts.closed++;
      const h = await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: 'file:///soak/never-opened.irqd' }, position: { line: 0, character: 0 } });
      assert.equal(h, null);
      const c = await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'irqd.server.stepScenario', arguments: [otherUri, 0] });
      assert.ok(c === null || typeof c === 'object');
    }
  }

  let version = 1;

  /**
   * The server's resident memory holding the original text, collected: the
   * document is put back (what the server keeps depends on the document, so
   * only the same text compares), its diagnostics awaited, a round of
   * requests answered on it, and the garbage collected.
   */
  async function measure(): Promise<number> {
    version++;
    const change = { range: { start: { line: 0, character: 0 }, end: doc.positionAt(doc.getText().length) }, text: ORIGINAL };
    doc = TextDocument.update(doc, [change], version);
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [change] });
    const v = version;
    await s.diagnostics.waitFor((d) => d.uri === uri && d.version === v, `version ${v}`);
    for (let k = 0; k < 30; k++) {
      const position = doc.positionAt(Math.floor((k * ORIGINAL.length) / 30));
      if (k % 3 === 0) await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
      else if (k % 3 === 1) await s.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
      else await s.conn.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
    }
    return collectedRss(s.child.pid as number);
  }

  test('10,000 edits with requests in between; the last diagnostics are a fresh analysis of the final text', async () => {
    const started = performance.now();
    let otherOpen = false;
    for (let i = 0; i < EDITS; ) {
      if (i >= WARM_UP && baseline.length === 0) baseline.push(await measure());
      // A burst of keystrokes, then what the editor asks for after it.
      const burst = Math.min(EDITS - i, int(1, 12));
      for (let k = 0; k < burst; k++, i++) {
        const changes = [randomChange(doc)];
        // Now and then two changes in one notification, the second on the text after the first.
        if (rnd() < 0.02) changes.push(randomChange(TextDocument.update(TextDocument.create(uri, 'irqd', 0, doc.getText()), changes, 0)));
        version++;
        doc = TextDocument.update(doc, changes, version);
        void s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
        if (i % 10 === 0) rss.push({ edit: i, bytes: rssOf(s.child.pid as number) });
        if (i % 1000 === 0) collected.push(await collectedRss(s.child.pid as number));
      }
      await requests();
      if (rnd() < 0.01) {
        // The second document opens and closes now and then; requests for it after it closed answer nothing.
        if (otherOpen) await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: otherUri } });
        else await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: otherUri, languageId: 'irqd', version: 1, text: ORIGINAL.slice(0, int(0, ORIGINAL.length)) } });
        otherOpen = !otherOpen;
      }
    }
    const final = doc.getText();
    const published = await s.diagnostics.waitFor((d) => d.uri === uri && d.version === version, `version ${version}`);
    // The same text analysed afresh, in-process, with the server's options.
    const fresh = toLspDiagnostics(analyze(final, version, { maxProblems: MAX_PROBLEMS, file: uri, uses: new DiskUseResolver() }), uri);
    assert.deepEqual(published.diagnostics, fresh);
    // And opened as a new document in the same server.
    const copyUri = 'file:///soak/final-copy.irqd';
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: copyUri, languageId: 'irqd', version: 1, text: final } });
    const copy = await s.diagnostics.waitFor((d) => d.uri === copyUri && d.version === 1, 'the copy');
    const relocated = (ds: typeof copy.diagnostics): unknown => JSON.parse(JSON.stringify(ds).split(copyUri).join(uri));
    assert.deepEqual(relocated(copy.diagnostics), published.diagnostics);
    const symbols = await s.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
    const copySymbols = await s.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: copyUri } });
    assert.deepEqual(copySymbols, symbols);
    await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: copyUri } });
    if (otherOpen) await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: otherUri } });
    baseline.push(await measure());
    seconds = (performance.now() - started) / 1000;
  });

  test("the server's resident memory grew by less than 10% after warm-up", () => {
    const [warm, end] = baseline as [number, number];
    const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
    assert.ok(warm > 0 && Number.isFinite(warm) && end > 0 && Number.isFinite(end), 'VmRSS read from /proc');
    // What RSS did on the way, for the report: the highest sample, and the collected size every 1,000 edits (it depends on the document).
    const peak = Math.max(...rss.map((x) => x.bytes));
    const trajectory = collected.map(mib).join(' ');
    process.stdout.write(
      `# soak: ${EDITS} edits, ${counts.requests} requests (${counts.commands} commands, ${counts.cancelled} cancelled, ${counts.invalid} invalid, ${counts.closed} for closed documents), ${counts.refreshes} refreshes; RSS on the original text ${mib(warm)} MiB after ${WARM_UP} edits, ${mib(end)} MiB at the end; collected every 1,000 edits: ${trajectory} MiB; peak ${mib(peak)} MiB; ${seconds.toFixed(1)} s\n`,
    );
    assert.ok(end < warm * 1.1, `RSS on the original text: ${mib(warm)} MiB after warm-up, ${mib(end)} MiB at the end (+${(((end - warm) / warm) * 100).toFixed(1)}%)`);
  });

  test('shutdown and exit end the server cleanly, with nothing on stderr', async () => {
    await s.conn.sendRequest(ShutdownRequest.type);
    const done = exited(s.child);
    await s.conn.sendNotification(ExitNotification.type);
    assert.equal(await done, 0);
    assert.equal(s.stderr.join(''), '');
  });
});
