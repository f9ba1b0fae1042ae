// What a failed `expect` should have said: the value the simulated kernel
// state has, written as the assertion writes it. It is computed only when an
// assertion fails, and carried on the diagnostic as a Replacement, so the
// quick fix "Update the expectation to the simulated value" needs no second
// simulation (features/code-actions/expectations.ts).
import type * as A from '../../../grammar/index.js';
import type { Replacement } from '../model/diagnostic.js';
import { hex, vec } from './kernel.js';
import { bitmapList } from './matrix.js';
import { deviceMsg } from './msi.js';
import { irteIndex } from './remap.js';
import type { Irq, SimState } from './state.js';

/** Assertions on selected IRQs (not `cpu N available`, `vfio`, `pasid` or `fail`). */
type IrqAssertion = Extract<A.Assertion, { readonly selection: A.Selection }>;

/** The one value every IRQ gives, or undefined when they disagree (no single expectation holds for all). */
function common(irqs: readonly Irq[], value: (irq: Irq) => string | undefined): string | undefined {
  let out: string | undefined;
  for (const irq of irqs) {
    const v = value(irq);
    if (v === undefined || (out !== undefined && v !== out)) return undefined;
    out = v;
  }
  return out;
}

/**
 * The replacement that makes an assertion on `irqs` hold in state `s`, or
 * undefined when no value of the same assertion would (an IRQ without a
 * vector for `cpu`, IRQs with different vectors for `vector`).
 */
export function simulatedValue(s: SimState, a: IrqAssertion, irqs: readonly Irq[]): Replacement | undefined {
  if (irqs.length === 0) return undefined;
  switch (a.kind) {
    case 'cpu': {
      // `cpu LIST` holds when each IRQ's CPU is in the list: the list of their CPUs.
      if (!a.cpus || irqs.some((irq) => !irq.apic.vector)) return undefined;
      const cpus = [...new Set(irqs.map((irq) => irq.apic.cpu))].sort((x, y) => x - y);
      return { span: a.cpus.span, text: bitmapList(cpus) };
    }
    case 'affinity': {
      // As the runner compares it: smp_affinity_list, the pending mask while a move is pending.
      const text = common(irqs, (irq) => bitmapList(irq.movePending ?? irq.affinity));
      return a.cpus && text !== undefined ? { span: a.cpus.span, text } : undefined;
    }
    case 'vector': {
      const text = common(irqs, (irq) => (irq.apic.vector ? vec(irq.apic.vector) : undefined));
      return a.vector && text !== undefined ? { span: a.vector.span, text } : undefined;
    }
    case 'message': {
      const text = common(irqs, (irq) => {
        const msg = deviceMsg(s, irq);
        return msg ? `${hex(msg.addressLo, 8)} ${hex(msg.data)}` : undefined;
      });
      if (!a.address || !a.data || text === undefined) return undefined;
      return { span: { start: a.address.span.start, end: a.data.span.end }, text };
    }
    case 'irte': {
      const text = common(irqs, (irq) => {
        const index = irteIndex(irq);
        return index === undefined ? undefined : hex(index);
      });
      return a.index && text !== undefined ? { span: a.index.span, text } : undefined;
    }
    case 'lost':
    case 'delivered': {
      // The assertion ends with its keyword; an IRQ that has not fired, or one held pending, has neither answer.
      const text = common(irqs, (irq) => {
        const d = irq.lastDelivery;
        if (!d || d.pending) return undefined;
        return d.delivered ? 'delivered' : 'lost';
      });
      return text === undefined ? undefined : { span: { start: a.span.end - a.kind.length, end: a.span.end }, text };
    }
  }
}
