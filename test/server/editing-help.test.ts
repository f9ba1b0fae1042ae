// The editing help through the real bundled server over stdio: signature
// help for steps and properties (data-driven: a text with a cursor `|` → the
// signature and its active parameter), completion's snippets and
// documentation, keyword hovers, workspace symbols from open documents and
// from the .irqd files of a workspace folder on disk, and the call hierarchy
// of `after`.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  CallHierarchyIncomingCallsRequest,
  CallHierarchyOutgoingCallsRequest,
  CallHierarchyPrepareRequest,
  CompletionRequest,
  DidOpenTextDocumentNotification,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  SignatureHelpRequest,
  WorkspaceSymbolRequest,
  type CallHierarchyItem,
  type CompletionItem,
  type Hover,
  type InitializeResult,
  type SignatureHelp,
  type WorkspaceSymbol,
} from 'vscode-languageserver-protocol';
import { initialize, startStdio, type Session } from '../support/lsp.js';

const SYSTEM = `system host {
  cpus 4
  domain VECTOR vector
  domain IR0 intel-ir parent VECTOR
  domain MSI pci-msi parent IR0
  device nvme0 pci 01:00.0 { msix 16 domain MSI }
  pasid capacity 64 { set S quota 8 }
}
`;

/** A step line in a scenario on that system, `|` the cursor. */
const step = (line: string): string => `${SYSTEM}scenario s on host {\n  ${line}\n}\n`;

interface SignatureCase {
  readonly text: string;
  /** The active signature's label, or null for no signature help. */
  readonly label: string | null;
  /** The active parameter's label, or null when none is active. */
  readonly active?: string | null;
}

const ALLOC = 'alloc DEV N [min M] [managed] [pre P] [post Q] [sets A,B,…] [via msi|msix|ims|ioapic]';

const signatureCases: readonly SignatureCase[] = [
  { text: step('alloc |'), label: ALLOC, active: 'DEV' },
  { text: step('alloc nv|'), label: ALLOC, active: 'DEV' },
  { text: step('alloc nvme0 |'), label: ALLOC, active: 'N' },
  { text: step('alloc nvme0 8 |'), label: ALLOC, active: 'min M' },
  { text: step('alloc nvme0 8 mi|'), label: ALLOC, active: 'min M' },
  { text: step('alloc nvme0 8 min |'), label: ALLOC, active: 'min M' },
  { text: step('alloc nvme0 8 min 2 |'), label: ALLOC, active: 'managed' },
  { text: step('alloc nvme0 8 managed pre |'), label: ALLOC, active: 'pre P' },
  { text: step('alloc nvme0 8 managed sets 2,|'), label: ALLOC, active: 'sets A,B,…' },
  { text: step('alloc nvme0 8 min 1 via |'), label: ALLOC, active: 'via msi|msix|ims|ioapic' },
  { text: step('alloc nvme0 8 via ms|'), label: ALLOC, active: 'via msi|msix|ims|ioapic' },
  { text: step('alloc nvme0[|'), label: 'alloc DEV [LIST]', active: '[LIST]' },
  { text: step('alloc nvme0[0-|'), label: 'alloc DEV [LIST]', active: '[LIST]' },
  { text: step('free nvme0 |'), label: 'free DEV', active: 'DEV' },
  { text: step('request |'), label: 'request SEL', active: 'SEL' },
  { text: step('request nvme0[0-|'), label: 'request SEL', active: 'SEL' },
  { text: step('request irq |'), label: 'request SEL', active: 'SEL' },
  { text: step('affinity nvme0[1] |'), label: 'affinity SEL CPULIST', active: 'CPULIST' },
  { text: step('affinity nvme0[1] 0-|'), label: 'affinity SEL CPULIST', active: 'CPULIST' },
  { text: step('affinity irq 35 |'), label: 'affinity SEL CPULIST', active: 'CPULIST' },
  { text: step('offline |'), label: 'offline cpu CPULIST', active: 'cpu CPULIST' },
  { text: step('online cpu 1,|'), label: 'online cpu CPULIST', active: 'cpu CPULIST' },
  { text: step('fire nvme0[0] |'), label: 'fire SEL [N] [unhandled]', active: 'N' },
  { text: step('fire nvme0[0] 10 |'), label: 'fire SEL [N] [unhandled]', active: 'unhandled' },
  { text: step('vfio nvme0 |'), label: 'vfio DEV STATE', active: 'STATE' },
  { text: step('pasid quota S |'), label: 'pasid quota SET N', active: 'N' },
  { text: step('pasid alloc |'), label: 'pasid alloc SET [N]', active: 'alloc SET' },
  { text: step('expect nvme0[0] cpu |'), label: 'expect SEL cpu CPULIST', active: 'cpu CPULIST' },
  { text: step('expect cpu 1 available |'), label: 'expect cpu N available M', active: 'available M' },
  { text: step('expect fail -ENOSPC alloc nvme0 |'), label: ALLOC, active: 'N' },
  // The errno is optional: the step is what must follow.
  { text: step('expect fail |'), label: 'expect fail [-ERRNO] STEP', active: 'STEP' },
  { text: step('expect fail -EBUSY |'), label: 'expect fail [-ERRNO] STEP', active: 'STEP' },
  { text: step('alloc|'), label: ALLOC, active: null },
  { text: step('al|'), label: null },
  { text: step('// alloc |'), label: null },
  { text: `system h {\n  cpus |\n}\n`, label: 'cpus N', active: 'N' },
  { text: `system h {\n  device d pci 01:00.0 { msix 8 | }\n}\n`, label: 'msix N domain D [maskable yes|no]', active: 'domain D' },
  { text: `system h {\n  domain D pci-msi |\n}\n`, label: 'domain NAME KIND [parent PARENT]', active: 'parent PARENT' },
  { text: `scenario b on host after |`, label: 'scenario NAME [on SYSTEM] [after SCENARIO] { STEPS }', active: 'after SCENARIO' },
  { text: `scenario b |`, label: 'scenario NAME [on SYSTEM] [after SCENARIO] { STEPS }', active: 'on SYSTEM' },
  { text: `system h {\n  device d pci |\n}\n`, label: 'device NAME pci ADDRESS [{ … }]', active: 'pci ADDRESS' },
  { text: `system h {\n  device d vf of |\n}\n`, label: 'device NAME vf of PF index I [{ … }]', active: 'vf of PF index I' },
  { text: `system h {\n  node 1 |\n}\n`, label: 'node N cpus CPULIST', active: 'cpus CPULIST' },
  { text: `system h {\n  device d pci 01:00.0 { node | }\n}\n`, label: 'node N', active: 'N' },
];

