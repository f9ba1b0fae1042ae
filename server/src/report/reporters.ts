// The reporters of `irqd test`: the same results (results.ts) as text for a
// terminal, JUnit XML and TAP 14 for CI systems, and JSON for scripts.
import type { CaseResult, CaseStatus, FileResult, Located } from './results.js';

export type Reporter = 'text' | 'junit' | 'tap' | 'json';
export const REPORTERS: readonly Reporter[] = ['text', 'junit', 'tap', 'json'];

/** The name of the pseudo test case that carries a file's errors outside every scenario. */
export const FILE_CHECKS = '(file checks)';

export interface Totals {
  readonly files: number;
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
  readonly skipped: number;
}

/** The counts of the summary; a file with errors outside scenarios counts as one error. */
export function totals(results: readonly FileResult[]): Totals {
  const count = (s: CaseStatus): number => results.reduce((n, r) => n + r.cases.filter((c) => c.status === s).length, 0);
  return {
    files: results.length,
    passed: count('passed'),
    failed: count('failed'),
    errors: count('error') + results.filter((r) => r.fileErrors.length > 0).length,
    skipped: count('skipped'),
  };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function located(l: Located): string {
  return `${l.file}:${l.line}:${l.column}: ${l.severity} ${l.code} ${l.message}`;
}

/** A name on one line: a scenario name may hold a newline or other control characters. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function ms(seconds: number): string {
  return `${Math.round(seconds * 1000)} ms`;
}

/** What went wrong first, and how much more: the detail of a text line. */
function firstProblem(c: { readonly reason?: string; readonly failures: readonly Located[] }): string {
  const first = c.failures[0];
  const more = c.failures.length > 1 ? ` (and ${plural(c.failures.length - 1, 'more failure')})` : '';
  if (c.reason !== undefined) return first ? `${c.reason}; ${located(first)}${more}` : c.reason;
  return first ? `${located(first)}${more}` : '';
}

const MARKS: Record<CaseStatus, string> = { passed: '✓', failed: '✗', error: '!', skipped: '-' };

/** One line per scenario, then the summary. */
export function textReport(results: readonly FileResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    for (const c of r.cases) {
      const detail = c.status === 'passed' ? '' : `: ${firstProblem(c)}`;
      out.push(`${MARKS[c.status]} ${r.file} › ${oneLine(c.name)} (${ms(c.time)})${detail}`);
    }
    if (r.fileErrors.length > 0) out.push(`! ${r.file} › ${FILE_CHECKS}: ${firstProblem({ failures: r.fileErrors })}`);
  }
  const t = totals(results);
  out.push(
    `scenarios: ${t.passed} passed, ${t.failed} failed, ${plural(t.errors, 'error')}${t.skipped > 0 ? `, ${t.skipped} skipped` : ''} in ${plural(t.files, 'file')}`,
  );
  return out;
}

