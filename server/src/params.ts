// The parameters of a request, checked before any feature sees them. A client
// that sends a hover without `textDocument`, or a position that is not two
// non-negative integers, gets -32602 (InvalidParams) saying what is wrong,
// not -32603 (an internal error) from a TypeError deep in a feature.
import { ErrorCodes, ResponseError, type Position, type Range } from 'vscode-languageserver';

function invalid(what: string): never {
  throw new ResponseError(ErrorCodes.InvalidParams, `invalid params: ${what}`);
}

function field(p: unknown, name: string): unknown {
  return p !== null && typeof p === 'object' ? (p as Record<string, unknown>)[name] : undefined;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

function isPosition(p: unknown): p is Position {
  return isCount(field(p, 'line')) && isCount(field(p, 'character'));
}

/** params.textDocument.uri. */
export function documentUri(p: unknown): string {
  const uri = field(field(p, 'textDocument'), 'uri');
  if (typeof uri !== 'string') invalid('textDocument.uri must be a string');
  return uri;
}

/** params.position. */
export function positionOf(p: unknown): Position {
  const pos = field(p, 'position');
  if (!isPosition(pos)) invalid('position must be {line, character} with non-negative integers');
  return { line: pos.line, character: pos.character };
}

/** params.range. */
export function rangeOf(p: unknown): Range {
  const r = field(p, 'range');
  const start = field(r, 'start');
  const end = field(r, 'end');
  if (!isPosition(start) || !isPosition(end)) invalid('range must be {start, end} positions with non-negative integers');
  return { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } };
}

/** params.newName. */
export function newNameOf(p: unknown): string {
  const name = field(p, 'newName');
  if (typeof name !== 'string') invalid('newName must be a string');
  return name;
}

/** params.context.includeDeclaration (false when absent). */
export function includeDeclarationOf(p: unknown): boolean {
  return field(field(p, 'context'), 'includeDeclaration') === true;
}
