// Chevrotain's grammar checks (ambiguities, left recursion, unreachable
// alternatives) are skipped in production for start-up time; run them here.
// node --test runs each file in its own process, and the parser is built
// lazily on first use, so setting the variable first is enough.
import assert from 'node:assert/strict';
import { test } from 'node:test';

process.env['IRQD_PARSER_VALIDATE'] = '1';

test('the parser passes Chevrotain self-analysis with validations on', async () => {
  const { parse } = await import('../../grammar/index.js');
  const r = parse('system s { cpus 1 }\nscenario x { expect fail -ENOSPC offline cpu 0 }');
  assert.deepEqual(r.errors, []);
});
