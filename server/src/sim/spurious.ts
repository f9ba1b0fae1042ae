// note_interrupt() (kernel/irq/spurious.c): the kernel's watch for an
// interrupt nobody handles. Every interrupt a handler ran for counts in
// desc->irq_count; one whose handlers all returned IRQ_NONE counts in
// desc->irqs_unhandled too, which restarts at 1 when the previous unhandled
// one was more than HZ/10 ago. At every 100,000th interrupt the counts are
// looked at: more than 99,900 unhandled is a stuck line, "nobody cared", and
// the IRQ is disabled until it is requested again.
//
// Steps have no clock: the interrupts of one `fire` step come back to back,
// and the ones of an earlier step are more than HZ/10 before.
import type { Irq, SimState } from './state.js';
import type { Log } from './vector.js';

/** The window note_interrupt() counts over, and the unhandled count that disables the IRQ. */
export const SPURIOUS_WINDOW = 100_000;
export const SPURIOUS_LIMIT = 99_900;

/**
 * Counts `n` back-to-back interrupts of a started IRQ whose handlers all
 * returned IRQ_NONE (`unhandled`) or claimed them, and says whether the IRQ
 * was disabled, and after how many of them.
 */
export function noteInterrupts(s: SimState, irq: Irq, n: number, unhandled: boolean, log: Log): { disabledAfter?: number } {
  // noirqdebug_setup(): note_interrupt() is not called at all.
  if (s.system.cmdline.noIrqDebug) return {};
  let count = irq.irqCount ?? 0;
  // The first unhandled interrupt of the step comes more than HZ/10 after the last one: the count restarts at 1.
  let unhandledCount = unhandled ? 0 : (irq.irqsUnhandled ?? 0);
  let done = 0;
  // At most three windows matter: the one the step starts in, a full one, and the rest (counted, not walked).
  while (done < n) {
    const step = Math.min(n - done, SPURIOUS_WINDOW - count);
    done += step;
    count += step;
    if (unhandled) unhandledCount += step;
    if (count < SPURIOUS_WINDOW) break;
    count = 0;
    if (unhandledCount > SPURIOUS_LIMIT) {
      // __report_bad_irq(), then irq_disable() with IRQS_SPURIOUS_DISABLED.
      log.warn('__report_bad_irq', `irq ${irq.virq}: nobody cared (try booting with the "irqpoll" option); Disabling IRQ #${irq.virq}`);
      irq.irqCount = 0;
      irq.irqsUnhandled = 0;
      irq.spuriousDisabled = true;
      return { disabledAfter: done };
    }
    unhandledCount = 0;
    if (!unhandled) {
      // Claimed interrupts only move the count on: the windows left change nothing.
      count = (n - done) % SPURIOUS_WINDOW;
      done = n;
    }
  }
  irq.irqCount = count;
  irq.irqsUnhandled = unhandledCount;
  return {};
}
