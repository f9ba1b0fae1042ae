// Semantic tokens: names colored by what they resolve to (a domain, a device,
// a system), enumerated values, keywords, numbers, strings and comments.
import type { SemanticTokens, SemanticTokensLegend, Range } from 'vscode-languageserver';
import * as A from '../../../grammar/index.js';
import { MAX_TEXT_LENGTH, type Analysis } from '../analysis/analysis.js';
import type { SymbolKind } from '../model/types.js';

export const tokenTypes = [
  'namespace',
  'type',
  'class',
  'enumMember',
  'function',
  'variable',
  'property',
  'keyword',
  'number',
  'string',
  'comment',
  'operator',
] as const;
export const tokenModifiers = ['declaration'] as const;

export const legend: SemanticTokensLegend = { tokenTypes: [...tokenTypes], tokenModifiers: [...tokenModifiers] };

type TokenType = (typeof tokenTypes)[number];

const typeOfSymbol: Record<SymbolKind, TokenType> = {
  system: 'namespace',
  guest: 'namespace',
  domain: 'type',
  device: 'class',
  'sub-device': 'class',
  'pasid-set': 'variable',
  scenario: 'function',
  register: 'property',
};

interface Tok {
  start: number;
  end: number;
  type: TokenType;
  declaration: boolean;
}

/** Spans of words that are values of their item (a domain kind, an arch, a VFIO state, an IRQ's status). */
function valueSpans(ast: A.SourceFile): A.Span[] {
  const out: A.Span[] = [];
  const add = (i: A.Ident | undefined): void => {
    if (i) out.push(i.span);
  };
  const body = (items: readonly A.BodyItem[]): void => {
    for (const item of items) {
      switch (item.kind) {
        case 'arch':
        case 'kernel':
        case 'dest-mode':
        case 'hypervisor':
          add(item.value);
          break;
        case 'apic':
          add(item.value);
          item.flags.forEach(add);
          break;
        case 'domain':
          add(item.domainKind);
          break;
        case 'assign':
          add(item.mode);
          break;
        case 'backport':
          item.names.forEach(add);
          break;
        case 'guest':
          body(item.items);
          break;
        case 'device':
          for (const d of item.items) {
            if (d.kind === 'cap') for (const o of d.options) add(o.value);
            if (d.kind === 'migration') d.flags.forEach(add);
            // `edge` and `level` are keywords to the lexer, values of the pin to the reader.
            if (d.kind === 'ioapic-pin') add(d.trigger);
          }
          break;
        case 'state':
          for (const s of item.items) {
            if (s.kind !== 'state-irq') continue;
            add(s.via);
            // The status (`requested`, …) and the flags (`masked`, `no-balancing`).
            s.flags.forEach(add);
          }
          break;
        default:
          break;
      }
    }
  };
  const steps = (list: readonly A.Step[]): void => {
    for (const s of list) {
      if (s.kind === 'alloc') add(s.via);
      if (s.kind === 'vfio') add(s.state);
      if (s.kind === 'dma' && s.target?.text === 'memory') add(s.target);
      if (s.kind === 'guest') steps(s.steps);
      if (s.kind === 'expect' && s.assertion?.kind === 'vfio') add(s.assertion.state);
      if (s.kind === 'expect' && s.assertion?.kind === 'fail' && s.assertion.step) steps([s.assertion.step]);
    }
  };
  for (const item of ast.items) {
    if (item.kind === 'system') body(item.items);
    else if (item.kind === 'scenario') steps(item.steps);
  }
  return out;
}

