// The debug adapter as VS Code drives it: the bundled dist/debug-adapter.js
// in a child process, spoken to over stdio by @vscode/debugadapter-testsupport's
// DebugClient. What a stop shows is compared with analyze()'s own trace of
// the same file, not with numbers written here.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { analyze } from '../../server/src/analysis/analysis.js';
import type { IrqView } from '../../server/src/sim/views.js';

const root = join(__dirname, '..', '..', '..');
const adapter = join(root, 'dist', 'debug-adapter.js');
const dir = mkdtempSync(join(tmpdir(), 'irqd-dap-'));
// Not a .irqd: test/fixtures.test.ts would read it as an annotated fixture, and its failing scenarios are meant to fail.
const text = readFileSync(join(root, 'test', 'debug', 'queues.irqd.txt'), 'utf8');
const file = join(dir, 'queues.irqd');
writeFileSync(file, text);
const analysis = analyze(text, 0, { file });

/** The 1-based line of the first line holding `needle` after the line holding `after`. */
function lineOf(needle: string, after = ''): number {
  const from = text.indexOf(after);
  const at = text.indexOf(needle, from);
  assert.ok(from >= 0 && at >= 0, `${needle} is in the fixture`);
  return text.slice(0, at).split('\n').length;
}

function traceOf(name: string) {
  const sc = analysis.model.scenarios.find((s) => s.name === name);
  const trace = sc && analysis.traces.get(sc);
  assert.ok(trace, `scenario ${name} has a trace`);
  return trace;
}

/** The view of an IRQ as of the first `done` steps: the latest record among them that shows it. */
function viewAfter(scenario: string, done: number, label: string): IrqView {
  const records = traceOf(scenario).records.slice(0, done).reverse();
  for (const r of records) {
    const v = r.views.find((x) => x.label === label);
    if (v) return v;
  }
  throw new Error(`no record of the first ${done} shows ${label}`);
}

async function client(): Promise<DebugClient> {
  const dc = new DebugClient(process.execPath, adapter, 'irqd');
  dc.defaultTimeout = 20000;
  await dc.start();
  return dc;
}

