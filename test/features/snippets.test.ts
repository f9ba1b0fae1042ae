// Every snippet the server offers, its placeholders filled with their
// defaults (as its documentation shows it), is a statement the parser
// accepts where the snippet is offered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from '../../grammar/index.js';
import { allSnippetNames, snippetItems } from '../../server/src/features/snippets.js';

const wrap: Record<'top' | 'system' | 'guest' | 'steps' | 'guest-steps', (s: string) => string> = {
  top: (s) => s,
  system: (s) => `system h {\n${s}\n}\n`,
  guest: (s) => `system h {\nguest g {\n${s}\n}\n}\n`,
  steps: (s) => `scenario s {\n${s}\n}\n`,
  'guest-steps': (s) => `scenario s {\nguest g {\n${s}\n}\n}\n`,
};

test('each snippet, filled with its defaults, parses where it is offered, and each is offered somewhere', () => {
  const offered = new Set<string>();
  const failures: string[] = [];
  for (const [kind, around] of Object.entries(wrap)) {
    for (const item of snippetItems(kind as keyof typeof wrap)) {
      offered.add(item.label);
      const doc = item.documentation;
      const value = typeof doc === 'object' ? doc.value : '';
      const body = value.replace(/^```irqd\n/, '').replace(/\n```$/, '');
      assert.ok(!/\$\{?\d/.test(body), `${item.label}: placeholders left in ${body}`);
      const errors = parse(around(body)).errors;
      if (errors.length > 0) failures.push(`${kind}: ${item.label}: ${errors[0]?.message ?? ''}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(allSnippetNames.filter((n) => !offered.has(n)), []);
});
