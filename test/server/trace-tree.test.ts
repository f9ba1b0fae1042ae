// The irqd/trace request through the real bundled server over stdio: its
// steps are the trace analyze() makes of the same text in this process
// (lines, outcomes, summaries, events), a step's events come a page at a
// time, and bad params get an error response while the server keeps serving.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DidOpenTextDocumentNotification, ErrorCodes, ResponseError } from 'vscode-languageserver-protocol';
import { analyze } from '../../server/src/analysis/analysis.js';
import { FIRST_EVENTS, type TraceTree } from '../../server/src/features/trace-tree.js';
import { exited, initialize, startStdio, type Session } from '../support/lsp.js';

const root = join(__dirname, '..', '..', '..');
// The sample whose scenario allocates the most: its big step has more events than the first page.
const TEXT = readFileSync(join(root, 'samples', 'hotunplug-exhaustion.irqd'), 'utf8');
const uri = 'file:///trace/hotunplug-exhaustion.irqd';

describe('irqd/trace', () => {
  let s: Session;
  const analysis = analyze(TEXT, 0);
  const sc = analysis.model.scenarios[0];
  const trace = sc ? analysis.traces.get(sc) : undefined;

  before(async () => {
    s = startStdio();
    await initialize(s.conn);
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'irqd', version: 1, text: TEXT } });
    await s.diagnostics.waitFor((p) => p.uri === uri, 'the sample opened');
  });

  after(async () => {
    s.child.kill();
    await exited(s.child);
  });

  const request = (params: unknown): Promise<TraceTree> => s.conn.sendRequest('irqd/trace', params);

  test('the steps are the trace: lines, outcomes, summaries and the first events', async () => {
    assert.ok(sc && trace && trace.records.length > 2, 'the sample has a simulated scenario');
    const t = await request({ textDocument: { uri }, scenario: sc.name });
    assert.equal(t.scenario, sc.name);
    assert.equal(t.passed, trace.passed);
    assert.deepEqual(
      t.steps.map((x) => [x.ordinal, x.range.start.line, x.outcome, x.summary, x.eventsTotal, x.notKept]),
      trace.records.map((r) => [r.ordinal, analysis.lines.position(r.step.span.start).line, r.outcome, r.summary, r.events.length, r.moreEvents]),
    );
    for (const [i, x] of t.steps.entries()) {
      const r = trace.records.at(i);
      assert.ok(r !== undefined);
      assert.deepEqual(x.events.map((e) => [e.fn, e.text, e.warning === true]), r.events.slice(0, FIRST_EVENTS).map((e) => [e.fn, e.text, e.warning === true]));
    }
    // The same scenario by a line inside it (the cursor) and by its index.
    const line = analysis.lines.position(sc.declSpan.start).line + 1;
    assert.deepEqual(await request({ textDocument: { uri }, scenario: { line } }), t);
    assert.deepEqual(await request({ textDocument: { uri }, scenario: 0 }), t);
  });

  test("a cut step's events come a page at a time, and together they are the trace's", async () => {
    assert.ok(sc && trace);
    const big = trace.records.reduce((a, r) => (r.events.length > a.events.length ? r : a));
    assert.ok(big.events.length > FIRST_EVENTS, `a step with more than ${FIRST_EVENTS} events (the biggest has ${big.events.length})`);
    const got: { fn: string; text: string }[] = [];
    for (let from = 0; ; from += 5) {
      const page = await request({ textDocument: { uri }, scenario: sc.name, step: big.ordinal, from, count: 5 });
      assert.equal(page.steps.length, 1);
      const st = page.steps[0];
      assert.ok(st);
      assert.equal(st.eventsFrom, from);
      assert.ok(st.events.length <= 5);
      got.push(...st.events);
      if (from + 5 >= st.eventsTotal) break;
    }
    assert.deepEqual(got.map((e) => [e.fn, e.text]), big.events.map((e) => [e.fn, e.text]));
  });

  test('bad params are error responses, and the server keeps answering', async () => {
    assert.ok(sc);
    const bad: [unknown, RegExp][] = [
      [{}, /textDocument\.uri is missing/],
      [{ textDocument: { uri: 'file:///nope.irqd' }, scenario: 0 }, /is not open/],
      [{ textDocument: { uri }, scenario: 'nope' }, /no scenario "nope"/],
      [{ textDocument: { uri }, scenario: sc.name, step: 9999 }, /has no step 9999/],
      [{ textDocument: { uri }, scenario: sc.name, step: 1, from: -1 }, /'from' must be a non-negative integer/],
      [{ textDocument: { uri }, scenario: sc.name, step: 1, count: 'all' }, /'count' must be a non-negative integer/],
      [null, /textDocument\.uri is missing/],
    ];
    for (const [params, message] of bad) {
      await assert.rejects(request(params), (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.InvalidParams && message.test(e.message));
    }
    assert.equal((await request({ textDocument: { uri }, scenario: sc.name })).scenario, sc.name);
  });
});
