// Semantic tokens: names colored by what they resolve to (a domain, a device,
// a system), enumerated values, keywords, numbers, strings and comments.
import type { SemanticTokens, SemanticTokensLegend, Range } from 'vscode-languageserver';
import * as A from '../../../grammar/index.js';
import type { Analysis } from '../analysis/analysis.js';
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

  const out: Tok[] = [];
  for (const t of A.lex(analysis.text)) {
    const start = t.startOffset;
    const end = start + t.image.length;
    const named = names.get(start);
    if (named) {
      out.push(named);
      continue;
    }
    const type = tokenTypeOf(t);
    if (type) out.push({ start, end, type, declaration: false });
  }
  for (const c of analysis.parse.comments) out.push({ ...c, type: 'comment', declaration: false });
  return out.sort((a, b) => a.start - b.start);
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

export function semanticTokens(analysis: Analysis, range?: Range): SemanticTokens {
  const from = range ? analysis.lines.offset(range.start) : 0;
  const to = range ? analysis.lines.offset(range.end) : analysis.text.length;
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  for (const tok of classify(analysis)) {
    if (tok.end < from || tok.start > to) continue;
    // Split multi-line tokens (block comments) into one token per line.
    let start = tok.start;
    while (start < tok.end) {
      const pos = analysis.lines.position(start);
      const lineEnd = Math.min(tok.end, start + analysis.lines.lineText(pos.line).length - pos.character);
      const length = lineEnd - start;
      if (length > 0) {
        const deltaLine = pos.line - prevLine;
        const deltaChar = deltaLine === 0 ? pos.character - prevChar : pos.character;
        data.push(deltaLine, deltaChar, length, tokenTypes.indexOf(tok.type), tok.declaration ? 1 : 0);
        prevLine = pos.line;
        prevChar = pos.character;
      }
      if (pos.line + 1 >= analysis.lines.lineCount) break;
      start = analysis.lines.offset({ line: pos.line + 1, character: 0 });
    }
  }
  return { data };
}