// XML 1.0 cannot hold most control characters even as character references,
// nor a lone surrogate: they are written as the text \uXXXX instead.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text or an attribute value, escaped for XML (tab, newline and carriage return kept, as references in attributes). */
export function xmlEscape(s: string): string {
  return s.replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/[&<>"'\t\n\r]/g, (c) => XML_ENTITIES[c] as string);
}

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

function seconds(s: number): string {
  return s.toFixed(3);
}

function junitCase(file: string, c: CaseResult): string[] {
  const attrs = `classname="${xmlEscape(file)}" name="${xmlEscape(c.name)}" time="${seconds(c.time)}"`;
  if (c.status === 'passed') return [`    <testcase ${attrs}/>`];
  const body = c.failures.map((f) => xmlEscape(located(f))).join('\n');
  const first = c.failures[0];
  let inner: string;
  if (c.status === 'failed') {
    const message = first ? located(first) : (c.reason ?? '');
    inner = `<failure message="${xmlEscape(message)}" type="${xmlEscape(first?.code ?? 'failure')}">${body}</failure>`;
  } else if (c.status === 'error') {
    inner = `<error message="${xmlEscape(c.reason ?? '')}" type="${xmlEscape(first?.code ?? 'not-simulated')}">${body}</error>`;
  } else {
    inner = `<skipped message="${xmlEscape(c.reason ?? '')}"/>`;
  }
  return [`    <testcase ${attrs}>`, `      ${inner}`, '    </testcase>'];
}

/**
 * JUnit XML as Jenkins, GitLab and the GitHub test-report actions read it:
 * one <testsuite> per file, one <testcase> per scenario, valid against the
 * Jenkins xunit-plugin's junit-10.xsd (test/cli/schemas/). That schema has
 * no `file` or `line` on <testcase>, so the file is the suite's `file` and
 * the classname, and every failure's file:line:col is in its text.
 */
export function junitReport(results: readonly FileResult[], hostname: string): string[] {
  const t = totals(results);
  const time = results.reduce((n, r) => n + r.time, 0);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="irqd" tests="${t.passed + t.failed + t.errors + t.skipped}" failures="${t.failed}" errors="${t.errors}" time="${seconds(time)}">`,
  ];
  for (const r of results) {
    const n = (s: CaseStatus): number => r.cases.filter((c) => c.status === s).length;
    const fileError = r.fileErrors.length > 0 ? 1 : 0;
    out.push(
      `  <testsuite name="${xmlEscape(r.file)}" tests="${r.cases.length + fileError}" failures="${n('failed')}" errors="${n('error') + fileError}" ` +
        `skipped="${n('skipped')}" time="${seconds(r.time)}" timestamp="${r.timestamp}" hostname="${xmlEscape(hostname)}" file="${xmlEscape(r.file)}">`,
    );
    for (const c of r.cases) out.push(...junitCase(r.file, c));
    if (fileError) {
      out.push(
        ...junitCase(r.file, { name: FILE_CHECKS, line: 1, column: 1, status: 'error', time: 0, reason: `${plural(r.fileErrors.length, 'error')} outside every scenario`, failures: r.fileErrors }),
      );
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out;
}

/** A TAP description: on one line, with `#` and `\` escaped (TAP 14). */
function tapDescription(s: string): string {
  return oneLine(s.replace(/[\\#]/g, (c) => `\\${c}`));
}

/** A YAML double-quoted scalar: JSON's string syntax is one. */
function yamlString(s: string): string {
  return JSON.stringify(s);
}

/** TAP version 14: a test point per scenario, a YAML block for every one that does not pass. */
export function tapReport(results: readonly FileResult[]): string[] {
  const points: { name: string; c: CaseResult }[] = [];
  for (const r of results) {
    for (const c of r.cases) points.push({ name: `${r.file} › ${c.name}`, c });
    if (r.fileErrors.length > 0) {
      const reason = `${plural(r.fileErrors.length, 'error')} outside every scenario`;
      points.push({ name: `${r.file} › ${FILE_CHECKS}`, c: { name: FILE_CHECKS, line: 1, column: 1, status: 'error', time: 0, reason, failures: r.fileErrors } });
    }
  }
  const out = ['TAP version 14', `1..${points.length}`];
  points.forEach(({ name, c }, i) => {
    const n = i + 1;
    if (c.status === 'passed') {
      out.push(`ok ${n} - ${tapDescription(name)}`);
      return;
    }
    if (c.status === 'skipped') {
      out.push(`ok ${n} - ${tapDescription(name)} # SKIP ${tapDescription(c.reason ?? '')}`);
      return;
    }
    out.push(`not ok ${n} - ${tapDescription(name)}`, '  ---', `  severity: ${c.status === 'failed' ? 'fail' : 'error'}`);
    if (c.reason !== undefined) out.push(`  message: ${yamlString(c.reason)}`);
    if (c.failures.length > 0) {
      out.push('  failures:');
      for (const f of c.failures) {
        out.push(`    - at: ${yamlString(`${f.file}:${f.line}:${f.column}`)}`, `      code: ${f.code}`, `      message: ${yamlString(f.message)}`);
      }
    }
    out.push('  ...');
  });
  return out;
}

/** Seconds to the millisecond: more digits are noise. */
function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}

/** The JSON reporter: README, "The command line", documents this shape. */
export function jsonReport(results: readonly FileResult[]): string {
  const diag = (l: Located): object => ({ line: l.line, column: l.column, endLine: l.endLine, endColumn: l.endColumn, severity: l.severity, code: l.code, message: l.message });
  return JSON.stringify(
    {
      files: results.map((r) => ({
        file: r.file,
        time: round(r.time),
        fileErrors: r.fileErrors.map(diag),
        scenarios: r.cases.map((c) => ({
          name: c.name,
          line: c.line,
          column: c.column,
          status: c.status,
          time: round(c.time),
          reason: c.reason ?? null,
          failures: c.failures.map(diag),
        })),
      })),
      summary: totals(results),
    },
    null,
    2,
  );
}
