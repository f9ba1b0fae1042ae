// The irqd/scenarios request (docs/lsp-extensions.md) through the real
// bundled server over stdio, on test/sim/expectations.irqd: an open document,
// a file read from disk, text sent with the request, and bad params. Also
// how the steps a kernel failure leaves unrun are published (hints, faded).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { DiagnosticSeverity, DiagnosticTag, DidOpenTextDocumentNotification, ExitNotification, ShutdownRequest } from 'vscode-languageserver-protocol';
import type { ScenarioInfo, ScenariosResult } from '../../server/src/features/scenarios.js';
import { exited, initialize, startStdio, type Session } from '../support/lsp.js';

const root = join(__dirname, '..', '..', '..');
const fixture = join(root, 'test', 'sim', 'expectations.irqd');
const fixtureUri = pathToFileURL(fixture).href;
const TEXT = readFileSync(fixture, 'utf8');
const openUri = 'file:///work/open/expectations.irqd';

interface Status {
  uri: string;
  state: string;
  errors?: number;
  warnings?: number;
  infos?: number;
}

function byName(r: ScenariosResult, name: string): ScenarioInfo {
  const sc = r.scenarios.find((s) => s.name === name);
  assert.ok(sc, `no scenario '${name}' in ${r.scenarios.map((s) => s.name).join(', ')}`);
  return sc;
}

/** The line (1-based, as in the file) a range starts on. */
const lineOf = (r: { start: { line: number } }): number => r.start.line + 1;
const lineOfText = (text: string): number => TEXT.split('\n').findIndex((l) => l === text) + 1;

/** What every answer about this fixture must say, wherever its text came from. */
function checkFixtureResult(r: ScenariosResult): void {
  assert.equal(r.problem, undefined);
  assert.deepEqual(
    r.scenarios.map((s) => [s.name, s.status]),
    [
      ['two false expectations, every step runs', 'failed'],
      ['continues one whose only failures are expectations', 'passed'],
      ['expect fail: a step that succeeds stands', 'failed'],
      ['expect fail: another errno, the scenario goes on', 'failed'],
      ['expect on an IRQ that does not exist goes on', 'failed'],
      ['a failing kernel step still stops', 'failed'],
    ],
  );
  const two = byName(r, 'two false expectations, every step runs');
  assert.equal(lineOf(two.range), lineOfText('scenario "two false expectations, every step runs" on box {'));
  assert.equal(two.selectionRange.start.character, 'scenario '.length);
  assert.equal(two.system, 'box');
  assert.equal(two.steps, 8);
  assert.equal(two.reason, 'fails: 3 expectations not met (8 steps)');
  assert.deepEqual(
    two.failures.map((f) => ({ kind: f.kind, step: f.step, line: lineOf(f.range), code: f.code, expected: f.expected, actual: f.actual })),
    [
      { kind: 'expectation', step: 3, line: lineOfText('  expect nvme0[0] cpu 0'), code: 'IRQD034', expected: 'on CPU 0', actual: 'on CPU 1' },
      { kind: 'expectation', step: 5, line: lineOfText('  expect nvme0[1] vector 0x99'), code: 'IRQD034', expected: 'vector 0x99', actual: 'vector 0x22 on CPU 1' },
      { kind: 'expectation', step: 8, line: lineOfText('  expect nvme0[0] lost'), code: 'IRQD034', expected: 'lost', actual: 'not fired' },
    ],
  );
  assert.equal(two.failures[0]?.message, 'nvme0[0] (IRQ 16) is on CPU 1, not on 0');
  const other = byName(r, 'expect fail: another errno, the scenario goes on');
  assert.deepEqual(other.failures.map((f) => [f.code, f.expected, f.actual]), [['IRQD035', 'fails with -EINVAL', 'fails with -EIO']]);
  const stops = byName(r, 'a failing kernel step still stops');
  assert.equal(stops.reason, 'fails at step 4 of 6 (-EBUSY); 1 expectation not met');
  assert.deepEqual(
    stops.failures.map((f) => [f.kind, f.step, f.code, f.expected !== undefined]),
    [
      ['expectation', 3, 'IRQD034', true],
      ['step', 4, 'IRQD032', false],
    ],
  );
}