function cursor(text: string): { text: string; position: { line: number; character: number } } {
  const at = text.indexOf('|');
  const before = text.slice(0, at);
  const lines = before.split('\n');
  return { text: before + text.slice(at + 1), position: { line: lines.length - 1, character: (lines[lines.length - 1] ?? '').length } };
}

function hoverText(h: Hover | null): string {
  return h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '';
}

describe('editing help over stdio', () => {
  let s: Session;
  let init: InitializeResult;
  const folder = mkdtempSync(join(tmpdir(), 'irqd-ws-'));
  const diskFile = join(folder, 'sub', 'disk.irqd');
  let opened = 0;

  async function open(text: string): Promise<string> {
    const uri = `file:///editing-help/${opened++}.irqd`;
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'irqd', version: 1, text } });
    return uri;
  }

  before(async () => {
    writeFileSync(join(folder, 'ignored.txt'), 'system not-irqd {}');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(diskFile, 'system diskbox {\n  cpus 2\n  device ssd0 pci 02:00.0 { }\n}\nscenario "disk-boot" on diskbox { }\n');
    s = startStdio();
    init = await s.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { textDocument: { completion: { completionItem: { snippetSupport: true } } } },
      workspaceFolders: [{ uri: pathToFileURL(folder).href, name: 'ws' }],
    });
    await s.conn.sendNotification(InitializedNotification.type, {});
  });

  after(() => {
    if (s.child.exitCode === null) s.child.kill();
    rmSync(folder, { recursive: true, force: true });
  });

  test('announces signature help, workspace symbols and call hierarchy', () => {
    const c = init.capabilities;
    assert.deepEqual(c.signatureHelpProvider?.triggerCharacters, [' ', '[']);
    assert.ok(c.workspaceSymbolProvider);
    assert.ok(c.callHierarchyProvider);
  });

  test('signature help: the form the words fit and the part at the cursor', async () => {
    const failures: string[] = [];
    for (const c of signatureCases) {
      const { text, position } = cursor(c.text);
      const uri = await open(text);
      const h = (await s.conn.sendRequest(SignatureHelpRequest.type, { textDocument: { uri }, position, context: { triggerKind: 1, isRetrigger: false } })) as SignatureHelp | null;
      const where = JSON.stringify(c.text.split('\n').find((l) => l.includes('|')));
      if (c.label === null) {
        if (h !== null) failures.push(`${where}: expected no signature help, got ${h.signatures[0]?.label ?? '?'}`);
        continue;
      }
      const sig = h?.signatures[h.activeSignature ?? 0];
      if (!sig) {
        failures.push(`${where}: no signature help`);
        continue;
      }
      if (sig.label !== c.label) failures.push(`${where}: signature ${JSON.stringify(sig.label)}, expected ${JSON.stringify(c.label)}`);
      const index = sig.activeParameter ?? h?.activeParameter ?? -1;
      const p = sig.parameters?.[index];
      const active = p && Array.isArray(p.label) ? sig.label.slice(p.label[0], p.label[1]) : null;
      if (active !== c.active) failures.push(`${where}: active parameter ${JSON.stringify(active)}, expected ${JSON.stringify(c.active)}`);
    }
    assert.deepEqual(failures, []);
  });

  test('completion: documented keywords, then snippets, only where a step can start', async () => {
    const start = cursor(step('|'));
    const uri = await open(start.text);
    const items = (await s.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: start.position })) as CompletionItem[];
    const alloc = items.find((i) => i.label === 'alloc' && i.kind === 14);
    const doc = alloc?.documentation;
    assert.ok(typeof doc === 'object' && doc.value.includes('pci_alloc_irq_vectors_affinity()'), JSON.stringify(doc));
    const snippet = items.find((i) => i.label === 'alloc (min, managed)');
    assert.equal(snippet?.kind, 15);
    assert.equal(snippet.insertTextFormat, 2);
    const value = cursor(step('alloc nvme0 8 |'));
    const uri2 = await open(value.text);
    const inside = (await s.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: uri2 }, position: value.position })) as CompletionItem[];
    assert.ok(inside.some((i) => i.label === 'min'));
    assert.deepEqual(inside.filter((i) => i.kind === 15), []);
  });

  test('a client without snippet support gets the keywords but no snippets', async () => {
    const plain = startStdio();
    try {
      await initialize(plain.conn);
      const start = cursor(step('|'));
      const uri = 'file:///editing-help/plain.irqd';
      await plain.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'irqd', version: 1, text: start.text } });
      const items = (await plain.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: start.position })) as CompletionItem[];
      assert.ok(items.some((i) => i.label === 'alloc'));
      assert.deepEqual(items.filter((i) => i.kind === 15 || i.insertTextFormat === 2), []);
    } finally {
      plain.child.kill();
    }
  });

  test('hover on a keyword: what the kernel does', async () => {
    const uri = await open(step('offline cpu 1'));
    const h = (await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 9, character: 3 } })) as Hover | null;
    assert.match(hoverText(h), /offline cpu CPULIST[\s\S]*irq_migrate_all_off_this_cpu\(\)/);
  });

  test('workspace symbols: open documents and the workspace files on disk, fuzzy matched, re-read when a file changes', async () => {
    await open(`${SYSTEM}scenario "boot" on host { }\n`);
    const query = async (q: string): Promise<WorkspaceSymbol[]> => (await s.conn.sendRequest(WorkspaceSymbolRequest.type, { query: q })) as WorkspaceSymbol[];
    const disk = await query('dsk');
    assert.deepEqual(disk.map((x) => x.name).sort(), ['disk-boot', 'diskbox']);
    assert.equal(disk.find((x) => x.name === 'diskbox')?.location.uri, pathToFileURL(diskFile).href);
    const nvme = (await query('nvme')).filter((x) => x.name === 'nvme0');
    assert.ok(nvme.length >= 1 && nvme.every((x) => x.containerName === 'host' && x.kind === 5));
    assert.equal((await query('ssd'))[0]?.containerName, 'diskbox');
    // The prefix match ranks before the scattered one.
    const ranked = (await query('boot')).map((x) => x.name);
    assert.ok(ranked.indexOf('boot') < ranked.indexOf('disk-boot'), ranked.join(', '));
    writeFileSync(diskFile, 'system diskbox2 {\n  cpus 2\n}\n');
    utimesSync(diskFile, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual((await query('dsk')).map((x) => x.name), ['diskbox2']);
    assert.deepEqual(await query('zzzqqq'), []);
  });

  test('call hierarchy: after links a scenario to the one it continues and to those continuing it', async () => {
    const text = `${SYSTEM}scenario boot on host { }\nscenario more after boot { }\nscenario third after more { }\nscenario other after boot { }\n`;
    const uri = await open(text);
    const line = (name: string): number => text.split('\n').findIndex((l) => l.startsWith(`scenario ${name} `));
    const prepare = async (l: number, character: number): Promise<CallHierarchyItem[] | null> =>
      (await s.conn.sendRequest(CallHierarchyPrepareRequest.type, { textDocument: { uri }, position: { line: l, character } })) as CallHierarchyItem[] | null;
    const [more] = (await prepare(line('more'), 10)) ?? [];
    assert.equal(more?.name, 'more');
    const incoming = await s.conn.sendRequest(CallHierarchyIncomingCallsRequest.type, { item: more });
    assert.deepEqual(incoming?.map((c) => c.from.name), ['third']);
    const outgoing = await s.conn.sendRequest(CallHierarchyOutgoingCallsRequest.type, { item: more });
    assert.deepEqual(outgoing?.map((c) => [c.to.name, c.fromRanges[0]?.start.line]), [['boot', line('more')]]);
    // From the name after `after`, the scenario it names.
    const [boot] = (await prepare(line('more'), 22)) ?? [];
    assert.equal(boot?.name, 'boot');
    const continuing = await s.conn.sendRequest(CallHierarchyIncomingCallsRequest.type, { item: boot });
    assert.deepEqual(continuing?.map((c) => c.from.name), ['more', 'other']);
    assert.equal(await prepare(line('more') - 5, 3), null);
    // An item the server did not make answers nothing, and the server keeps serving.
    const bogus = await s.conn.sendRequest(CallHierarchyIncomingCallsRequest.type, { item: { name: 'x' } as CallHierarchyItem });
    assert.deepEqual(bogus, []);
    assert.equal((await prepare(line('boot'), 10))?.[0]?.name, 'boot');
  });
});
