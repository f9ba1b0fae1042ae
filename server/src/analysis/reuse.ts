// Reusing the simulation of scenarios an edit did not touch.
//
// A scenario's trace is a function of what the scenario says, what its system
// says, what the scenarios it continues (`after`) say, and the analysis
// options: not of where they stand in the file, nor of their comments and
// whitespace. So an Analysis remembers, for every trace, a key made of those
// inputs as tokens, and the next analysis of the same document takes the
// trace of any scenario whose key is unchanged instead of simulating it again
// (architecture.md, "Incremental analysis"). Taking it means moving it to the
// new text: every span the trace holds is mapped token by token from the old
// text to the new, and each record is re-pointed at the new AST's step.
//
// Invariant: a reused trace equals, field for field, the trace a fresh
// simulation of the new text would give (test/analysis/incremental.test.ts
// checks it over thousands of random edits). Whenever a mapping is not exact
// (a span that does not fall on token boundaries, a step not found) the trace
// is not reused and the scenario is simulated again.
import type * as A from '../../../grammar/index.js';
import { lex } from '../../../grammar/index.js';
import type { IrqdDiagnostic } from '../model/diagnostic.js';
import type { DeviceSym, ScenarioSym, SystemSym } from '../model/types.js';
import { modelledDrivers, ownEntry } from '../model/values.js';
import { recordAtStep, type StepRecord, type Trace } from '../sim/engine.js';

