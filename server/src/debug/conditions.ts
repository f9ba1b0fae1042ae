// The expression language of breakpoint conditions, watch expressions and
// hovers. It is small on purpose and evaluated here, never by eval():
//
//   expr    := or
//   or      := and ( '||' and )*
//   and     := unary ( '&&' unary )*
//   unary   := '!' unary | compare
//   compare := primary ( ( '==' | '!=' | '<' | '<=' | '>' | '>=' ) primary )?
//   primary := NUMBER | STRING | 'true' | 'false' | '(' expr ')' | path
//   path    := 'irq' NUMBER field? | 'cpu' NUMBER field? | NAME '[' NUMBER ']' field? | NAME field?
//   field   := '.' NAME
//
// NUMBER is decimal or 0x-hex, STRING is "…" or '…'; whitespace may stand
// between any two tokens (`cpu 2 .available`). A path names a node of the
// state tree (inspect.ts): `nvme0[3]` the IRQ of the device's entry 3, `irq
// 35` an IRQ by number, `cpu 2` a CPU, `nvme0` a device; a field one of that
// node's children. Errors are values, with the column they start at.
import { CPU_ALIASES, cpuFields, cpuNode, deviceFields, deviceNode, irqFields, irqNode, irqOfEntry, type Node, type Scalar } from './inspect.js';
import type { SimState } from '../sim/state.js';

export type PathBase =
  | { readonly kind: 'irq'; readonly n: number }
  | { readonly kind: 'cpu'; readonly n: number }
  | { readonly kind: 'entry'; readonly device: string; readonly index: number }
  | { readonly kind: 'device'; readonly device: string };

export type Expr =
  | { readonly kind: 'literal'; readonly value: Scalar }
  | { readonly kind: 'path'; readonly base: PathBase; readonly field?: string; readonly text: string }
  | { readonly kind: 'not'; readonly operand: Expr }
  | { readonly kind: 'logic'; readonly op: '&&' | '||'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: Expr; readonly right: Expr };

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

interface Token {
  readonly kind: 'number' | 'string' | 'name' | 'op';
  readonly text: string;
  readonly value?: number | string;
  readonly at: number;
}

export class ExpressionError extends Error {}

/** Expressions longer than this are refused: a bound on the work any input causes. */
const MAX_LENGTH = 1000;
/** How deep parentheses and `!` may nest. */
const MAX_DEPTH = 32;

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.'];

