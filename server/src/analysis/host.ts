// Keeps the latest Analysis of each open document, keyed by version, so every
// request for the same version shares one computation.
import { analyze, type Analysis, type AnalysisOptions } from './analysis.js';

export class AnalysisHost {
  private readonly cache = new Map<string, Analysis>();
  private options: AnalysisOptions = {};

  configure(options: AnalysisOptions): void {
    this.options = options;
    this.cache.clear();
  }

  /** The Analysis of this exact version, computed now if not cached. */
  analysisFor(uri: string, text: string, version: number): Analysis {
    const cached = this.cache.get(uri);
    if (cached && cached.version === version && cached.text === text) return cached;
    const fresh = analyze(text, version, this.options);
    this.cache.set(uri, fresh);
    return fresh;
  }

  /** The last Analysis computed for a document, whatever its version. */
  lastAnalysis(uri: string): Analysis | undefined {
    return this.cache.get(uri);
  }

  forget(uri: string): void {
    this.cache.delete(uri);
  }
}
