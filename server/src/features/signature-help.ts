// Signature help: the forms of the statement under the cursor (from
// keyword-docs.ts), the one the words typed so far fit, and the part of it
// the cursor is at: `alloc DEV N [min M] …` with `min M` active after
// `alloc nvme0 8 min`.
//
// The words come from completion-context.ts, as completion reads them. Each
// form is matched part by part: the positional parts in order, then the
// options in any order, each at most once; a part consumes its tokens by
// its `Take`s (a CPU list runs on over ',' and '-', a selection over its
// brackets). The active part is the one the word being typed belongs to, or,
// after a space, the one the next word would fill.
import { MarkupKind, type ParameterInformation, type Position, type SignatureHelp, type SignatureInformation } from 'vscode-languageserver';
import { MAX_TEXT_LENGTH, type Analysis } from '../analysis/analysis.js';
import { contextAt, docContext, insideCmdline, insideCommentOrString } from './completion-context.js';
import { docOf, type Form, type KeywordDoc, type Take } from './keyword-docs.js';

const isNumber = (w: string | undefined): boolean => w !== undefined && /^[0-9]/.test(w);
const isName = (w: string | undefined): boolean => w !== undefined && /^[A-Za-z_]/.test(w);

interface Consumed {
  readonly end: number;
  /** The part may take more words: a list or brackets not closed yet, or a part not given whole. */
  readonly open: boolean;
}

/** The index after a run of numbers joined by the separators, starting at i. */
function numberRun(toks: readonly string[], i: number, separators: readonly string[]): Consumed | undefined {
  if (!isNumber(toks[i])) return undefined;
  let j = i + 1;
  while (separators.includes(toks[j] as string)) {
    if (toks[j + 1] === undefined) return { end: toks.length, open: true };
    if (!isNumber(toks[j + 1])) break;
    j += 2;
  }
  return { end: j, open: false };
}

/** From an opening '[' at i to its ']', or open to the end. */
function bracketed(toks: readonly string[], i: number): Consumed {
  const close = toks.indexOf(']', i + 1);
  return close < 0 ? { end: toks.length, open: true } : { end: close + 1, open: false };
}

