// The diagnostics every phase produces: plain data with a source span and a
// catalog code. Only features/ turns them into LSP diagnostics.
import type { Span } from '../../../grammar/index.js';
import { catalogEntry, type DiagnosticCode, type Severity } from './catalog.js';

export interface RelatedInfo {
  readonly span: Span;
  readonly message: string;
}

/**
 * A text the diagnostic knows is right in place of the text at `span`: the
 * name "did you mean" suggests, the value the simulation found for a failed
 * `expect`. Quick fixes apply it; it costs nothing to carry because it is
 * made where the diagnostic already computed it.
 */
export interface Replacement {
  readonly span: Span;
  readonly text: string;
}

export interface IrqdDiagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly related?: readonly RelatedInfo[];
  /** Shown faded: code that did not run (steps after a failing one). */
  readonly unnecessary?: boolean;
  /** The replacements that make this diagnostic go away (features/code-actions/). */
  readonly replacements?: readonly Replacement[];
  /** A failed expectation's wanted value and the simulated one (IRQD034, IRQD035), for test results. */
  readonly expected?: string;
  readonly actual?: string;
}

/** A diagnostic with the severity its catalog entry gives (or an override). */
export function diagnostic(
  code: DiagnosticCode,
  span: Span,
  message: string,
  extra?: { related?: readonly RelatedInfo[]; severity?: Severity; unnecessary?: boolean; replacements?: readonly Replacement[]; expected?: string; actual?: string },
): IrqdDiagnostic {
  return {
    code,
    severity: extra?.severity ?? catalogEntry(code).severity,
    message,
    span,
    ...(extra?.related ? { related: extra.related } : {}),
    ...(extra?.unnecessary ? { unnecessary: true } : {}),
    ...(extra?.replacements && extra.replacements.length > 0 ? { replacements: extra.replacements } : {}),
    ...(extra?.expected !== undefined && extra.actual !== undefined ? { expected: extra.expected, actual: extra.actual } : {}),
  };
}