/** The tokens of one declaration: what it says (the key) and where each token is (to map spans). */
export interface Tokens {
  /** Each token's image with its type and whether a line break precedes it (keywords are retyped by line starts). */
  readonly key: string;
  /** Absolute offsets of each token's start and end in the text, ascending. */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/** The tokens of `text` within `span`, with offsets in the whole text. */
export function tokensOf(text: string, span: A.Span): Tokens {
  const slice = text.slice(span.start, span.end);
  const tokens = lex(slice);
  const parts: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let prevEnd = 0;
  for (const t of tokens) {
    const start = t.startOffset;
    const end = start + t.image.length;
    const lineBreak = prevEnd === 0 || hasLineBreak(slice, prevEnd, start);
    // A length prefix keeps the key unambiguous whatever the images contain.
    parts.push(`${lineBreak ? '\n' : ' '}${t.tokenType.name}:${t.image.length}:${t.image}`);
    starts.push(span.start + start);
    ends.push(span.start + end);
    prevEnd = end;
  }
  return { key: parts.join(''), starts, ends };
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

/** Numbers for symbols of other files: an unchanged used file keeps its Analysis, so its symbols are the same objects. */
const foreignIds = new WeakMap<object, number>();
let nextForeignId = 1;

function foreignId(sym: object): number {
  let id = foreignIds.get(sym);
  if (id === undefined) {
    id = nextForeignId++;
    foreignIds.set(sym, id);
  }
  return id;
}

/**
 * A trace with what it was computed from. `raw` names the exact text of the
 * scenario, the scenarios it continues and its system: an edit elsewhere
 * leaves it equal, and the trace only shifts. Where the text differs only in
 * comments and whitespace, the token key (computed when first asked for)
 * is equal, and the trace is mapped token by token.
 */
export interface Reusable {
  readonly trace: Trace;
  /** The exact texts it was computed from (the scenario, those it continues, its system), or a used file's symbol. */
  readonly raw: readonly (string | number)[];
  /** The scenario's name: where the next analysis looks for it. */
  readonly name: string;
  /** Where the scenario's declaration was in its text. */
  readonly span: A.Span;
  /** The token key of input `i` of `raw` (a used file's symbol stays its number), made when first asked for. */
  partTokens(i: number): string | number | undefined;
  /** The inputs as far as they concern this scenario (ScenarioKeys.narrowKeyOf()), made when first asked for. */
  narrow(): readonly string[] | undefined;
  tokens(): Tokens;
}

/** Whether two exact-text keys are equal (the texts compared as strings, no hashing of long keys). */
export function sameRaw(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One input of a key: a declaration of this file (its text, and its tokens when asked), or a symbol of a used file. */
type Part = { readonly span: A.Span } | { readonly foreign: number };

/**
 * Builds the keys of one analysis: each scenario's key names its declaration,
 * its system (or, for a system of a used file, that system object) and every
 * scenario it continues, and the options.
 */
export class ScenarioKeys {
  private readonly parts = new Map<ScenarioSym, Part[] | undefined>();
  private readonly tokens = new Map<number, Tokens>();

  constructor(
    private readonly text: string,
    private readonly local: ReadonlySet<ScenarioSym>,
    private readonly localSystems: ReadonlySet<SystemSym>,
    private readonly options: string,
  ) {}

  /** The tokens of a declaration of this file, once per declaration. */
  private tokensAt(span: A.Span): Tokens {
    let t = this.tokens.get(span.start);
    if (!t) {
      t = tokensOf(this.text, span);
      this.tokens.set(span.start, t);
    }
    return t;
  }

  /** The tokens of a scenario of this file. */
  tokensOf(sc: ScenarioSym): Tokens {
    return this.tokensAt(sc.declSpan);
  }

  private partsOf(sc: ScenarioSym): Part[] | undefined {
    if (this.parts.has(sc)) return this.parts.get(sc);
    let parts: Part[] | undefined = [];
    const seen = new Set<ScenarioSym>();
    for (let s: ScenarioSym | undefined = sc; s; s = s.after) {
      // The binder refuses cycles; a loop here would be a bug, not a key.
      if (seen.has(s)) {
        parts = undefined;
        break;
      }
      seen.add(s);
      parts.push(this.local.has(s) ? { span: s.declSpan } : { foreign: foreignId(s) });
    }
    if (parts && sc.system) parts.push(this.localSystems.has(sc.system) ? { span: sc.system.declSpan } : { foreign: foreignId(sc.system) });
    else parts = undefined;
    this.parts.set(sc, parts);
    return parts;
  }

  /** The exact-text key of a scenario that has a system, or undefined for a chain it cannot follow. */
  rawKeyOf(sc: ScenarioSym): (string | number)[] | undefined {
    const parts = this.partsOf(sc);
    if (!parts) return undefined;
    return [this.options, ...parts.map((p) => ('foreign' in p ? p.foreign : this.sliceAt(p.span)))];
  }

  private readonly slices = new Map<number, string>();

  /** A declaration's text, once per declaration (a system is shared by all its scenarios). */
  private sliceAt(span: A.Span): string {
    let t = this.slices.get(span.start);
    if (t === undefined) {
      t = this.text.slice(span.start, span.end);
      this.slices.set(span.start, t);
    }
    return t;
  }

  /** The token key of input `i` of rawKeyOf(): equal to another's when only comments and whitespace differ. */
  partTokensOf(sc: ScenarioSym, i: number): string | number | undefined {
    if (i === 0) return this.options;
    const p = this.partsOf(sc)?.[i - 1];
    if (!p) return undefined;
    return 'foreign' in p ? p.foreign : this.tokensAt(p.span).key;
  }

  /**
   * Whether a trace computed from `old` serves this scenario: every input the
   * same text, or, for the inputs whose text differs, the same tokens (only
   * those are lexed: an edit in one scenario lexes that scenario, not its
   * system).
   */
  sameInputs(sc: ScenarioSym, raw: readonly (string | number)[], old: Reusable): boolean {
    if (old.raw.length !== raw.length) return false;
    for (let i = 0; i < raw.length; i++) {
      const a = raw[i];
      const b = old.raw[i];
      if (a === b) continue;
      if (typeof a !== 'string' || typeof b !== 'string') return false;
      const mine = this.partTokensOf(sc, i);
      if (mine === undefined || mine !== old.partTokens(i)) return false;
    }
    return true;
  }

  /** What the next analysis needs to take this scenario's trace. */
  reusable(sc: ScenarioSym, trace: Trace): Reusable | undefined {
    const raw = this.rawKeyOf(sc);
    if (raw === undefined) return undefined;
    let narrow: readonly string[] | undefined | null = null;
    return {
      trace,
      raw,
      name: sc.name,
      span: sc.declSpan,
      partTokens: (i) => this.partTokensOf(sc, i),
      narrow: () => (narrow === null ? (narrow = this.narrowKeyOf(sc)) : narrow),
      tokens: () => this.tokensOf(sc),
    };
  }

  private readonly views = new Map<SystemSym, SystemView>();

  /**
   * The inputs of a scenario with its system cut down to what the scenario
   * can reach: the exact texts of the options, the scenario and those it
   * continues, and of the system without the device declarations that
   * nothing the scenario says names, directly or through other devices.
   * The simulator meets a device only through a step that names it (or a
   * `state`, guest or domain line, which always stays in the key): a device
   * no step names gets no IRQs, so its declaration cannot change the trace.
   * Undefined for a chain through another file's system or scenarios.
   */
  narrowKeyOf(sc: ScenarioSym): string[] | undefined {
    const parts = this.partsOf(sc);
    const system = sc.system;
    if (!parts || !system || !this.localSystems.has(system)) return undefined;
    const view = this.viewOf(system);
    const reached = new Set(view.always);
    const key = [this.options];
    for (const p of parts.slice(0, -1)) {
      if ('foreign' in p) return undefined;
      const text = this.sliceAt(p.span);
      key.push(text);
      for (const w of scenarioWords(text)) {
        const c = view.component.get(w);
        if (c !== undefined) reached.add(c);
      }
    }
    // Scenarios that reach the same devices share the system's part of the key.
    const signature = [...reached].sort((a, b) => a - b).join(',');
    let systemPart = view.keys.get(signature);
    if (!systemPart) {
      systemPart = systemKey(view, reached);
      view.keys.set(signature, systemPart);
    }
    for (const piece of systemPart) key.push(piece);
    return key;
  }

  private viewOf(system: SystemSym): SystemView {
    let v = this.views.get(system);
    if (!v) {
      v = systemView(this.text, system);
      this.views.set(system, v);
    }
    return v;
  }
}

/**
 * The system's part of a narrow key: its text without the devices not
 * reached. A cut device leaves only the line break it stood on, so that
 * adding or removing a device no step names changes nothing.
 */
function systemKey(view: SystemView, reached: ReadonlySet<number>): string[] {
  const key: string[] = [];
  let gap = view.gaps[0] as string;
  view.devices.forEach((d, i) => {
    if (reached.has(view.component.get(d.name) as number)) {
      key.push(spacesCollapsed(gap), d.text);
      gap = view.gaps[i + 1] as string;
    } else {
      gap += `\n${view.gaps[i + 1] as string}`;
    }
  });
  key.push(spacesCollapsed(gap));
  return key;
}

/** A system's text cut at its own device declarations, and which devices name each other. */
interface SystemView {
  /** The system's part of the key per set of reached groups (their sorted ids). */
  readonly keys: Map<string, string[]>;
  /** The system's own devices (not a guest's), in the order of the text. */
  readonly devices: readonly { readonly name: string; readonly text: string }[];
  /** The text before each device, between two, and after the last. */
  readonly gaps: readonly string[];
  /** Each device's group: devices whose declarations name one another (a VF and its PF) are one group. */
  readonly component: ReadonlyMap<string, number>;
  /** The groups the rest of the system names (a `state` block, a guest's `assign`): always in the key. */
  readonly always: ReadonlySet<number>;
}

/** Identifier-shaped words (the lexer's Identifier pattern): names, and harmlessly some that are not. */
const WORD = /[A-Za-z_][A-Za-z0-9_]*(?:[.-]+[A-Za-z0-9_]+)*/g;

/** A string literal (kept as it is), a comment, or a run of white space. */
const COMMENT_OR_STRING = /"(?:[^"\\\n\r]|\\.)*"|\/\/[^\n\r]*|\/\*[\s\S]*?\*\//g;
const SPACE_OR_STRING = /"(?:[^"\\\n\r]|\\.)*"|\s+/g;

