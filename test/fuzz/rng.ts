// The fuzzer's randomness: one small seeded generator (mulberry32, the one the
// parser's robustness tests and the incremental test use), so that every input
// is a pure function of the seed and its index and can be made again anywhere.

export { Rng } from '../support/random.js';

/** The seed of input `index` of a run: inputs are independent, so a worker can start anywhere. */
export function inputSeed(seed: number, index: number): number {
  // Two rounds of a 32-bit mix keep neighbouring indices far apart.
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