function classify(analysis: Analysis): Tok[] {
  const names = new Map<number, Tok>();
  // A name written as a string (`scenario "hot-unplug"`, `after "boot"`) stays a string.
  const quoted = (span: A.Span): boolean => analysis.text.charAt(span.start) === '"';
  for (const sym of analysis.model.symbols) {
    if (quoted(sym.nameSpan)) continue;
    names.set(sym.nameSpan.start, { ...sym.nameSpan, type: typeOfSymbol[sym.kind], declaration: true });
  }
  // References include `after SCENARIO` (a scenario, possibly of a used file) and the device of a state's `irq` line.
  for (const ref of analysis.model.references) {
    if (ref.target && !quoted(ref.span)) names.set(ref.span.start, { ...ref.span, type: typeOfSymbol[ref.target.kind], declaration: false });
  }
  for (const v of valueSpans(analysis.parse.ast)) names.set(v.start, { ...v, type: 'enumMember', declaration: false });

  // The lexer's tokens and the comments both come in order: merge them instead of sorting a million objects.
  const out: Tok[] = [];
  const comments = analysis.parse.comments;
  let c = 0;
  for (const t of A.lex(analysis.text)) {
    const start = t.startOffset;
    for (; c < comments.length && (comments[c] as A.Span).start < start; c++) out.push({ start: (comments[c] as A.Span).start, end: (comments[c] as A.Span).end, type: 'comment', declaration: false });
    const named = names.get(start);
    if (named) {
      out.push(named);
      continue;
    }
    const type = tokenTypeOf(t);
    if (type) out.push({ start, end: start + t.image.length, type, declaration: false });
  }
  for (; c < comments.length; c++) out.push({ start: (comments[c] as A.Span).start, end: (comments[c] as A.Span).end, type: 'comment', declaration: false });
  return out;
}

function tokenTypeOf(t: A.IToken): TokenType | undefined {
  const name = t.tokenType.name;
  if (name.startsWith('Kw_')) return 'keyword';
  switch (name) {
    case 'Int':
    case 'Hex':
    case 'Size':
    case 'Version':
    case 'PciAddress':
      return 'number';
    case 'Errno':
      return 'enumMember';
    case 'StringLit':
    case 'UnterminatedString':
      return 'string';
    case 'Arrow':
      return 'operator';
    default:
      return undefined;
  }
}

/** Each analysis's classified tokens, made once: a client asks again for every range it scrolls to. */
const classified = new WeakMap<Analysis, Tok[]>();

function classifiedTokens(analysis: Analysis): Tok[] {
  let toks = classified.get(analysis);
  if (!toks) {
    toks = classify(analysis);
    classified.set(analysis, toks);
  }
  return toks;
}

const typeIndex = new Map<TokenType, number>(tokenTypes.map((t, i) => [t, i]));

export function semanticTokens(analysis: Analysis, range?: Range): SemanticTokens {
  // A file over the limit is not analysed (IRQD004), and not coloured either.
  if (analysis.text.length > MAX_TEXT_LENGTH) return { data: [] };
  const lines = analysis.lines;
  const from = range ? lines.offset(range.start) : 0;
  const to = range ? lines.offset(range.end) : analysis.text.length;
  const toks = classifiedTokens(analysis);
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  // The first token that may reach into the range (tokens are sorted and do not overlap).
  let i = firstEndingAfter(toks, from);
  let line = i < toks.length ? lines.lineOf((toks[i] as Tok).start) : 0;
  for (; i < toks.length; i++) {
    const tok = toks[i] as Tok;
    if (tok.start > to) break;
    // Tokens come in order: move the line forward instead of searching for it.
    while (line + 1 < lines.lineCount && lines.lineStart(line + 1) <= tok.start) line++;
    // Split multi-line tokens (block comments) into one token per line.
    let start = tok.start;
    let l = line;
    while (start < tok.end) {
      const character = start - lines.lineStart(l);
      const length = Math.min(tok.end, lines.lineEnd(l)) - start;
      if (length > 0) {
        const deltaLine = l - prevLine;
        data.push(deltaLine, deltaLine === 0 ? character - prevChar : character, length, typeIndex.get(tok.type) as number, tok.declaration ? 1 : 0);
        prevLine = l;
        prevChar = character;
      }
      if (l + 1 >= lines.lineCount) break;
      l++;
      start = lines.lineStart(l);
    }
  }
  return { data };
}

/** The index of the first token that ends at or after `offset`. */
function firstEndingAfter(toks: readonly Tok[], offset: number): number {
  let lo = 0;
  let hi = toks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((toks[mid] as Tok).end < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