/**
 * Text between declarations as the parser sees it: comments gone and each
 * run of white space one space or one line break (line breaks matter: a
 * keyword starts a line), string literals as they are.
 */
function spacesCollapsed(text: string): string {
  return text
    .replace(COMMENT_OR_STRING, (m) => (m.startsWith('"') ? m : ' '))
    .replace(SPACE_OR_STRING, (m) => (m.startsWith('"') ? m : /[\n\r]/.test(m) ? '\n' : ' '));
}

/**
 * The words of a scenario's text, remembered by the text: on a keystroke in a
 * system every scenario on it asks again, and their texts are unchanged. A
 * Map of the latest texts, emptied when it grows past a bound.
 */
const wordsByText = new Map<string, ReadonlySet<string>>();
/** The bound: characters of the texts remembered (two files at the size limit). */
const MAX_REMEMBERED_CHARACTERS = 8 * 1024 * 1024;
let rememberedCharacters = 0;

function scenarioWords(text: string): ReadonlySet<string> {
  let words = wordsByText.get(text);
  if (!words) {
    if (rememberedCharacters + text.length > MAX_REMEMBERED_CHARACTERS) {
      wordsByText.clear();
      rememberedCharacters = 0;
    }
    words = wordsOf(text);
    wordsByText.set(text, words);
    rememberedCharacters += text.length;
  }
  return words;
}

