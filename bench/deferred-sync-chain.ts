/**
 * deferred-sync-chain (issue 2): run a chain of 10 synchronous callbacks to completion.
 *
 * Braid: a new Deferred, 10 `addCallback`s, `callback(0)`; the chain runs synchronously.
 * Baseline: `Promise.resolve(0)` with 10 `.then`s, awaited; the microtask turns are part of the
 * cost, as they are part of what it takes a Promise chain to complete. Both sides call the same
 * function at each step.
 *
 * @module
 */

import { braid } from "./lib/braid.js";
import { collectGarbage } from "./lib/stats.js";
import { compareCpuRates, opsPerSecond, type Rate } from "./lib/timing.js";
import type { Benchmark, BenchOptions, BenchResult } from "./lib/types.js";

const { Deferred } = braid;

const CHAIN = 10;
const BATCH = 1000;

let total = 0;
/** The work of one callback, the same on both sides. */
function step(x: number): number {
  total += x;
  return x + 1;
}

function deferredBatch(n: number): void {
  for (let i = 0; i < n; i++) {
    const d = new Deferred<number>();
    for (let j = 0; j < CHAIN; j++) d.addCallback(step);
    d.callback(0);
  }
}

async function promiseBatch(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    let p = Promise.resolve(0);
    for (let j = 0; j < CHAIN; j++) p = p.then(step);
    await p;
  }
}

/** Runs `batch` for `seconds` and checks that every chain ran all of its steps. */
async function trial(seconds: number, batch: (n: number) => void | Promise<void>): Promise<Rate> {
  collectGarbage();
  total = 0;
  let ops = 0;
  const rate = await opsPerSecond(seconds, BATCH, (n) => {
    ops += n;
    return batch(n);
  });
  const expected = (ops * CHAIN * (CHAIN - 1)) / 2;
  if (total !== expected) throw new Error(`chain did not complete: ${total} !== ${expected}`);
  return rate;
}

export const benchmark: Benchmark = {
  name: "deferred-sync-chain",
  issue: "issue 2",
  description:
    "A chain of 10 synchronous callbacks on a Deferred fired once, run to completion (ops/s), vs a " +
    "`.then` chain of 10 on a resolved native Promise, awaited (microtask turns included).",
  async run(opts: BenchOptions): Promise<BenchResult[]> {
    return [
      await compareCpuRates(opts, {
        name: "deferred-sync-chain",
        ops: "chains",
        baselineName: "Promise",
        goal: { kind: "min", ratio: 1.0 },
        notes: (seconds) => [`${CHAIN} callbacks per chain, ${seconds} s per trial`],
        braid: (seconds) => trial(seconds, deferredBatch),
        baseline: (seconds) => trial(seconds, promiseBatch),
      }),
    ];
  },
};