/** initialize, launch, the breakpoints, configurationDone: the first stop. */
async function launch(dc: DebugClient, args: Record<string, unknown>, setup?: () => Promise<void>): Promise<DebugProtocol.StoppedEvent> {
  await dc.initializeRequest({ adapterID: 'irqd', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const initialized = dc.waitForEvent('initialized');
  await dc.launchRequest({ program: file, ...args } as DebugProtocol.LaunchRequestArguments);
  await initialized;
  if (setup) await setup();
  const stopped = dc.waitForEvent('stopped');
  await dc.configurationDoneRequest();
  return (await stopped) as DebugProtocol.StoppedEvent;
}

/** Sends a request and waits for the stop it causes. */
async function stopAfter(dc: DebugClient, request: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
  const stopped = dc.waitForEvent('stopped');
  await request();
  return (await stopped) as DebugProtocol.StoppedEvent;
}

async function frames(dc: DebugClient): Promise<DebugProtocol.StackFrame[]> {
  return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
}

async function evaluate(dc: DebugClient, expression: string): Promise<string> {
  return (await dc.evaluateRequest({ expression, frameId: 1, context: 'watch' })).body.result;
}

async function children(dc: DebugClient, ref: number): Promise<DebugProtocol.Variable[]> {
  return (await dc.variablesRequest({ variablesReference: ref })).body.variables;
}

test('initialize advertises step back, conditions and the exception filters', async () => {
  const dc = await client();
  try {
    const r = await dc.initializeRequest({ adapterID: 'irqd', pathFormat: 'path' });
    assert.equal(r.body?.supportsStepBack, true);
    assert.equal(r.body?.supportsConditionalBreakpoints, true);
    assert.equal(r.body?.supportsConfigurationDoneRequest, true);
    assert.deepEqual(
      r.body?.exceptionBreakpointFilters?.map((f) => f.filter),
      ['failing-step', 'failed-expectation', 'kernel-warning'],
    );
  } finally {
    await dc.stop();
  }
});

test('breakpoints, continue, next, step back, reverse continue, variables and evaluate on one scenario', async () => {
  const dc = await client();
  try {
    const request = lineOf('request nvme0[0-3]');
    const affinity = lineOf('affinity nvme0[3] 2');
    const offline = lineOf('offline cpu 2');
    const expectLine = lineOf('expect nvme0[3] cpu 3');
    let set: DebugProtocol.SetBreakpointsResponse | undefined;
    const entry = await launch(dc, { scenario: 'queues', stopOnEntry: true }, async () => {
      set = await dc.setBreakpointsRequest({
        source: { path: file },
        breakpoints: [
          { line: lineOf('// the driver requests') },
          { line: lineOf('cpus 4') },
          { line: affinity, condition: 'nvme0[3].cpux == 1' },
          { line: affinity, condition: 'nvme0[3].cpu ==' },
          { line: offline, condition: 'nvme0[3].cpu == 1' },
          { line: expectLine, condition: '!cpu 2 .online && nvme0[3].cpu == 3' },
        ],
      });
    });
    const bps = set?.body.breakpoints ?? [];
    assert.equal(bps.length, 6);
    // The comment line moves to the next step; the system's line has no step.
    assert.deepEqual([bps[0]?.verified, bps[0]?.line], [true, request]);
    assert.equal(bps[1]?.verified, false);
    assert.match(bps[1]?.message ?? '', /no step/);
    assert.equal(bps[2]?.verified, false);
    assert.match(bps[2]?.message ?? '', /'cpux' is not a field of an IRQ/);
    assert.equal(bps[3]?.verified, false);
    assert.match(bps[3]?.message ?? '', /expected a value/);
    assert.deepEqual([bps[4]?.verified, bps[4]?.line, bps[5]?.verified, bps[5]?.line], [true, offline, true, expectLine]);

    assert.equal(entry.body.reason, 'entry');
    assert.equal((await frames(dc))[0]?.line, lineOf('alloc nvme0 8'));
    const threads = await dc.threadsRequest();
    assert.equal(threads.body.threads[0]?.name, 'scenario "queues"');

    let stop = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'breakpoint');
    assert.deepEqual(stop.body.hitBreakpointIds, [bps[0]?.id]);
    assert.equal((await frames(dc))[0]?.line, request);

    stop = await stopAfter(dc, () => dc.nextRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'step');
    assert.equal((await frames(dc))[0]?.line, affinity);

    // nvme0[3] is on CPU 2 before `offline cpu 2`, so the breakpoint there does not stop; the one on the expect does.
    assert.equal(viewAfter('queues', 3, 'nvme0[3]').cpu, 2);
    stop = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'breakpoint');
    assert.deepEqual(stop.body.hitBreakpointIds, [bps[5]?.id]);
    assert.equal((await frames(dc))[0]?.line, expectLine);

    // The IRQs scope shows nvme0[3] where the trace has it after the four steps done: the
    // `offline` record lists no IRQ, but the `expect` about to run changes nothing and shows it.
    const after4 = traceOf('queues').records[4]?.views.find((v) => v.label === 'nvme0[3]');
    assert.ok(after4 && after4.vector !== undefined);
    const scopes = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
    assert.deepEqual(
      scopes.map((s) => s.name),
      ['IRQs', 'CPUs', 'IRTE tables', 'Devices', 'VFIO', 'PASIDs', 'Guests', 'Step'],
    );
    const irqs = await children(dc, scopes.find((s) => s.name === 'IRQs')?.variablesReference ?? 0);
    const irq = irqs.find((v) => v.name === `IRQ ${after4.virq}`);
    assert.ok(irq, `IRQ ${after4.virq} is listed`);
    const fields = await children(dc, irq.variablesReference);
    const field = (name: string): string | undefined => fields.find((f) => f.name === name)?.value;
    assert.equal(field('vector'), `0x${(after4.vector ?? -1).toString(16)}`);
    assert.equal(field('cpu'), String(after4.cpu));
    assert.equal(field('device'), 'nvme0');
    assert.equal(field('index'), '3');
    assert.equal(field('irte'), after4.irte);
    assert.equal(field('decoded'), after4.messageDecoded);
    // A CPU's vector table, expanded lazily, holds the IRQ at its vector.
    const cpus = await children(dc, scopes.find((s) => s.name === 'CPUs')?.variablesReference ?? 0);
    const cpu = cpus.find((c) => c.name === `CPU ${after4.cpu}`);
    assert.ok(cpu);
    const vectors = (await children(dc, cpu.variablesReference)).find((f) => f.name === 'vectors');
    const table = await children(dc, vectors?.variablesReference ?? 0);
    assert.match(table.find((t) => t.name === field('vector'))?.value ?? '', /^nvme0\[3\]: CPU/);

    assert.equal(await evaluate(dc, 'nvme0[3].vector'), field('vector'));
    assert.equal(await evaluate(dc, `irq ${after4.virq}.cpu`), String(after4.cpu));
    assert.equal(await evaluate(dc, 'cpu 2 .online'), 'false');
    assert.equal(await evaluate(dc, 'nvme0[3].cpu == 3 && cpu 0 .online'), 'true');
    assert.ok((await dc.evaluateRequest({ expression: 'nvme0[3]', context: 'hover' })).body.variablesReference > 0);
    await assert.rejects(dc.evaluateRequest({ expression: 'nvme9[3].vector', context: 'watch' }), /'nvme9' is not a device of this system/);
    await assert.rejects(dc.evaluateRequest({ expression: 'nvme0[9].vector', context: 'watch' }), /nvme0\[9\] has no IRQ at this step/);

    // Step back: the state before `offline cpu 2`, where the trace has nvme0[3] on CPU 2.
    stop = await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'step');
    assert.equal((await frames(dc))[0]?.line, offline);
    assert.equal(await evaluate(dc, 'nvme0[3].cpu'), String(viewAfter('queues', 3, 'nvme0[3]').cpu));

    // Reverse continue: back to the unconditional breakpoint, then to the start.
    stop = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal((await frames(dc))[0]?.line, request);
    stop = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'entry');
    assert.equal((await frames(dc))[0]?.line, lineOf('alloc nvme0 8'));
    await assert.rejects(dc.evaluateRequest({ expression: 'nvme0[0]', context: 'watch' }), /has no IRQ at this step/);

    // Step into `alloc`: its kernel functions as a frame above the step.
    const events = traceOf('queues').records[0]?.events ?? [];
    await stopAfter(dc, () => dc.stepInRequest({ threadId: 1 }));
    let stack = await frames(dc);
    assert.equal(stack.length, 2);
    assert.equal(stack[0]?.name, events[0]?.fn);
    await stopAfter(dc, () => dc.stepInRequest({ threadId: 1 }));
    stack = await frames(dc);
    assert.equal(stack[0]?.name, events[1]?.fn);
    const kernel = (await dc.scopesRequest({ frameId: stack[0]?.id ?? 0 })).body.scopes[0];
    assert.equal(kernel?.name, 'Kernel function');
    assert.equal((await children(dc, kernel.variablesReference)).find((v) => v.name === 'event')?.value, events[1]?.text);
    await stopAfter(dc, () => dc.stepOutRequest({ threadId: 1 }));
    stack = await frames(dc);
    assert.equal(stack.length, 1);
    assert.equal(stack[0]?.line, request);

    // To the end (the conditional breakpoint on the expect stops on the way), then the session ends.
    stop = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
    assert.equal((await frames(dc))[0]?.line, expectLine);
    stop = await stopAfter(dc, () => dc.continueRequest({ threadId: 1 }));
    assert.equal(stop.body.reason, 'step');
    assert.equal(stop.body.description, 'End of scenario: passed');
    const terminated = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: 1 });
    await terminated;
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
});

