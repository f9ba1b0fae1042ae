// Kernel failures are data (architecture.md): a failing step throws a
// StepFailure, which the runner turns into a diagnostic on the step and a
// `failed` record; any other exception is a bug.
import type * as A from '../../../grammar/index.js';
import type { DiagnosticCode } from '../model/catalog.js';
import type { Replacement } from '../model/diagnostic.js';
import type { Errno } from './matrix.js';

/** What an expectation wanted and what the kernel state is, in the kernel's terms ("CPU 2", "CPU 1"). */
export interface ExpectedActual {
  readonly expected: string;
  readonly actual: string;
}

export class StepFailure {
  constructor(
    readonly code: DiagnosticCode,
    readonly errno: Errno | undefined,
    readonly message: string,
    readonly span?: A.Span,
    /** Set by a failing expectation (runner.ts expect()): the scenario goes on after it. */
    readonly expectation?: ExpectedActual,
    /** What makes a failed expectation hold: the simulated value (sim/expect-value.ts). */
    readonly replacements?: readonly Replacement[],
  ) {}
}

/** An errno as the kernel's callers print it: -ENOSPC. */
export function errnoText(e: Errno): string {
  return `-${e}`;
}