function consume(take: Take, toks: readonly string[], i: number): Consumed | undefined {
  const w = toks[i];
  switch (take) {
    case 'name':
      return isName(w) ? { end: i + 1, open: false } : undefined;
    case 'number':
      return isNumber(w) ? { end: i + 1, open: false } : undefined;
    case 'address':
      return w !== undefined && /^(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(w) ? { end: i + 1, open: false } : undefined;
    case 'string':
      return w?.startsWith('"') ? { end: i + 1, open: false } : undefined;
    case 'errno':
      return w?.startsWith('-E') ? { end: i + 1, open: false } : undefined;
    case 'cpulist':
      return numberRun(toks, i, [',', '-']);
    case 'numbers':
      return numberRun(toks, i, [',']);
    case 'entries':
      return w === '[' ? bracketed(toks, i) : undefined;
    case 'selection':
      if (w === 'irq' && toks[i + 1] !== '[') {
        if (toks[i + 1] === undefined) return { end: toks.length, open: true };
        return isNumber(toks[i + 1]) ? { end: i + 2, open: false } : undefined;
      }
      if (!isName(w)) return undefined;
      return toks[i + 1] === '[' ? bracketed(toks, i + 1) : { end: i + 1, open: false };
    case 'words':
    case 'block':
      return { end: toks.length, open: true };
    default:
      return w === take.slice(1) ? { end: i + 1, open: false } : undefined;
  }
}

/** A part's takes in order from i; a part cut short by the end of the words is open. */
function consumePart(takes: readonly Take[], toks: readonly string[], i: number): Consumed | undefined {
  let j = i;
  for (const take of takes) {
    if (j >= toks.length) return { end: j, open: true };
    const r = consume(take, toks, j);
    if (!r) return undefined;
    j = r.end;
    if (r.open) return r;
  }
  return { end: j, open: false };
}

interface Walk {
  /** The part each word went to. */
  readonly assigned: readonly number[];
  /** The part the next word would fill. */
  readonly next: number;
}

/** Matches the words after the keyword against a form, or undefined when they do not fit it. */
function walk(form: Form, toks: readonly string[]): Walk | undefined {
  const parts = form.parts;
  // A `{ … }` block takes no words: the '{' ends the statement before the cursor.
  const matched = (p: Form['parts'][number]): boolean => p.take[0] !== 'block';
  const positional = parts.flatMap((p, i) => (!p.option && matched(p) ? [i] : []));
  const options = parts.flatMap((p, i) => (p.option && matched(p) ? [i] : []));
  const used = new Set<number>();
  const assigned: number[] = [];
  let pos = 0;
  let i = 0;
  let last = -1;
  let lastOpen = false;
  while (i < toks.length) {
    let index: number | undefined;
    let r: Consumed | undefined;
    if (pos < positional.length) {
      index = positional[pos] as number;
      r = consumePart((parts[index] as Form['parts'][number]).take, toks, i);
      pos++;
    } else {
      for (const o of options) {
        if (used.has(o)) continue;
        r = consumePart((parts[o] as Form['parts'][number]).take, toks, i);
        if (r) {
          index = o;
          used.add(o);
          break;
        }
      }
    }
    if (index === undefined || !r) return undefined;
    for (let k = i; k < r.end; k++) assigned.push(index);
    i = r.end;
    last = index;
    lastOpen = r.open;
  }
  const next = lastOpen ? last : pos < positional.length ? (positional[pos] as number) : (options.find((o) => !used.has(o)) ?? last);
  return { assigned, next };
}

interface Match {
  readonly form: number;
  readonly active: number;
}

/** The first form the words fit, and the active part in it. */
function match(doc: KeywordDoc, toks: readonly string[], word: string | undefined): Match {
  if (word !== undefined) {
    const typed = [...toks, word];
    for (let f = 0; f < doc.forms.length; f++) {
      const w = walk(doc.forms[f] as Form, typed);
      if (w) return { form: f, active: w.assigned[w.assigned.length - 1] as number };
    }
  }
  for (let f = 0; f < doc.forms.length; f++) {
    const w = walk(doc.forms[f] as Form, toks);
    if (w) return { form: f, active: w.next };
  }
  // Nothing fits: show the forms with no part active.
  return { form: 0, active: -1 };
}

function help(doc: KeywordDoc, m: Match): SignatureHelp | null {
  if (doc.forms.length === 0) return null;
  const signatures: SignatureInformation[] = doc.forms.map((f, fi) => {
    const parameters: ParameterInformation[] = f.parts.map((p, i) => ({ label: f.offsets[i] as [number, number], documentation: p.doc }));
    const active = fi === m.form && m.active >= 0 ? m.active : f.parts.length;
    return { label: f.label, documentation: { kind: MarkupKind.Markdown, value: doc.summary }, parameters, activeParameter: active };
  });
  const activeParameter = m.active >= 0 ? m.active : (doc.forms[m.form]?.parts.length ?? 0);
  return { signatures, activeSignature: m.form, activeParameter };
}

export function signatureHelp(analysis: Analysis, position: Position): SignatureHelp | null {
  if (analysis.text.length > MAX_TEXT_LENGTH) return null;
  const offset = analysis.lines.offset(position);
  if (insideCmdline(analysis, offset) || insideCommentOrString(analysis, offset)) return null;
  const { block, stmt, word } = contextAt(analysis, offset);
  const context = docContext(block.kind);
  if (context === undefined) return null;
  let head = stmt[0];
  let toks = stmt.slice(1);
  // `expect fail [-ERRNO] STEP`: once the step has begun, its own signature.
  if (head === 'expect' && toks[0] === 'fail') {
    const inner = toks[1]?.startsWith('-E') ? toks.slice(2) : toks.slice(1);
    if (inner.length > 0) {
      head = inner[0];
      toks = inner.slice(1);
    }
  }
  if (head === undefined) {
    // The keyword itself being typed: its forms, nothing active yet.
    const doc = word === undefined ? undefined : docOf(word, context);
    return doc ? help(doc, { form: 0, active: -1 }) : null;
  }
  const doc = docOf(head, context);
  return doc ? help(doc, match(doc, toks, word)) : null;
}
