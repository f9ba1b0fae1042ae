// Random .irqd texts for the grammar's property tests: programs from the
// grammar (mostly valid, with keywords as names, options in any order or
// twice, odd layouts and comments), and small edits that mostly break them.
// Everything is seeded, so a failure reproduces.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lex } from '../../grammar/index.js';

export type Random = () => number;

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): Random {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every .irqd file of the repository: samples and test fixtures. */
export function repositoryTexts(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      // test/fuzz/ holds the fuzzer's kept failures (inputs that fail today, docs/robustness.md), not fixtures.
      if (statSync(p).isDirectory()) {
        if (p !== join(root, 'test', 'fuzz')) walk(p);
      } else if (name.endsWith('.irqd')) out.push(readFileSync(p, 'utf8'));
    }
  };
  walk(join(root, 'samples'));
  walk(join(root, 'test'));
  return out;
}

/** Words that are keywords and may stand where a name does: the lookahead's hard cases. */
const KEYWORD_NAMES = [
  'cpu', 'vfio', 'pasid', 'fail', 'irq', 'vector', 'lost', 'delivered', 'affinity', 'device', 'domain', 'msi', 'bar', 'on', 'after', 'set',
  'used', 'available', 'managed', 'via', 'min', 'pre', 'post', 'sets', 'edge', 'level', 'message', 'irte', 'pending', 'previous', 'state',
  'node', 'guest', 'expect', 'alloc', 'free', 'system', 'scenario', 'use', 'driver', 'platform',
];
const NAMES = ['d0', 'nvme0', 'IR-PCI-MSI', 'x_1', 'a.b', 'VECTOR', 'g', 'eth0', 'foo-bar', 'msix-tables', 'vector2'];
const WORDS = ['requested', 'reserved', 'masked', 'no-balancing', 'p2p', 'pre-copy', 'ext-dest-id', 'x'];
const VALUES = ['0', '1', '3', '8', '64', '0x25', '0xFEE00018', '16K', '1M', '4KB', '99999999999999999999', '0x1fffffffffffffff'];
const INTS = ['0', '1', '2', '3', '7', '15', '4294967295'];