describe('irqd/scenarios over stdio', () => {
  let s: Session;
  const statuses: Status[] = [];

  before(async () => {
    s = startStdio();
    s.conn.onNotification('irqd/status', (p: Status) => {
      statuses.push(p);
    });
    await initialize(s.conn);
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: openUri, languageId: 'irqd', version: 1, text: TEXT } });
  });

  after(async () => {
    await s.conn.sendRequest(ShutdownRequest.type);
    await s.conn.sendNotification(ExitNotification.type);
    assert.equal(await exited(s.child), 0);
    assert.equal(s.stderr.join(''), '');
  });

  test('an open document: every scenario, its result and each failure with expected and actual', async () => {
    checkFixtureResult(await s.conn.sendRequest<ScenariosResult>('irqd/scenarios', { uri: openUri, run: true }));
  });

  test('steps after a kernel failure are hints tagged Unnecessary, not problems; the status counts the problems', async () => {
    const published = await s.diagnostics.waitFor((p) => p.uri === openUri && p.diagnostics.length > 0, 'the open fixture');
    const notRun = published.diagnostics.filter((d) => d.code === 'IRQD036');
    assert.equal(notRun.length, 2);
    for (const d of notRun) {
      assert.equal(d.severity, DiagnosticSeverity.Hint);
      assert.deepEqual(d.tags, [DiagnosticTag.Unnecessary]);
    }
    const problems = published.diagnostics.filter((d) => d.severity !== DiagnosticSeverity.Hint);
    // The status follows the diagnostics it counts.
    for (let i = 0; i < 100 && !statuses.some((p) => p.uri === openUri && p.state === 'ready'); i++) await new Promise((r) => setTimeout(r, 20));
    const ready = statuses.find((p) => p.uri === openUri && p.state === 'ready');
    assert.ok(ready, 'no ready status');
    assert.equal((ready.errors ?? 0) + (ready.warnings ?? 0) + (ready.infos ?? 0), problems.length);
    assert.equal(ready.errors, 9);
  });

  test('a file that is not open is read from disk; text sent with the request is analysed as is', async () => {
    checkFixtureResult(await s.conn.sendRequest<ScenariosResult>('irqd/scenarios', { uri: fixtureUri, run: true }));
    const sent = await s.conn.sendRequest<ScenariosResult>('irqd/scenarios', { uri: 'file:///nowhere/a.irqd', text: TEXT, run: true });
    checkFixtureResult(sent);
    // Without `run` the answer lists the scenarios without simulating them.
    const listed = await s.conn.sendRequest<ScenariosResult>('irqd/scenarios', { uri: fixtureUri });
    assert.deepEqual(listed.scenarios.map((sc) => sc.name), sent.scenarios.map((sc) => sc.name));
    assert.ok(listed.scenarios.every((sc) => sc.status === 'pending' && sc.failures.length === 0));
  });

  test('a file that cannot be read says why; bad params are -32602', async () => {
    const missing = await s.conn.sendRequest<ScenariosResult>('irqd/scenarios', { uri: pathToFileURL(join(root, 'no-such-file.irqd')).href });
    assert.deepEqual(missing.scenarios, []);
    assert.match(missing.problem ?? '', /no such file/);
    const dir = await s.conn.sendRequest<ScenariosResult>('irqd/scenarios', { uri: pathToFileURL(root).href });
    assert.match(dir.problem ?? '', /is a directory/);
    await assert.rejects(s.conn.sendRequest('irqd/scenarios', { uri: 42 }), (e: { code?: number; message?: string }) => e.code === -32602 && /uri must be a string/.test(e.message ?? ''));
    await assert.rejects(s.conn.sendRequest('irqd/scenarios', { uri: openUri, run: 'yes' }), (e: { code?: number }) => e.code === -32602);
  });
});
