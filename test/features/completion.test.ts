// Completion replays the tokens before the cursor, from a point where the
// replay of the whole file stands at the top level: after the last top-level
// block of an unbroken stretch, or, past a syntax error, after the last '}'
// that leaves no block open. Starting there must give what a replay from the
// start of the file gives, at every position of broken and unbroken files.
// Then where snippets and documentation appear.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from 'vscode-languageserver';
import { analyze } from '../../server/src/analysis/analysis.js';
import { completion, setReplayFromStart } from '../../server/src/features/completion.js';
import { mutate, programs, repositoryTexts, rng } from '../grammar/generate.js';

const root = join(__dirname, '..', '..', '..');

function labels(text: string, offsets: readonly number[], fromStart: boolean): string[] {
  const a = analyze(text, 1);
  setReplayFromStart(fromStart);
  try {
    return offsets.map((o) => completion(a, a.lines.position(o)).map((i) => i.label).join(' '));
  } finally {
    setReplayFromStart(false);
  }
}

test('completion from a replay start equals completion from a replay of the whole file, in files with and without syntax errors', () => {
  const next = rng(41);
  const generate = programs(next);
  const texts = repositoryTexts(root).slice(0, 40);
  for (let i = 0; i < 80; i++) {
    const a = generate();
    // A broken item between whole ones, an unbalanced brace, a cut.
    texts.push(mutate(a, next), `${a}\n${mutate(generate(), next)}\n${a}`, `${a}\nsystem x {\n  device d {\n${a}`, `${a}\n}\n}\n${a}`);
  }
  let broken = 0;
  for (const text of texts) {
    const offsets = Array.from({ length: 12 }, () => Math.floor(next() * (text.length + 1)));
    const fast = labels(text, offsets, false);
    const full = labels(text, offsets, true);
    assert.deepEqual(fast, full, `completion differs in:\n${text.slice(0, 2000)}`);
    if (analyze(text, 1).parse.errors.length > 0) broken++;
  }
  assert.ok(broken > 100, `only ${broken} broken texts`);
});

// Where a statement can start, completion offers its keywords, each with the
// documentation of keyword-docs.ts, and then the snippets of that place; in a
// value or name position it offers no snippet. `|` is the cursor.
const SYSTEM = `system host {
  cpus 4
  domain VECTOR vector
  domain IR0 intel-ir parent VECTOR
  domain MSI pci-msi parent IR0
  device nvme0 pci 01:00.0 { msix 8 domain MSI }
  guest g1 { cpus 1 }
}
`;

interface SnippetCase {
  readonly text: string;
  /** Snippets that must be offered; none may be offered when this is empty. */
  readonly snippets: readonly string[];
  /** Snippets that must not be offered. */
  readonly notSnippets?: readonly string[];
  /** An item and a text its documentation contains. */
  readonly doc?: readonly [string, string];
}

const snippetCases: readonly SnippetCase[] = [
  { text: '|', snippets: ['System (x86_64)', 'Scenario'], notSnippets: ['alloc', 'Domain'], doc: ['scenario', 'expect fail'] },
  { text: 'sc|', snippets: ['Scenario'] },
  { text: `${SYSTEM.slice(0, -3)}  |\n}\n`, snippets: ['Domain', 'Device (PCI, MSI-X)', 'Guest'], notSnippets: ['Scenario', 'alloc'], doc: ['cpus', 'NR_CPUS'] },
  { text: `${SYSTEM}scenario s on host {\n  |\n}\n`, snippets: ['alloc', 'alloc (min, managed)', 'guest steps'], notSnippets: ['Domain'], doc: ['alloc', 'pci_alloc_irq_vectors_affinity()'] },
  { text: `${SYSTEM}scenario s on host {\n  alloc nvme0 8\n  req|\n}\n`, snippets: ['request'], doc: ['request', 'irq_startup()'] },
  { text: `${SYSTEM}scenario s on host {\n  guest g1 {\n    |\n  }\n}\n`, snippets: ['alloc'], notSnippets: ['guest steps'], doc: ['offline', 'migrate_one_irq()'] },
  { text: `${SYSTEM}scenario s on host {\n  alloc |\n}\n`, snippets: [] },
  { text: `${SYSTEM}scenario s on host {\n  alloc nvme0 8 |\n}\n`, snippets: [], doc: ['min', 'as few as M'] },
  { text: `${SYSTEM}scenario s on host {\n  alloc nvme0 8 min 1 |\n}\n`, snippets: [], doc: ['via', 'which capability'] },
  { text: `${SYSTEM}scenario s on host {\n  request nvme0[0] |\n}\n`, snippets: [] },
  { text: `${SYSTEM}scenario s on host {\n  offline |\n}\n`, snippets: [] },
  { text: `system h {\n  arch |\n}\n`, snippets: [], doc: ['x86_64', 'riscv64'] },
  { text: `system h {\n  device d pci 01:00.0 { msix 8 domain | }\n}\n`, snippets: [] },
  { text: `system h {\n  device d pci 01:00.0 {\n    |\n  }\n}\n`, snippets: [], doc: ['msix', '2048'] },
  { text: `// a comment |\n`, snippets: [] },
];

test('snippets only where a statement can start, ranked after the keywords; keywords and values carry documentation', () => {
  for (const c of snippetCases) {
    const offset = c.text.indexOf('|');
    const text = c.text.slice(0, offset) + c.text.slice(offset + 1);
    const a = analyze(text, 1);
    const items = completion(a, a.lines.position(offset));
    const snippets = items.filter((i) => i.kind === CompletionItemKind.Snippet);
    const where = JSON.stringify(c.text);
    if (c.snippets.length === 0) assert.deepEqual(snippets.map((s) => s.label), [], `${where}: snippets in a value position`);
    for (const s of c.snippets) {
      const item = snippets.find((i) => i.label === s);
      assert.ok(item, `${where}: no snippet '${s}' among ${snippets.map((i) => i.label).join(', ')}`);
      assert.equal(item.insertTextFormat, InsertTextFormat.Snippet);
      assert.match(item.insertText ?? '', /\$\{?\d/, `${where}: '${s}' has no placeholder`);
    }
    for (const s of c.notSnippets ?? []) assert.ok(!snippets.some((i) => i.label === s), `${where}: snippet '${s}' offered`);
    // VS Code sorts by sortText, else by label: every snippet after every other item.
    const key = (i: CompletionItem): string => i.sortText ?? i.label;
    const others = items.filter((i) => i.kind !== CompletionItemKind.Snippet);
    for (const s of snippets) for (const o of others) assert.ok(key(s) > key(o), `${where}: snippet '${s.label}' sorts before '${o.label}'`);
    if (c.doc) {
      const [label, contains] = c.doc;
      const item = others.find((i) => i.label === label);
      assert.ok(item, `${where}: no item '${label}'`);
      const doc = item.documentation;
      const value = typeof doc === 'object' ? doc.value : (doc ?? '');
      assert.ok(value.includes(contains), `${where}: the documentation of '${label}' lacks '${contains}': ${value}`);
    }
  }
});