function lex(text: string): Token[] {
  if (text.length > MAX_LENGTH) throw new ExpressionError(`the expression is longer than ${MAX_LENGTH} characters`);
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const number = /^(0[xX][0-9a-fA-F]+|\d+)/.exec(text.slice(i));
    if (number) {
      const t = number[0];
      // A digit run glued to letters (`3abc`) is neither a number nor a name.
      if (/[A-Za-z_]/.test(text[i + t.length] ?? '')) throw new ExpressionError(`'${text.slice(i).split(/[\s.[\]()]/)[0] ?? t}' at column ${i + 1} is not a number`);
      out.push({ kind: 'number', text: t, value: Number(t), at: i });
      i += t.length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i));
    if (name) {
      out.push({ kind: 'name', text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new ExpressionError(`the string at column ${i + 1} is not closed`);
      out.push({ kind: 'string', text: text.slice(i, end + 1), value: text.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected '${c}' at column ${i + 1}`);
    out.push({ kind: 'op', text: op, at: i });
    i += op.length;
  }
  return out;
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: string,
  ) {}

  parse(): Expr {
    if (this.tokens.length === 0) throw new ExpressionError('the expression is empty');
    const e = this.or();
    const t = this.peek();
    if (t) throw new ExpressionError(`unexpected '${t.text}' at column ${t.at + 1}`);
    return e;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t?.kind === 'op' && t.text === text;
  }

  private expect(what: string, ok: (t: Token) => boolean): Token {
    const t = this.peek();
    if (!t) throw new ExpressionError(`expected ${what} at the end of the expression`);
    if (!ok(t)) throw new ExpressionError(`expected ${what} at column ${t.at + 1}, found '${t.text}'`);
    this.i++;
    return t;
  }

  private or(): Expr {
    let left = this.and();
    while (this.isOp('||')) {
      this.i++;
      left = { kind: 'logic', op: '||', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.unary();
    while (this.isOp('&&')) {
      this.i++;
      left = { kind: 'logic', op: '&&', left, right: this.unary() };
    }
    return left;
  }

  private nested<T>(f: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new ExpressionError(`the expression nests deeper than ${MAX_DEPTH}`);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private unary(): Expr {
    if (this.isOp('!')) {
      this.i++;
      return this.nested(() => ({ kind: 'not', operand: this.unary() }));
    }
    const left = this.primary();
    const t = this.peek();
    if (t?.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.text)) {
      this.i++;
      return { kind: 'compare', op: t.text as CompareOp, left, right: this.primary() };
    }
    return left;
  }

  private primary(): Expr {
    const t = this.expect('a value, a path or (', (x) => x.kind !== 'op' || x.text === '(');
    if (t.kind === 'number' || t.kind === 'string') return { kind: 'literal', value: t.value as Scalar };
    if (t.kind === 'op') {
      const e = this.nested(() => this.or());
      this.expect("')'", (x) => x.kind === 'op' && x.text === ')');
      return e;
    }
    if (t.text === 'true' || t.text === 'false') return { kind: 'literal', value: t.text === 'true' };
    let base: PathBase;
    const next = this.peek();
    if ((t.text === 'irq' || t.text === 'cpu') && next?.kind === 'number') {
      this.i++;
      base = { kind: t.text, n: next.value as number };
    } else if (this.isOp('[')) {
      this.i++;
      const index = this.expect('an entry index', (x) => x.kind === 'number');
      this.expect("']'", (x) => x.kind === 'op' && x.text === ']');
      base = { kind: 'entry', device: t.text, index: index.value as number };
    } else {
      base = { kind: 'device', device: t.text };
    }
    let field: string | undefined;
    if (this.isOp('.')) {
      this.i++;
      field = this.expect('a field name after .', (x) => x.kind === 'name').text;
    }
    const end = this.tokens[this.i - 1] as Token;
    return { kind: 'path', base, ...(field !== undefined ? { field } : {}), text: this.source.slice(t.at, end.at + end.text.length) };
  }
}

/** Parses an expression, or throws an ExpressionError saying where it is wrong. */
export function parseExpression(text: string): Expr {
  return new Parser(lex(text), text).parse();
}

/** The fields each kind of path offers, for checking a condition before it runs. */
const IRQ_FIELDS = ['irq', 'device', 'index', 'cap', 'state', 'cpu', 'vector', 'hwirq', 'affinity', 'effective', 'managed', 'movePending', 'masked', 'pending', 'started', 'activated', 'hardware', 'prev', 'message', 'decoded', 'irte', 'proc', 'host', 'lastFire'];
const CPU_FIELDS = ['online', 'available', 'allocated', 'managed', 'managedAllocated', 'vectors', ...Object.keys(CPU_ALIASES)];
const DEVICE_FIELDS = ['bus', 'address', 'vfio', 'cap', 'entries', 'PBA'];

/**
 * What is wrong with an expression's names on this system, before any step
 * runs: a device it does not declare, a field no such node has. A condition
 * that passes this can still name an IRQ that does not exist yet; that is
 * not an error, the comparison is then false.
 */
export function checkNames(e: Expr, devices: ReadonlySet<string>, cpus: number): string | undefined {
  switch (e.kind) {
    case 'literal':
      return undefined;
    case 'not':
      return checkNames(e.operand, devices, cpus);
    case 'logic':
    case 'compare':
      return checkNames(e.left, devices, cpus) ?? checkNames(e.right, devices, cpus);
    case 'path': {
      const b = e.base;
      if ((b.kind === 'entry' || b.kind === 'device') && !devices.has(b.device)) return `'${b.device}' is not a device of this system${devices.size ? ` (devices: ${[...devices].join(', ')})` : ''}`;
      if (b.kind === 'cpu' && b.n >= cpus) return `the system has CPUs 0-${cpus - 1}, not CPU ${b.n}`;
      if (e.field === undefined) return undefined;
      const known = b.kind === 'cpu' ? CPU_FIELDS : b.kind === 'device' ? DEVICE_FIELDS : IRQ_FIELDS;
      return known.includes(e.field) ? undefined : `'${e.field}' is not a field of ${b.kind === 'cpu' ? 'a CPU' : b.kind === 'device' ? 'a device' : 'an IRQ'}; the fields are ${known.join(', ')}`;
    }
  }
}

/** The node a path names in a state, or why there is none (yet). */
export function resolvePath(s: SimState, e: Extract<Expr, { kind: 'path' }>): Node | string {
  const b = e.base;
  let node: Node;
  let fields: () => Node[];
  switch (b.kind) {
    case 'irq': {
      const irq = s.irqs.get(b.n);
      if (!irq) return `there is no IRQ ${b.n} at this step`;
      node = irqNode(s, irq);
      fields = () => irqFields(s, irq);
      break;
    }
    case 'cpu':
      if (b.n >= s.matrix.cpus.length) return `the system has CPUs 0-${s.matrix.cpus.length - 1}, not CPU ${b.n}`;
      node = cpuNode(s, b.n);
      fields = () => cpuFields(s, b.n);
      break;
    case 'entry': {
      if (!s.system.scope.devices.has(b.device)) return `'${b.device}' is not a device of this system`;
      const irq = irqOfEntry(s, b.device, b.index);
      if (!irq) return `${b.device}[${b.index}] has no IRQ at this step`;
      node = irqNode(s, irq, `${b.device}[${b.index}]`);
      fields = () => irqFields(s, irq);
      break;
    }
    case 'device':
      if (!s.system.scope.devices.has(b.device)) return `'${b.device}' is not a device of this system, nor a path (irq N, cpu N, DEV[N])`;
      node = deviceNode(s, b.device);
      fields = () => deviceFields(s, b.device);
      break;
  }
  if (e.field === undefined) return node;
  const name = b.kind === 'cpu' ? (CPU_ALIASES[e.field] ?? e.field) : e.field;
  const field = fields().find((f) => f.name === name || (name === 'entries' && f.count !== undefined));
  return field ?? `${e.text}: ${b.kind === 'device' ? 'the device has' : 'there is'} no field '${e.field}' at this step`;
}

/** A value of an evaluation: a scalar, or nothing (a path with no value at this step). */
type Value = Scalar | undefined;

function value(s: SimState, e: Expr): Value {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'path': {
      const n = resolvePath(s, e);
      return typeof n === 'string' ? undefined : n.scalar;
    }
    case 'not':
      return !truth(s, e.operand);
    case 'logic':
      return e.op === '&&' ? truth(s, e.left) && truth(s, e.right) : truth(s, e.left) || truth(s, e.right);
    case 'compare':
      return compare(e.op, value(s, e.left), value(s, e.right));
  }
}

function truth(s: SimState, e: Expr): boolean {
  const v = value(s, e);
  if (typeof v === 'boolean') return v;
  if (v === undefined) return false;
  throw new ExpressionError(`'${e.kind === 'path' ? e.text : String(v)}' is a ${typeof v}, not true or false: compare it (== != < <= > >=)`);
}

function compare(op: CompareOp, a: Value, b: Value): boolean {
  // A path with no value now (an IRQ not allocated yet) equals nothing.
  if (a === undefined || b === undefined) return op === '!=';
  if (typeof a !== typeof b) {
    // "5" and 5 are the same to a user typing a CPU list of one CPU.
    if (typeof a === 'string' && typeof b === 'number' && String(b) === a) return op === '==' || op === '<=' || op === '>=';
    if (typeof a === 'number' && typeof b === 'string' && String(a) === b) return op === '==' || op === '<=' || op === '>=';
    if (op === '==' || op === '!=') return op === '!=';
    throw new ExpressionError(`cannot order a ${typeof a} and a ${typeof b} with ${op}`);
  }
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** Whether a condition holds in a state; throws an ExpressionError for a condition that is not true or false. */
export function holds(s: SimState, e: Expr): boolean {
  return truth(s, e);
}

/** The value of an expression that is not a path (a comparison, a literal), as text. */
export function evaluateValue(s: SimState, e: Expr): string {
  const v = value(s, e);
  return v === undefined ? 'none' : typeof v === 'string' ? JSON.stringify(v) : String(v);
}
