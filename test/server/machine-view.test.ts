// The irqd/machineState request through the real bundled server over stdio:
// its answer matches the trace and the state that analyze() and the
// simulator give in this process, at the start, middle and end of a sample
// scenario; bad params get an error response and the server keeps serving.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DidOpenTextDocumentNotification, ErrorCodes, ExecuteCommandRequest, ResponseError } from 'vscode-languageserver-protocol';
import { analyze } from '../../server/src/analysis/analysis.js';
import type { MachineState } from '../../server/src/features/machine-view-types.js';
import { stateAfter } from '../../server/src/sim/engine.js';
import { exited, initialize, startStdio, type Session } from '../support/lsp.js';

const root = join(__dirname, '..', '..', '..');
const TEXT = readFileSync(join(root, 'samples', 'quickstart.irqd'), 'utf8');
const uri = 'file:///view/quickstart.irqd';
const SCENARIO = 'first interrupts';

describe('irqd/machineState', () => {
  let s: Session;
  const analysis = analyze(TEXT, 0);
  const sc = analysis.model.scenarios.find((x) => x.name === SCENARIO);
  const trace = sc ? analysis.traces.get(sc) : undefined;

  before(async () => {
    s = startStdio();
    await initialize(s.conn);
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'irqd', version: 1, text: TEXT } });
    await s.diagnostics.waitFor((p) => p.uri === uri, 'quickstart opened');
  });

  after(async () => {
    s.child.kill();
    await exited(s.child);
  });

  const request = (params: unknown): Promise<MachineState> => s.conn.sendRequest('irqd/machineState', params);

  test('the sample has a trace to compare with', () => {
    assert.ok(sc && trace && trace.records.length > 4, 'quickstart has a simulated scenario');
  });

  for (const where of ['start', 'middle', 'end'] as const) {
    test(`matches the trace and the simulated state at the ${where}`, async () => {
      assert.ok(sc && trace);
      const n = trace.records.length;
      const k = where === 'start' ? 0 : where === 'middle' ? Math.floor(n / 2) : n;
      const m = await request({ textDocument: { uri }, scenario: SCENARIO, step: k });
      assert.equal(m.step, k);
      assert.equal(m.scenario, SCENARIO);
      // The timeline is the trace.
      assert.deepEqual(
        m.steps.map((e) => [e.ordinal, e.outcome, e.summary, e.line]),
        trace.records.map((r) => [r.ordinal, r.outcome, r.summary, analysis.lines.position(r.step.span.start).line]),
      );
      // The IRQs the step acted on, as the trace's record shows them after it.
      const record = k > 0 ? trace.records[k - 1] : undefined;
      assert.deepEqual(m.changed, [...new Set((record?.views ?? []).map((v) => String(v.virq)))]);
      for (const v of record?.views ?? []) {
        const row = m.irqs.find((r) => r.virq === v.virq);
        assert.ok(row, `IRQ ${v.virq} of step ${k} is in the table`);
        assert.equal(row.cpu, v.cpu);
        assert.equal(row.vector, v.vector);
        assert.equal(row.message, v.message);
        assert.deepEqual(row.levels.map((l) => l.kernelName), v.levels.map((l) => l.kernelName));
      }
      // The matrix and the table are the state after k steps.
      const state = stateAfter(sc, k);
      assert.ok(state);
      assert.equal(m.irqTotal, state.irqs.size);
      assert.equal(m.irqs.length, state.irqs.size);
      assert.deepEqual(m.matrix, { onlineMaps: state.matrix.onlineMaps, globalAvailable: state.matrix.globalAvailable, globalReserved: state.matrix.globalReserved, totalAllocated: state.matrix.totalAllocated });
      assert.equal(m.cpus.length, 4);
      m.cpus.forEach((c, cpu) => {
        const cm = state.matrix.cpus[cpu];
        assert.ok(cm);
        assert.deepEqual([c.avl, c.act, c.man, c.mac, c.online], [cm.available, cm.allocated, cm.managed, cm.managedAllocated, cm.online]);
        assert.equal(c.vectors.length, 256);
        // Every vector that delivers to a device IRQ is the vector of that IRQ's row.
        for (let i = 0; i < c.irqs.length; i += 2) {
          const vector = c.irqs[i] as number;
          const virq = c.irqs[i + 1] as number;
          if (virq < 16) {
            assert.equal(c.vectors[vector], 'l', `legacy vector 0x${vector.toString(16)}`);
            continue;
          }
          const row = m.irqs.find((r) => r.virq === virq);
          assert.ok(row && ((row.cpu === cpu && row.vector === vector) || row.pendingMove), `CPU ${cpu} vector 0x${vector.toString(16)} → IRQ ${virq}`);
          assert.match(c.vectors[vector] as string, /[ac]/);
        }
      });
      // What the sample's comments say: CPU 0 holds the 15 legacy ISA vectors 0x30–0x3f but 0x32 (the cascade); exceptions and system vectors.
      const cpu0 = m.cpus[0]?.vectors ?? '';
      assert.equal(cpu0.slice(0x30, 0x40), 'llslllllllllllll', '0x32, the PIC cascade, is a system vector');
      assert.equal(cpu0.slice(0, 0x20), 'r'.repeat(32));
      assert.equal(cpu0[0x20], 's', '0x20 is IRQ_MOVE_CLEANUP_VECTOR on 6.1');
      assert.equal(cpu0[0xff], 's');
      // After `alloc nvme0 64` the reserved IRQs point at the 0xEF placeholder on CPU 0.
      assert.equal(cpu0[0xef], k >= 1 ? 'p' : 's');
      // Hierarchy: the three domains and the device, with the chain as edges.
      const ids = m.hierarchy.nodes.map((x) => x.id).sort();
      assert.deepEqual(ids, ['device:box/nvme0', 'domain:box/INTEL-IR-0', 'domain:box/IR-PCI-MSI', 'domain:box/VECTOR']);
      assert.deepEqual(
        m.hierarchy.edges.map((e) => e.join(' → ')).sort(),
        ['device:box/nvme0 → domain:box/IR-PCI-MSI', 'domain:box/INTEL-IR-0 → domain:box/VECTOR', 'domain:box/IR-PCI-MSI → domain:box/INTEL-IR-0'],
      );
    });
  }

  test('without a step it answers the stepped position, else the end', async () => {
    assert.ok(trace);
    const m = await request({ textDocument: { uri }, scenario: 0 });
    assert.equal(m.step, trace.records.length);
  });

  test('a line names the scenario around it, and a line on a step the state after that step', async () => {
    assert.ok(trace);
    const r = trace.records[2];
    assert.ok(r);
    const line = analysis.lines.position(r.step.span.start).line;
    const m = await request({ textDocument: { uri }, scenario: { line } });
    assert.equal(m.scenario, SCENARIO);
    assert.equal(m.step, r.ordinal);
    assert.equal(m.line, analysis.lines.position(sc?.declSpan.start ?? 0).line);
    // The declaration line is in the scenario but on no step: the end (nothing is stepped).
    assert.equal((await request({ textDocument: { uri }, scenario: { line: m.line } })).step, trace.records.length);
  });

  test('the Step and Reset commands notify irqd/stepped with the new position', async () => {
    const seen: { uri: string; scenario: number; step: number }[] = [];
    const sub = s.conn.onNotification('irqd/stepped', (n: { uri: string; scenario: number; step: number }) => {
      seen.push(n);
    });
    await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'irqd.server.stepScenario', arguments: [uri, 0] });
    await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'irqd.server.stepScenario', arguments: [uri, 0] });
    assert.equal((await request({ textDocument: { uri }, scenario: 0 })).step, 2, 'without a step: the stepped position');
    await s.conn.sendRequest(ExecuteCommandRequest.type, { command: 'irqd.server.resetScenario', arguments: [uri, 0] });
    await new Promise((r) => setTimeout(r, 50));
    sub.dispose();
    assert.deepEqual(seen, [
      { uri, scenario: 0, step: 1 },
      { uri, scenario: 0, step: 2 },
      { uri, scenario: 0, step: trace?.records.length },
    ]);
  });

  test("a step in a guest block marks that guest's IRQs, which the table lists after the host's", async () => {
    const text = readFileSync(join(root, 'samples', 'siov-guests.irqd'), 'utf8');
    const guestUri = 'file:///view/siov-guests.irqd';
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: guestUri, languageId: 'irqd', version: 1, text } });
    await s.diagnostics.waitFor((p) => p.uri === guestUri, 'siov-guests opened');
    const a = analyze(text, 0);
    const gsc = a.model.scenarios.find((x) => x.name === 'case 2 and 3: VF and PASID sub-device in a HCALL guest');
    const gtrace = gsc ? a.traces.get(gsc) : undefined;
    assert.ok(gsc && gtrace);
    // Every step of this scenario is inside its one `guest vm1 { … }` block: take the first that acts on IRQs.
    assert.deepEqual(gsc.decl.steps.map((st) => st.kind), ['guest']);
    const k = gtrace.records.findIndex((r) => r.views.length > 0) + 1;
    assert.ok(k > 0, 'a step in vm1 acts on IRQs');
    const m = await request({ textDocument: { uri: guestUri }, scenario: gsc.name, step: k });
    const views = gtrace.records[k - 1]?.views ?? [];
    assert.deepEqual(m.changed, [...new Set(views.map((v) => `vm1:${v.virq}`))]);
    for (const v of views) {
      const row = m.irqs.find((r) => r.id === `vm1:${v.virq}`);
      assert.ok(row, `vm1's IRQ ${v.virq} is in the table`);
      assert.equal(row.guest, 'vm1');
      assert.equal(`${row.device}[${row.index}]`, v.label.replace(/ .*/, ''));
      assert.equal(row.vector, v.vector);
    }
    const state = stateAfter(gsc, k);
    assert.ok(state);
    const guestIrqs = [...state.guests.values()].reduce((n, g) => n + g.irqs.size, 0);
    assert.ok(guestIrqs > 0);
    assert.equal(m.irqTotal, state.irqs.size + guestIrqs);
    assert.equal(m.irqs.filter((r) => r.guest === undefined).length, state.irqs.size);
    assert.equal(new Set(m.irqs.map((r) => r.id)).size, m.irqs.length, 'row ids are unique');
  });

  test('bad params get an InvalidParams error and the server keeps serving', async () => {
    const bad: [unknown, RegExp][] = [
      [{ textDocument: { uri: 'file:///nowhere.irqd' }, scenario: 0 }, /not open/],
      [{ scenario: 0 }, /uri is missing/],
      [null, /uri is missing/],
      [{ textDocument: { uri }, scenario: 'no such' }, /no scenario "no such".*'first interrupts'/],
      [{ textDocument: { uri }, scenario: 7 }, /no scenario 7/],
      [{ textDocument: { uri }, scenario: SCENARIO, step: 9999 }, /step must be a whole number from 0 to \d+/],
      [{ textDocument: { uri }, scenario: SCENARIO, step: -1 }, /step must be/],
      [{ textDocument: { uri }, scenario: SCENARIO, step: 1.5 }, /step must be/],
      [{ textDocument: { uri }, scenario: SCENARIO, step: 'two' }, /step must be/],
    ];
    for (const [params, message] of bad) {
      await assert.rejects(request(params), (e: unknown) => {
        assert.ok(e instanceof ResponseError, `a ResponseError for ${JSON.stringify(params)}`);
        assert.equal(e.code, ErrorCodes.InvalidParams);
        assert.match(e.message, message);
        return true;
      });
    }
    const m = await request({ textDocument: { uri }, scenario: SCENARIO, step: 1 });
    assert.equal(m.step, 1);
    assert.equal(s.child.exitCode, null);
  });
});
