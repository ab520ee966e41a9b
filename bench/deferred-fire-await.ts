/**
 * deferred-fire-await (issue 2): create a Deferred, `await` it, fire it, 10,000 times per batch.
 *
 * Braid: `new Deferred()`, fired with `callback(i)` from a queued microtask, `await d`.
 * Baseline: `new Promise(r => resolve = r)`, resolved from a queued microtask, `await p`.
 * `await` on a thenable costs extra microtask turns that a native Promise does not: that is part
 * of the figure. Reported, no threshold.
 *
 * @module
 */

import { braid } from "./lib/braid.js";
import { collectGarbage } from "./lib/stats.js";
import { compareCpuRates, opsPerSecond, type Rate } from "./lib/timing.js";
import type { Benchmark, BenchOptions, BenchResult } from "./lib/types.js";

const { Deferred } = braid;

const BATCH = 10_000;

let total = 0;

async function deferredBatch(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const d = new Deferred<number>();
    queueMicrotask(() => d.callback(i));
    total += await d;
  }
}

async function promiseBatch(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    let resolve!: (v: number) => void;
    const p = new Promise<number>((r) => {
      resolve = r;
    });
    queueMicrotask(() => resolve(i));
    total += await p;
  }
}

async function trial(seconds: number, batch: (n: number) => Promise<void>): Promise<Rate> {
  collectGarbage();
  total = 0;
  let batches = 0;
  const rate = await opsPerSecond(seconds, BATCH, (n) => {
    batches++;
    return batch(n);
  });
  const expected = (batches * BATCH * (BATCH - 1)) / 2;
  if (total !== expected) throw new Error(`awaits lost: ${total} !== ${expected}`);
  return rate;
}

export const benchmark: Benchmark = {
  name: "deferred-fire-await",
  issue: "issue 2",
  description:
    "10,000 Deferreds per batch, each created, awaited (`await d`) and fired (`callback`) from a " +
    "microtask (awaits/s), vs 10,000 Promises created with a resolver, resolved the same way and awaited.",
  async run(opts: BenchOptions): Promise<BenchResult[]> {
    return [
      await compareCpuRates(opts, {
        name: "deferred-fire-await",
        ops: "awaits",
        baselineName: "Promise",
        goal: { kind: "report" },
        notes: (seconds) => [`batches of ${BATCH}, ${seconds} s per trial`],
        braid: (seconds) => trial(seconds, deferredBatch),
        baseline: (seconds) => trial(seconds, promiseBatch),
      }),
    ];
  },
};