test('a failing step and a failed expectation stop as exceptions, with the diagnostic', async () => {
  const dc = await client();
  try {
    const stop = await launch(dc, { scenario: 'broken' });
    assert.equal(stop.body.reason, 'exception');
    const failed = traceOf('broken').records.find((r) => r.outcome === 'failed');
    assert.ok(failed);
    const message = traceOf('broken').diagnostics.find((d) => d.severity === 'error' && d.span.start >= (failed?.step.span.start ?? 0))?.message ?? '';
    assert.ok(message.length > 0);
    assert.equal(stop.body.text, message);
    assert.match(stop.body.description ?? '', /^Failing step: /);
    assert.equal((await frames(dc))[0]?.line, lineOf('affinity nvme0[0] 2'));
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, 'failing-step');
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
  const dc2 = await client();
  try {
    const stop = await launch(dc2, { scenario: 'wrong' }, async () => {
      await dc2.setExceptionBreakpointsRequest({ filters: ['failed-expectation'] });
    });
    assert.equal(stop.body.reason, 'exception');
    assert.match(stop.body.description ?? '', /^Failed expectation: /);
    assert.equal((await frames(dc2))[0]?.line, lineOf('expect nvme0[0] cpu 3'));
    // With no filter the same scenario runs to its end.
    await dc2.disconnectRequest({});
  } finally {
    await dc2.stop();
  }
  // A kernel warning stops only when its filter is on (it is off by default).
  const dc4 = await client();
  try {
    const stop = await launch(dc4, { scenario: 'warned' }, async () => {
      await dc4.setExceptionBreakpointsRequest({ filters: ['kernel-warning'] });
    });
    assert.equal(stop.body.reason, 'exception');
    const warning = traceOf('warned').records.flatMap((r) => r.events).find((e) => e.warning);
    assert.ok(warning);
    assert.equal(stop.body.description, `Kernel warning: ${warning.fn}: ${warning.text}`);
    assert.equal((await frames(dc4))[0]?.line, lineOf('free nvme0', 'scenario "warned"'));
  } finally {
    await dc4.stop();
  }
  const dc3 = await client();
  try {
    const stop = await launch(dc3, { scenario: 'wrong' }, async () => {
      await dc3.setExceptionBreakpointsRequest({ filters: [] });
    });
    assert.equal(stop.body.reason, 'step');
    // A false expectation does not stop the scenario: it runs to its end and fails there.
    assert.match(stop.body.description ?? '', /^End of scenario: failed: 1 expectation not met$/);
  } finally {
    await dc3.stop();
  }
});

