// `irqd check --format sarif`: the diagnostics as a SARIF 2.1.0 log, which
// code-scanning tools (GitHub's upload-sarif among them) show on pull
// requests. Validated against the OASIS schema in test/cli/sarif.test.ts.
import { relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Artifact, Log, Notification, ReportingDescriptor, Result } from 'sarif';
import type { Analysis } from '../analysis/analysis.js';
import { catalog, type Severity } from '../model/catalog.js';
import { VERSION } from '../version.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

// A hint is not a problem (steps that did not run, shown faded in an editor): its rule is level
// none, and code scanning gets no result for it.
const LEVELS: Record<Severity, 'error' | 'warning' | 'note' | 'none'> = { error: 'error', warning: 'warning', info: 'note', hint: 'none' };

/**
 * The rules, one per catalog entry, in catalog order (a result's ruleIndex
 * points here). package.json names no homepage yet, so a rule carries its
 * documentation as `help` rather than a `helpUri` that would point nowhere.
 */
function rules(): ReportingDescriptor[] {
  return catalog.map((e) => ({
    id: e.code,
    name: e.title.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase()).replace(/^./, (c) => c.toUpperCase()),
    shortDescription: { text: e.title },
    fullDescription: { text: e.doc },
    help: { text: `${e.doc}\n\nExample:\n${e.example}`, markdown: `${e.doc}\n\nExample:\n\n\`\`\`\n${e.example}\n\`\`\`\n\nSee docs/diagnostics.md, ${e.code}.` },
    defaultConfiguration: { level: LEVELS[e.severity] },
  }));
}

/** A path as a URI reference: relative to the working directory (%SRCROOT%) when under it, else a file: URI. */
function artifactUri(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const abs = resolve(cwd, file);
  const rel = relative(cwd, abs);
  if (rel === '' || rel.startsWith('..') || resolve(cwd, rel) !== abs) return { uri: pathToFileURL(abs).href };
  return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

export interface SarifInput {
  readonly file: string;
  readonly analysis: Analysis;
}

/** The SARIF log of the analysed files; `problems` are the files that could not be read (one line each). */
export function sarifLog(reports: readonly SarifInput[], problems: readonly string[], cwd: string): Log {
  const index = new Map(catalog.map((e, i) => [e.code, i]));
  const artifacts: Artifact[] = reports.map((r) => ({ location: artifactUri(r.file, cwd), length: Buffer.byteLength(r.analysis.text), mimeType: 'text/plain' }));
  const results: Result[] = [];
  reports.forEach(({ file, analysis }, artifact) => {
    for (const d of analysis.diagnostics) {
      if (d.severity === 'hint') continue;
      const r = analysis.lines.range(d.span);
      results.push({
        ruleId: d.code,
        ruleIndex: index.get(d.code) ?? -1,
        level: LEVELS[d.severity],
        message: { text: d.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { ...artifactUri(file, cwd), index: artifact },
              // SARIF counts lines and columns from 1, columns in UTF-16 code units by default, as LineIndex does.
              region: { startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 },
            },
          },
        ],
      });
    }
  });
  const notifications: Notification[] = problems.map((p) => ({ level: 'error', message: { text: p } }));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'irqd', version: VERSION, semanticVersion: VERSION, rules: rules() } },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(cwd).href.replace(/\/?$/, '/') } },
        artifacts,
        results,
        invocations: [{ executionSuccessful: problems.length === 0, ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}) }],
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}
