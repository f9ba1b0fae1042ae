// The `expect` steps: assertions on the simulated state, and `expect fail
// STEP`. A false one throws a StepFailure with what was expected and what
// the state is (ExpectedActual), which the runner records as a failed
// expectation and goes on from (runner.ts runOne()): an expectation reads the
// state and changes nothing.
import type * as A from '../../../grammar/index.js';
import type { Replacement } from '../model/diagnostic.js';
import { simulatedValue } from './expect-value.js';
import { errnoText, StepFailure } from './failure.js';
import { hex, vec } from './kernel.js';
import { bitmapList } from './matrix.js';
import { deviceMsg } from './msi.js';
import { pasidUsed } from './pasid.js';
import { irteIndex } from './remap.js';
import { inMask, type Irq } from './state.js';
import { vfioState, type StepContext, type StepResult } from './steps-migration.js';

/** What an expectation needs of the runner: the state, selections, and running the step `expect fail` wraps. */
export interface ExpectRunner extends StepContext {
  select(sel: A.Selection | undefined, writable?: boolean): Irq[];
  cpus(list: A.CpuList | undefined): number[];
  execute(step: A.Step): StepResult;
  event(fn: string, text: string): void;
}

export function expectStep(r: ExpectRunner, step: A.ExpectStep): StepResult {
  const a = step.assertion;
  if (!a) return { summary: '', irqs: [] };
  // Expected and actual say the value only: the message and its place say which IRQ. A failure also
  // carries the value the state has, for the quick fix (made only when an assertion fails).
  const fail = (message: string, expected: string, actual: string, value?: Replacement): never => {
    throw new StepFailure('IRQD034', undefined, message, a.span, { expected, actual }, value ? [value] : undefined);
  };
  switch (a.kind) {
    case 'fail':
      return expectFail(r, step, a.step, a.errno);
    case 'cpu-available': {
      // A count the parser could not read (a syntax error reported at the end of the step) has nothing to compare.
      if (!a.count) return { summary: '', irqs: [] };
      const cpu = a.cpu?.value ?? 0;
      const c = r.s.matrix.cpus[cpu];
      if (c?.available !== a.count.value) fail(`CPU ${cpu} has ${c?.available ?? 0} vectors available, not ${a.count.value}`, `${a.count.value} vectors available`, `${c?.available ?? 0} vectors available`, { span: a.count.span, text: String(c?.available ?? 0) });
      return { summary: '✓', irqs: [] };
    }
    case 'vfio': {
      const dev = r.device(a.device);
      const state = vfioState(r, dev);
      if (a.state && state !== a.state.text) fail(`${dev.name} is ${state}, not ${a.state.text}`, a.state.text, state, { span: a.state.span, text: state });
      return { summary: '✓', irqs: [] };
    }
    case 'pasid-used': {
      if (!a.count) return { summary: '', irqs: [] };
      const used = r.s.pasid && a.set ? pasidUsed(r.s.pasid, a.set.text) : undefined;
      if (used !== a.count.value) fail(`set ${a.set?.text ?? '?'} has ${used ?? 'no'} PASIDs allocated, not ${a.count.value}`, `${a.count.value} PASIDs`, `${used ?? 'no'} PASIDs`, used === undefined ? undefined : { span: a.count.span, text: String(used) });
      return { summary: '✓', irqs: [] };
    }
    default:
      break;
  }
  // A value the parser could not read (its syntax error is reported where it is missing) leaves nothing to compare.
  if (missingValue(a)) return { summary: '', irqs: [] };
  const irqs = r.select(a.selection, false);
  // The CPUs an assertion names, made once for all its IRQs (65,536 IRQs against 1,024 CPUs each
  // were 2 s), and for `affinity` the answer per mask, which IRQs share.
  const want = a.kind === 'cpu' || a.kind === 'affinity' ? r.cpus(a.cpus) : [];
  const wantText = a.kind === 'affinity' ? bitmapList(want) : '';
  const affinityMatches = new Map<readonly number[], boolean>();
  const failIrqs = (message: string, expected: string, actual: string): never => fail(message, expected, actual, simulatedValue(r.s, a, irqs));
  for (const irq of irqs) {
    const who = `${irq.device.name}[${irq.index}] (IRQ ${irq.virq})`;
    switch (a.kind) {
      case 'cpu': {
        if (!irq.apic.vector) {
          const why = irq.apic.hasReserved ? 'reserved until request_irq' : irq.managedShutdown ? 'managed, shut down' : 'not activated';
          failIrqs(`${who} has no vector yet (${why})`, `on CPU ${bitmapList(want)}`, `no vector (${why})`);
        }
        if (!inMask(want, irq.apic.cpu)) failIrqs(`${who} is on CPU ${irq.apic.cpu}, not on ${bitmapList(want)}`, `on CPU ${bitmapList(want)}`, `on CPU ${irq.apic.cpu}`);
        break;
      }
      case 'affinity': {
        // show_irq_affinity(AFFINITY_LIST): the pending mask while a move is pending, else the affinity.
        const shown = irq.movePending ?? irq.affinity;
        let matches = affinityMatches.get(shown);
        if (matches === undefined) {
          matches = bitmapList(shown) === wantText;
          affinityMatches.set(shown, matches);
        }
        if (!matches) {
          const actual = `${bitmapList(shown)}${irq.movePending ? ' (a pending move)' : ''}`;
          failIrqs(`${who} has affinity ${actual}, not ${wantText}`, `affinity ${wantText}`, `affinity ${actual}`);
        }
        break;
      }
      case 'vector':
        if (irq.apic.vector !== a.vector?.value) {
          const actual = `${irq.apic.vector ? vec(irq.apic.vector) : 'none (0)'}${irq.apic.vector ? ` on CPU ${irq.apic.cpu}` : ''}`;
          const expected = a.vector ? vec(a.vector.value) : '?';
          failIrqs(`${who} has vector ${actual}, not ${expected}`, `vector ${expected}`, `vector ${actual}`);
        }
        break;
      case 'message': {
        const msg = deviceMsg(r.s, irq);
        if (!msg || msg.addressLo !== a.address?.value || msg.data !== a.data?.value) {
          const actual = msg ? `${hex(msg.addressLo, 8)} / ${hex(msg.data, 8)}` : 'no message';
          const expected = `${hex(a.address?.value ?? 0, 8)} / ${hex(a.data?.value ?? 0, 8)}`;
          failIrqs(`${who}: the device holds ${actual}, not ${expected}`, `message ${expected}`, `message ${actual}`);
        }
        break;
      }
      case 'irte': {
        const index = irteIndex(irq);
        if (index !== a.index?.value) {
          const actual = index === undefined ? 'no IRTE (not remapped)' : `IRTE ${hex(index)}`;
          failIrqs(`${who} ${index === undefined ? 'has no IRTE (not remapped)' : `uses IRTE ${hex(index)}`}, not ${hex(a.index?.value ?? 0)}`, `IRTE ${hex(a.index?.value ?? 0)}`, actual);
        }
        break;
      }
      case 'lost':
      case 'delivered': {
        const d = irq.lastDelivery;
        if (!d) failIrqs(`${who} has not fired yet: add 'fire ${irq.device.name}[${irq.index}]' first`, a.kind, 'not fired');
        if (d && (d.delivered !== (a.kind === 'delivered') || (a.kind === 'lost' && d.pending))) {
          const actual = d.delivered ? 'delivered' : d.pending ? 'held pending (masked)' : `lost (${d.reason})`;
          failIrqs(`${who}: the last interrupt was ${d.delivered ? 'delivered' : d.pending ? 'held pending (masked), not lost' : `lost (${d.reason})`}`, a.kind, actual);
        }
        break;
      }
    }
  }
  return { summary: '✓', irqs };
}