function wordsOf(text: string): Set<string> {
  return new Set(text.match(WORD) ?? []);
}

function systemView(text: string, system: SystemSym): SystemView {
  const own: DeviceSym[] = [];
  for (const d of system.scope.devices.values()) if (d.owner === system) own.push(d);
  own.sort((a, b) => a.declSpan.start - b.declSpan.start);
  const devices: { name: string; text: string }[] = [];
  const gaps: string[] = [];
  // A device whose driver irqd runs acts in every scenario, named or not: virtio-net's hotplug callbacks.
  const driven: string[] = [];
  let at = system.declSpan.start;
  for (const d of own) {
    // Declarations are disjoint and inside the system; anything else keeps its text in a gap.
    if (d.declSpan.start < at || d.declSpan.end > system.declSpan.end) continue;
    gaps.push(text.slice(at, d.declSpan.start));
    devices.push({ name: d.name, text: text.slice(d.declSpan.start, d.declSpan.end) });
    if (d.driver !== undefined && ownEntry(modelledDrivers, d.driver) !== undefined) driven.push(d.name);
    at = d.declSpan.end;
  }
  gaps.push(text.slice(at, system.declSpan.end));
  // Union-find over "names": a device's group is every device its declaration names or that names it.
  const parent = devices.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      const up = parent[parent[i] as number] as number;
      parent[i] = up;
      i = up;
    }
    return i;
  };
  const index = new Map(devices.map((d, i) => [d.name, i]));
  devices.forEach((d, i) => {
    for (const w of wordsOf(d.text)) {
      const j = index.get(w);
      if (j !== undefined) parent[find(i)] = find(j);
    }
  });
  const component = new Map(devices.map((d, i) => [d.name, find(i)]));
  const always = new Set<number>();
  for (const name of driven) always.add(component.get(name) as number);
  for (const g of gaps) {
    for (const w of wordsOf(g)) {
      const c = component.get(w);
      if (c !== undefined) always.add(c);
    }
  }
  return { keys: new Map(), devices, gaps, component, always };
}

