// Keeps the latest analysis run of each open document, keyed by version, so
// every request for the same version shares one computation. A document that
// `use`s others is analysed with them (open ones as the editor has them, the
// rest from disk), and is made again when one of them changes.
//
// A run's static part (parse, binding, checks, reused traces) is done when it
// is created; its simulation is done in slices by whoever drives it (the
// server, between requests) or at once by completeAnalysisFor().
import { AnalysisRun, type Analysis, type AnalysisOptions } from './analysis.js';
import { DocumentUseResolver, type OpenDocument } from './files.js';

export class AnalysisHost {
  private readonly cache = new Map<string, AnalysisRun>();
  /** Documents whose cached analysis is out of date although their text is not (a used file changed). */
  private readonly stale = new Set<string>();
  private options: AnalysisOptions = {};
  readonly uses: DocumentUseResolver;

  /** `open` gives an open document's current text, for the documents it uses. */
  constructor(private readonly open: (uri: string) => OpenDocument | undefined = () => undefined) {
    this.uses = new DocumentUseResolver(
      open,
      (uri, doc, chain) => this.analysisFor(uri, doc.text, doc.version, chain),
      () => this.options,
    );
  }

  configure(options: AnalysisOptions): void {
    this.options = options;
    this.cache.clear();
    this.stale.clear();
    this.uses.clear();
  }

  /** The run for this exact version, started now (its static part) if not cached. */
  runFor(uri: string, text: string, version: number, chain: readonly string[] = []): AnalysisRun {
    const cached = this.cache.get(uri);
    if (cached && !this.stale.has(uri) && cached.analysis.version === version && cached.analysis.text === text) return cached;
    this.stale.delete(uri);
    // The previous version's traces serve every scenario the edit did not touch.
    const previous = cached?.analysis;
    const run = new AnalysisRun(text, version, { ...this.options, file: uri, uses: this.uses, chain, ...(previous ? { previous } : {}) });
    this.cache.set(uri, run);
    return run;
  }

  /**
   * The Analysis of this exact version as far as it has got: complete, or
   * with `pending` scenarios still to be simulated (a request never waits
   * for a simulation).
   */
  analysisFor(uri: string, text: string, version: number, chain: readonly string[] = []): Analysis {
    return this.runFor(uri, text, version, chain).analysis;
  }

  /** The complete Analysis of this version, simulating what is left now (commands that need a trace). */
  completeAnalysisFor(uri: string, text: string, version: number): Analysis {
    return this.runFor(uri, text, version).finish();
  }

  /**
   * A complete Analysis of another text for the same document, with its
   * options and used files, kept nowhere: what a quick fix would make of it.
   */
  analyseText(uri: string, text: string): Analysis {
    const previous = this.cache.get(uri)?.analysis;
    return new AnalysisRun(text, previous?.version ?? 0, { ...this.options, file: uri, uses: this.uses, ...(previous ? { previous } : {}) }).finish();
  }

  /**
   * A run of a file that is not open (irqd/scenarios on a file of the
   * workspace): with the same settings and used files, not cached, so that
   * listing a workspace keeps nothing of the files it read.
   */
  detachedRun(uri: string, text: string): AnalysisRun {
    return new AnalysisRun(text, 0, { ...this.options, file: uri, uses: this.uses });
  }

  /** The last Analysis computed for a document, whatever its version. */
  lastAnalysis(uri: string): Analysis | undefined {
    return this.cache.get(uri)?.analysis;
  }

  forget(uri: string): void {
    this.cache.delete(uri);
    this.stale.delete(uri);
  }

  /** The document is to be analysed again though its text is the same; its last analysis still serves as the previous one. */
  invalidate(uri: string): void {
    if (this.cache.has(uri)) this.stale.add(uri);
  }

  /** The open documents whose analysis uses `uri`, directly or through other files. */
  dependentsOf(uri: string): string[] {
    const out: string[] = [];
    for (const [doc, run] of this.cache) {
      const a = run.analysis;
      if (doc === uri || !this.open(doc)) continue;
      // A document with a `use` that could not be read may read it now (a file created, a cycle broken).
      if (usesTransitively(a, uri) || a.diagnostics.some((d) => d.code === 'IRQD051')) out.push(doc);
    }
    return out;
  }
}

function usesTransitively(a: Analysis, uri: string, seen = new Set<Analysis>()): boolean {
  if (seen.has(a)) return false;
  seen.add(a);
  if (a.used.some((u) => u.file === uri) || a.cycles.some((c) => c.includes(uri))) return true;
  return a.used.some((u) => usesTransitively(u.analysis, uri, seen));
}