test('launch errors are error responses, and the adapter keeps answering', async () => {
  const bad = join(dir, 'bad.irqd');
  writeFileSync(bad, 'system s {\n  cpus 4\n  domain V vector\n}\nscenario x on s {\n  alloc nope 4\n}\n');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ program: join(dir, 'missing.irqd') }, /no such file/],
    [{ program: file, scenario: 'nope' }, /has no scenario named 'nope'; it declares 'queues', 'broken', 'wrong', 'warned'/],
    [{ program: bad }, /scenario 'x' is not simulated: .*line 6: unknown device 'nope'/],
    [{ program: 42 }, /needs 'program'/],
  ];
  for (const [args, message] of cases) {
    const dc = await client();
    try {
      await dc.initializeRequest({ adapterID: 'irqd', pathFormat: 'path' });
      await assert.rejects(dc.launchRequest(args as DebugProtocol.LaunchRequestArguments), message);
      await assert.rejects(dc.stackTraceRequest({ threadId: 1 }), /no scenario is being debugged/);
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
  }
});

test('irqdPosition answers the program, the scenario and the steps done, which the Variables show the state of', async () => {
  const dc = await client();
  try {
    const position = async (): Promise<Record<string, unknown>> => ((await dc.customRequest('irqdPosition')) as DebugProtocol.Response).body as Record<string, unknown>;
    await launch(dc, { scenario: 'queues', stopOnEntry: true });
    const n = traceOf('queues').records.length;
    assert.deepEqual(await position(), { program: file, scenario: 'queues', step: 0, steps: n });
    await stopAfter(dc, () => dc.nextRequest({ threadId: 1 }));
    await stopAfter(dc, () => dc.nextRequest({ threadId: 1 }));
    const at = await position();
    assert.equal(at['step'], 2);
    // The Step scope says the same position.
    const scopes = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
    const step = (await dc.variablesRequest({ variablesReference: scopes.find((s) => s.name === 'Step')?.variablesReference ?? 0 })).body.variables;
    assert.equal(step.find((v) => v.name === 'position')?.value, `2 of ${n} steps done`);
    // Inside a step: the same steps done, and the kernel function's index.
    await stopAfter(dc, () => dc.stepInRequest({ threadId: 1 }));
    assert.deepEqual([(await position())['step'], (await position())['event']], [2, 0]);
    await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1 }));
    await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1 }));
    assert.equal((await position())['step'], 1);
    // Another custom command is still an error, and the adapter keeps answering.
    await assert.rejects(dc.customRequest('irqdNope'));
    assert.equal((await position())['step'], 1);
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
});