function expectFail(r: ExpectRunner, step: A.ExpectStep, inner: A.Step | undefined, errno: A.Ident | undefined): StepResult {
  if (!inner) return { summary: '', irqs: [], expectedFailure: true };
  const want = errno?.text.replace(/^-/, '');
  try {
    const done = r.execute(inner);
    if (done.notSimulated) return { summary: 'not simulated', irqs: [], expectedFailure: true };
    // The step succeeded: what it did stands (the kernel did it), and only the expectation failed.
    // The fix for a step that succeeds unwraps it: `expect fail [-ERRNO] ` goes.
    throw new StepFailure(
      'IRQD035',
      undefined,
      `expected this step to fail${want ? ` with -${want}` : ''}, but it succeeded (${done.summary})`,
      inner.span,
      { expected: want ? `fails with -${want}` : 'fails', actual: `succeeds (${done.summary})` },
      [{ span: { start: step.span.start, end: inner.span.start }, text: '' }],
    );
  } catch (e) {
    if (!(e instanceof StepFailure) || e.code === 'IRQD035') throw e;
    // Another errno: the kernel rolled the step back as it does for any failure; the user expected
    // a failure, so the scenario goes on from the state before the step.
    if (want && e.errno !== want) {
      const actual = `fails with ${e.errno ? errnoText(e.errno) : 'another error'}`;
      const value = e.errno && errno ? [{ span: errno.span, text: errnoText(e.errno) }] : undefined;
      throw new StepFailure('IRQD035', e.errno, `expected -${want}, but the step ${actual}: ${e.message}`, inner.span, { expected: `fails with -${want}`, actual }, value);
    }
    r.event('expect fail', `fails as expected: ${e.message}`);
    void step;
    return { summary: `${e.errno ? errnoText(e.errno) : 'failed'} as expected`, irqs: [], expectedFailure: true };
  }
}

/** Whether an IRQ assertion lacks the value it compares (`expect d[0] vector` with nothing after it). */
function missingValue(a: A.Assertion): boolean {
  switch (a.kind) {
    case 'cpu':
    case 'affinity':
      return !a.cpus;
    case 'vector':
      return !a.vector;
    case 'message':
      return !a.address || !a.data;
    case 'irte':
      return !a.index;
    default:
      return false;
  }
}
