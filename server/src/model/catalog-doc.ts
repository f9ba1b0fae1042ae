// docs/diagnostics.md, rendered from the catalog (npm run docs:diagnostics).
import { catalog } from './catalog.js';

export function renderDiagnosticsDoc(): string {
  const out = [
    '# irqd diagnostics',
    '',
    '<!-- Generated from server/src/model/catalog.ts by `npm run docs:diagnostics`; a test fails when the two disagree. -->',
    '',
    'Every problem irqd reports carries one of these codes. Numbering: 001–009 syntax and internal, 010–019 names and values, 020–029 topology rules, 030 and up the simulator.',
    '',
    '| code | severity | title |',
    '|---|---|---|',
    ...catalog.map((e) => `| [${e.code}](#${e.code.toLowerCase()}) | ${e.severity} | ${e.title} |`),
    '',
  ];
  for (const e of catalog) {
    out.push(`## ${e.code}`, '', `**${e.title}** (${e.severity})`, '', e.doc, '', '```irqd', e.example, '```', '');
    if (e.fixes) out.push(`Quick fixes: ${e.fixes}`, '');
  }
  return out.join('\n');
}
