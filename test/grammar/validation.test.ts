// Chevrotain's grammar checks (ambiguities, left recursion, unreachable
// alternatives) are skipped in production for start-up time; run them here.
// node --test runs each file in its own process, and the parser is built
// lazily on first use, so setting the variable first is enough. parse()
// reads a valid file with the quick reader and never builds the parser, so
// the parser is asked directly.
import assert from 'node:assert/strict';
import { test } from 'node:test';

process.env['IRQD_PARSER_VALIDATE'] = '1';

test('the parser passes Chevrotain self-analysis with validations on', async () => {
  const { lex } = await import('../../grammar/index.js');
  const { parseTokens } = await import('../../grammar/parser.js');
  const r = parseTokens(lex('system s { cpus 1 }\nscenario x { expect fail -ENOSPC offline cpu 0 }'));
  assert.deepEqual(r.errors, []);
  assert.equal(r.items.length, 2);
});
