// The TextMate grammar must know every keyword the lexer knows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { keywordSet } from '../../grammar/index.js';

test('every lexer keyword appears in the TextMate grammar', () => {
  const grammar = readFileSync(join(__dirname, '..', '..', '..', 'syntaxes', 'irqd.tmLanguage.json'), 'utf8');
  // In the JSON text a keyword stands between regex punctuation, its '-' escaped.
  const missing = [...keywordSet].filter((k) => !new RegExp(`[|(:]${k.replace(/-/g, '\\\\*-')}[|)]`).test(grammar));
  assert.deepEqual(missing, []);
});
