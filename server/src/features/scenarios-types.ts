// The JSON shape of the irqd/scenarios answer (docs/lsp-extensions.md):
// types only, so that the VS Code client imports them without importing the
// server (as machine-view-types.ts does for the machine view).
import type { Range } from 'vscode-languageserver';

/** One failed step or expectation of a scenario. */
export interface ScenarioFailure {
  /** 'expectation': a false `expect` (the scenario went on); 'step': a kernel step that failed (it stopped there). */
  readonly kind: 'expectation' | 'step';
  /** The step's 1-based ordinal in the trace. */
  readonly step: number;
  /** Where the diagnostic is (the assertion, or the part of the step that failed). */
  readonly range: Range;
  readonly code?: string;
  readonly message: string;
  /** For an expectation: what it wanted and what the simulated kernel state is. */
  readonly expected?: string;
  readonly actual?: string;
}

export type ScenarioStatus = 'passed' | 'failed' | 'not-simulated' | 'pending';

export interface ScenarioInfo {
  readonly name: string;
  /** The whole declaration, `scenario` to its closing brace. */
  readonly range: Range;
  /** The name (quoted or not). */
  readonly selectionRange: Range;
  readonly system?: string;
  readonly status: ScenarioStatus;
  /** Why it failed ("fails at step 3 of 9 (-ENOSPC)") or was not simulated. */
  readonly reason?: string;
  /** Records in its trace (0 until simulated). */
  readonly steps: number;
  readonly failures: readonly ScenarioFailure[];
}

export interface ScenariosResult {
  readonly uri: string;
  /** The version analysed: the open document's, or 0 for text from the request or the disk. */
  readonly version: number;
  readonly scenarios: readonly ScenarioInfo[];
  /** Why the file could not be read (then there are no scenarios). */
  readonly problem?: string;
}
