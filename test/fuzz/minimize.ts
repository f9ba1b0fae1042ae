// Delta debugging (Zeller's ddmin): the smallest input that still fails the
// same way, found by removing chunks of it and keeping every removal after
// which the failure is still there. A text is minimized by lines, then by
// tokens (whitespace and comments count as tokens, so they go too), then, when
// it is short enough, by characters. "The same way" is the failure's kind and
// class (failure.klass): a removal that turns an internal error into a syntax
// error, or one bug into another, is not kept.
//
// Minimizing stops at a deadline and keeps what it has; a slow input takes a
// second or more per try, and a smaller input that fails is useful already.
import type { Edit, Failure } from './check.js';
import { pieces } from './mutate.js';

export interface Budget {
  /** performance.now() after which no more tries are made. */
  readonly deadline: number;
  /** Called between tries: the fuzzer's heartbeat, so that a long minimization is not taken for a hang. */
  readonly tick?: () => void;
  tries: number;
}

/**
 * ddmin over `units`: the shortest sublist (in order) for which `fails`
 * holds, as far as the budget allows. Units for which `keep` holds are never
 * removed (the edit of an incremental failure).
 */
export function ddmin<T>(units: readonly T[], fails: (units: readonly T[]) => boolean, budget: Budget, keep: (u: T) => boolean = () => false): T[] {
  let current = [...units];
  let n = 2;
  while (performance.now() < budget.deadline) {
    const removable = current.map((u, i) => (keep(u) ? -1 : i)).filter((i) => i >= 0);
    if (removable.length === 0) break;
    n = Math.min(n, removable.length);
    const size = Math.ceil(removable.length / n);
    let reduced = false;
    for (let c = 0; c < n && performance.now() < budget.deadline; c++) {
      const drop = new Set(removable.slice(c * size, (c + 1) * size));
      if (drop.size === 0) continue;
      const candidate = current.filter((_, i) => !drop.has(i));
      budget.tries++;
      budget.tick?.();
      if (fails(candidate)) {
        current = candidate;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (reduced) continue;
    if (n >= removable.length) break;
    n = Math.min(n * 2, removable.length);
  }
  return current;
}

function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** A text minimized for a failure: lines, then tokens, then characters. */
export function minimizeText(text: string, fails: (text: string) => boolean, budget: Budget): string {
  let t = ddmin(splitLines(text), (u) => fails(u.join('')), budget).join('');
  t = ddmin(
    pieces(t).map((p) => p.text),
    (u) => fails(u.join('')),
    budget,
  ).join('');
  if (t.length <= 3000) t = ddmin([...t], (u) => fails(u.join('')), budget).join('');
  return t;
}

/** The marker of the edit among the units of an incremental failure: never removed. */
const EDIT = '\u0000\u0001edit\u0001\u0000';

/**
 * An incremental failure depends on the text and on the edit: the text is
 * cut at the edit into what comes before and after, those are minimized, and
 * the edit stays as it is between them.
 */
export function minimizeEdit(text: string, edit: Edit, fails: (text: string, edit: Edit) => boolean, budget: Budget): { text: string; edit: Edit } {
  const deleted = text.slice(edit.at, edit.at + edit.deleted);
  const build = (units: readonly string[]): { text: string; edit: Edit } => {
    const joined = units.join('');
    const i = joined.indexOf(EDIT);
    const before = joined.slice(0, i);
    const after = joined.slice(i + EDIT.length);
    return { text: before + deleted + after, edit: { at: before.length, deleted: deleted.length, inserted: edit.inserted } };
  };
  const test = (units: readonly string[]): boolean => {
    const b = build(units);
    return fails(b.text, b.edit);
  };
  const keep = (u: string): boolean => u === EDIT;
  let units = [...splitLines(text.slice(0, edit.at)), EDIT, ...splitLines(text.slice(edit.at + edit.deleted))];
  units = ddmin(units, test, budget, keep);
  const b = build(units);
  const tokens = [...pieces(b.text.slice(0, b.edit.at)).map((p) => p.text), EDIT, ...pieces(b.text.slice(b.edit.at + b.edit.deleted)).map((p) => p.text)];
  return build(ddmin(tokens, test, budget, keep));
}

/**
 * Whether a failure is "the same" as the one being minimized: the same kind
 * and class; for a slow call, the same kind and call (a slow input is
 * minimized with quick checks, which do not profile; see CheckPlan.quick).
 */
export function sameFailure(a: Failure | undefined, b: Failure): boolean {
  if (a === undefined || a.kind !== b.kind) return false;
  if (b.kind === 'slow') return a.where === b.where;
  return a.klass === b.klass;
}
