// The diagnostics every phase produces: plain data with a source span and a
// catalog code. Only features/ turns them into LSP diagnostics.
import type { Span } from '../../../grammar/index.js';
import { catalogEntry, type DiagnosticCode, type Severity } from './catalog.js';

export interface RelatedInfo {
  readonly span: Span;
  readonly message: string;
}

export interface IrqdDiagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly related?: readonly RelatedInfo[];
  /** Shown faded: code that did not run (steps after a failing one). */
  readonly unnecessary?: boolean;
  /** A failed expectation's wanted value and the simulated one (IRQD034, IRQD035), for test results. */
  readonly expected?: string;
  readonly actual?: string;
}

/** A diagnostic with the severity its catalog entry gives (or an override). */
export function diagnostic(
  code: DiagnosticCode,
  span: Span,
  message: string,
  extra?: { related?: readonly RelatedInfo[]; severity?: Severity; unnecessary?: boolean; expected?: string; actual?: string },
): IrqdDiagnostic {
  return {
    code,
    severity: extra?.severity ?? catalogEntry(code).severity,
    message,
    span,
    ...(extra?.related ? { related: extra.related } : {}),
    ...(extra?.unnecessary ? { unnecessary: true } : {}),
    ...(extra?.expected !== undefined && extra.actual !== undefined ? { expected: extra.expected, actual: extra.actual } : {}),
  };
}