/** A generator of programs; each call returns a new one. */
export function programs(next: Random): () => string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const chance = (p: number): boolean => next() < p;
  const name = (): string => (chance(0.3) ? pick(KEYWORD_NAMES) : pick(NAMES));
  const value = (): string => pick(VALUES);
  const cpus = (): string => {
    const parts: string[] = [];
    for (let i = 0, n = 1 + Math.floor(next() * 3); i < n; i++) parts.push(chance(0.4) ? `${pick(INTS)}-${pick(INTS)}` : pick(INTS));
    return parts.join(pick([',', ' , ']));
  };
  const selection = (): string => {
    const r = next();
    if (r < 0.12) return `irq ${pick(['43', '0x2b', '4K', '4KB', '1.2', 'x', 'cpu'])}`;
    if (r < 0.16) return `irq${pick(['[0]', '[*]', ''])}`;
    return name() + (chance(0.6) ? pick(['[*]', `[${cpus()}]`, '[0]']) : '');
  };
  let depth = 0;
  const block = (item: () => string, max: number): string => {
    const items: string[] = [];
    for (let i = 0, n = Math.floor(next() * max); i < n; i++) items.push(item());
    return '{' + items.map((x) => (chance(0.8) ? '\n  ' : ' ') + x).join('') + (chance(0.8) ? '\n}' : ' }');
  };
  const assertion = (): string => {
    if (chance(0.25)) {
      // `cpu`, `vfio`, `pasid`, `fail` and `irq` begin assertions and may also be device names.
      const w = pick(['cpu', 'vfio', 'pasid', 'fail', 'irq']);
      const after = pick(['[0]', '', ` ${value()}`, ` ${name()}`, ' -ENOSPC', ' affinity', ' lost', ' used', ' available', ' cpu']);
      return w + after + pick(['', ` ${value()}`, ` ${name()}`, ` ${cpus()}`, ` used ${value()}`, ` available ${value()}`, ' lost', ` cpu ${cpus()}`, ` ${selection()} 1`]);
    }
    switch (Math.floor(next() * 5)) {
      case 0:
        return `cpu ${pick(['0', '1', '0x3'])} available ${value()}`;
      case 1:
        return `vfio ${name()} ${name()}`;
      case 2:
        return `pasid ${name()} used ${value()}`;
      case 3: {
        if (depth > 6) return 'cpu 0 available 1';
        depth++;
        const s = `fail ${chance(0.5) ? '-ENOSPC ' : ''}${step()}`;
        depth--;
        return s;
      }
      default:
        return `${selection()} ${pick([`cpu ${cpus()}`, `affinity ${cpus()}`, `vector ${value()}`, `message ${value()} ${value()}`, 'lost', 'delivered', `irte ${value()}`])}`;
    }
  };
  const step = (): string => {
    switch (Math.floor(next() * 12)) {
      case 0: {
        const opts: string[] = [];
        for (let i = 0, n = Math.floor(next() * 4); i < n; i++) {
          opts.push(pick([`min ${value()}`, 'managed', `via ${pick(['msi', 'msix', name()])}`, `pre ${value()}`, `post ${value()}`, `sets ${value()}${chance(0.5) ? `,${value()}` : ''}`]));
        }
        return chance(0.9) ? `alloc ${name()} ${value()} ${opts.join(' ')}` : `alloc ${name()}[${cpus()}]`;
      }
      case 1:
        return chance(0.8) ? `free ${name()}` : `free ${name()}[${cpus()}]`;
      case 2:
        return chance(0.8) ? `${pick(['request', 'release', 'mask', 'unmask', 'fire'])} ${selection()}` : `fire ${selection()} ${value()}${chance(0.5) ? ' unhandled' : ''}`;
      case 3:
        return `affinity ${selection()} ${cpus()}`;
      case 4:
        return `${pick(['offline', 'online'])} cpu ${cpus()}`;
      case 5:
        return `vfio ${name()} ${name()}`;
      case 6:
        return `mmio ${name()} ${pick(['read', 'write'])}${chance(0.5) ? ` bar ${value()} offset ${value()}` : ''}`;
      case 7:
        return `dma ${name()} -> ${name()}`;
      case 8:
        return `pasid ${pick([`alloc ${name()}${chance(0.5) ? ' ' + value() : ''}`, `free ${name()}`, `quota ${name()} ${value()}`])}`;
      case 9: {
        if (depth >= 3) return 'free d0';
        depth++;
        const b = block(step, 3);
        depth--;
        return `guest ${name()} ${b}`;
      }
      default:
        return `expect ${assertion()}`;
    }
  };
  const deviceItem = (): string =>
    pick([
      `${pick(['msi', 'msix', 'ims'])} ${value()} domain ${name()}${chance(0.4) ? ` ${pick(['maskable', 'storage'])} ${name()}` : ''}`,
      `ioapic pin ${value()}${chance(0.5) ? ` domain ${name()}` : ''}${chance(0.4) ? ` irq ${value()}` : ''}${chance(0.5) ? ` ${pick(['edge', 'level'])}` : ''}${chance(0.1) ? ' edge irq 1' : ''}`,
      `bar ${value()} size ${value()}`,
      `${pick(['msix-table', 'msix-pba'])} bar ${value()} offset ${value()}`,
      `register ${name()} bar ${value()} offset ${value()}${chance(0.5) ? ` size ${value()}` : ''}`,
      'pasid',
      `sriov ${value()}`,
      `migration${chance(0.6) ? ' ' + pick(WORDS) : ''}`,
      `node ${value()}`,
      `driver ${name()}`,
    ]);
  const irqLine = (): string => {
    const opts: string[] = [];
    for (let i = 0, n = Math.floor(next() * 7); i < n; i++) {
      opts.push(pick([`via ${name()}`, 'managed', `cpu ${value()}`, `vector ${value()}`, `affinity ${cpus()}`, `pending ${cpus()}`, `previous cpu ${value()} vector ${value()}`, `irte ${value()}`, `message ${value()} ${value()}`, pick(WORDS)]));
    }
    return `irq ${value()} ${selection()} ${opts.join(' ')}`;
  };
  const bodyItem = (): string => {
    switch (Math.floor(next() * 16)) {
      case 0:
        return `arch ${name()}`;
      case 1:
        return `kernel ${pick(['6.1', '6.10', '6.1.55', '6', 'mainline', name()])}`;
      case 2:
        return `cpus ${value()}`;
      case 3:
        return `apic ${name()}${chance(0.4) ? ' ' + pick(WORDS) : ''}`;
      case 4:
        return `dest-mode ${name()}`;
      case 5:
        return `page-size ${value()}`;
      case 6:
        return `node ${value()} cpus ${cpus()}`;
      case 7:
        return `domain ${name()} ${name()}${chance(0.5) ? ` parent ${name()}` : ''}${chance(0.4) ? ` { ${pick(['irtes 65536', 'pins 24 source-id ff:00.0', ''])} }` : ''}`;
      case 8:
      case 9:
        return `device ${name()} ${pick(['pci 01:00.0', 'pci 0000:3b:00.0', `vf of ${name()} index ${value()}`, 'platform'])}${chance(0.7) ? ' ' + block(deviceItem, 5) : ''}`;
      case 10:
        return `pasid capacity ${value()}${chance(0.6) ? ` { ${chance(0.7) ? `set ${name()} quota ${value()}` : ''} }` : ''}`;
      case 11: {
        if (depth >= 2) return 'cpus 1';
        depth++;
        const b = block(bodyItem, 4);
        depth--;
        return `guest ${name()} ${b}`;
      }
      case 12:
        return `hypervisor ${name()}`;
      case 13:
        return `assign ${name()} ${chance(0.5) ? 'as 00:04.0' : `sub ${name()} mode ${name()}`}${chance(0.4) ? ` domain ${name()}` : ''}`;
      case 14:
        return chance(0.5) ? `backport ${pick(WORDS)}${chance(0.4) ? ' ' + pick(WORDS) : ''}` : chance(0.5) ? `cmdline "irqaffinity=${cpus()}"` : `smt ${value()}`;
      default:
        return `state {\n    online cpu ${cpus()}\n    ${irqLine()}\n    ${irqLine()}\n  }`;
    }
  };
  const top = (): string => {
    const r = next();
    if (r < 0.1) return `use ${pick(['"x.irqd"', '"a \\"b\\""', '""'])}`;
    if (r < 0.55) return `system ${name()}${chance(0.5) ? ' "desc"' : ''} ${block(bodyItem, 8)}`;
    return `scenario ${chance(0.5) ? '"s"' : name()}${chance(0.6) ? ` on ${name()}` : ''}${chance(0.3) ? ` after ${chance(0.5) ? '"boot"' : name()}` : ''} ${block(step, 10)}`;
  };
  return () => {
    depth = 0;
    const items: string[] = [];
    for (let i = 0, n = 1 + Math.floor(next() * 4); i < n; i++) items.push(top());
    const text = items.join('\n');
    // Odd layouts: a few spaces become line breaks, comments or tabs.
    return chance(0.3) ? text.replace(/ /g, () => (chance(0.05) ? pick(['\n  ', ' // c\n ', ' /* c */ ', '\t']) : ' ')) : text;
  };
}