/** The index of `offset` in an ascending array, or -1. */
function indexOf(sorted: readonly number[], offset: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid] as number;
    if (v === offset) return mid;
    if (v < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Where a span of the old text is in the new one, or undefined when it has no exact place. */
interface SpanMapping {
  span(s: A.Span): A.Span | undefined;
}

/** An unchanged declaration that moved: every span shifts by the same amount. */
class Shift implements SpanMapping {
  constructor(private readonly delta: number) {}

  span(s: A.Span): A.Span {
    return { start: s.start + this.delta, end: s.end + this.delta };
  }
}

/** Maps spans from the old tokens to the new ones; undefined where a span does not fall on token boundaries. */
class SpanMap implements SpanMapping {
  constructor(
    private readonly from: Tokens,
    private readonly to: Tokens,
  ) {}

  span(s: A.Span): A.Span | undefined {
    const i = indexOf(this.from.starts, s.start);
    const j = s.end === s.start ? i : indexOf(this.from.ends, s.end);
    if (i < 0 || j < 0) return undefined;
    const start = this.to.starts[i] as number;
    const end = s.end === s.start ? start : (this.to.ends[j] as number);
    return { start, end };
  }
}

/** Every step of a scenario, nested ones (guest blocks, `expect fail`) included, by the offset it starts at. */
function stepsByStart(steps: readonly A.Step[], out = new Map<number, A.Step>()): Map<number, A.Step> {
  for (const step of steps) {
    out.set(step.span.start, step);
    if (step.kind === 'guest') stepsByStart(step.steps, out);
    if (step.kind === 'expect' && step.assertion?.kind === 'fail' && step.assertion.step) stepsByStart([step.assertion.step], out);
  }
  return out;
}

function moveDiagnostic(d: IrqdDiagnostic, map: SpanMapping): IrqdDiagnostic | undefined {
  const span = map.span(d.span);
  if (!span) return undefined;
  let moved: IrqdDiagnostic = { ...d, span };
  if (d.related) {
    const related = [];
    for (const r of d.related) {
      const rs = map.span(r.span);
      if (!rs) return undefined;
      related.push({ ...r, span: rs });
    }
    moved = { ...moved, related };
  }
  // A failed expectation's simulated value moves with it (its quick fix replaces the value).
  if (d.replacements) {
    const replacements = [];
    for (const r of d.replacements) {
      const rs = map.span(r.span);
      if (!rs) return undefined;
      replacements.push({ ...r, span: rs });
    }
    moved = { ...moved, replacements };
  }
  return moved;
}

/**
 * The old trace moved to the new text, for the new scenario and system
 * symbols; undefined when it cannot be moved exactly.
 */
export function moveTrace(old: Reusable, tokens: Tokens, scenario: ScenarioSym, system: SystemSym): Trace | undefined {
  const from = old.tokens();
  if (from.starts.length !== tokens.starts.length) return undefined;
  return rebaseTrace(old.trace, new SpanMap(from, tokens), scenario, system);
}

/** The old trace of a scenario whose text is unchanged, shifted to where it now starts. */
export function shiftTrace(old: Reusable, start: number, scenario: ScenarioSym, system: SystemSym): Trace | undefined {
  return rebaseTrace(old.trace, new Shift(start - old.span.start), scenario, system);
}

/** Moves every span of a trace through `map` and re-points its records; undefined when a span or step has no exact new place. */
function rebaseTrace(old: Trace, map: SpanMapping, scenario: ScenarioSym, system: SystemSym): Trace | undefined {
  const diagnostics: IrqdDiagnostic[] = [];
  for (const d of old.diagnostics) {
    const moved = moveDiagnostic(d, map);
    if (!moved) return undefined;
    diagnostics.push(moved);
  }
  const steps = stepsByStart(scenario.decl.steps);
  const records: StepRecord[] = [];
  for (const r of old.records) {
    const span = map.span(r.step.span);
    const step = span ? steps.get(span.start) : undefined;
    if (!step || step.kind !== r.step.kind || step.span.end !== span?.end) return undefined;
    records.push(recordAtStep(r, step));
  }
  return { ...old, scenario, system, records, diagnostics };
}