const PIECES = ['{', '}', '[', ']', ',', '-', '*', '->', '"x"', '"open', '/*', '*/', '// c\n', '\n', '0', '64', '0x25', '16K', '01:00.0', '-ENOSPC', '4KB', 'nvme0', '#', 'cpu', 'expect fail', 'guest g {'];

/** One to three small edits: tokens deleted, duplicated or replaced, pieces and keywords inserted, lines joined or split. */
export function mutate(text: string, next: Random): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  for (let e = 0, n = 1 + Math.floor(next() * 3); e < n; e++) {
    const tokens = lex(text);
    const t = tokens.length > 0 ? pick(tokens) : undefined;
    const at = Math.floor(next() * (text.length + 1));
    const end = t ? t.startOffset + t.image.length : 0;
    switch (Math.floor(next() * 7)) {
      case 0:
        if (t) text = text.slice(0, t.startOffset) + text.slice(end);
        break;
      case 1:
        if (t) text = text.slice(0, end) + ' ' + t.image + text.slice(end);
        break;
      case 2:
        if (t) text = text.slice(0, t.startOffset) + pick([...KEYWORD_NAMES, ...VALUES]) + text.slice(end);
        break;
      case 3:
        text = text.slice(0, at) + ' ' + pick(PIECES) + ' ' + text.slice(at);
        break;
      case 4:
        text = text.slice(0, at) + pick(PIECES) + text.slice(at);
        break;
      case 5: {
        const nl = text.indexOf('\n', at);
        if (nl >= 0) text = text.slice(0, nl) + ' ' + text.slice(nl + 1);
        break;
      }
      default:
        if (t) text = text.slice(0, t.startOffset) + '\n' + text.slice(t.startOffset);
    }
  }
  return text;
}
