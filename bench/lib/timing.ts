/**
 * Timed loops for in-process micro-benchmarks.
 *
 * @module
 */

import { formatNumber, interleave, median, result } from "./stats.js";
import type { BenchOptions, BenchResult, Goal } from "./types.js";

/** Operations per second of one timed loop, by two clocks. */
export interface Rate {
  /** Per second of wall-clock time. */
  readonly wall: number;
  /**
   * Per second of CPU time used by the process (user + system, all threads: GC helpers count).
   * Time the process spends descheduled on a busy shared machine is not in it, which makes it
   * the steadier figure there; on an idle machine the two are close.
   */
  readonly cpu: number;
}

/**
 * Calls `batch(size)` until `seconds` of wall-clock time have passed, where `batch(n)` performs
 * `n` operations (synchronously or not). The clocks are read only between batches, so their cost
 * stays out of the figure.
 */
export async function opsPerSecond(
  seconds: number,
  size: number,
  batch: (n: number) => void | Promise<void>,
): Promise<Rate> {
  const limit = seconds * 1000;
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let elapsed = 0;
  do {
    const r = batch(size);
    if (r !== undefined) await r;
    ops += size;
    elapsed = performance.now() - start;
  } while (elapsed < limit);
  const cpu = process.cpuUsage(cpu0);
  return { wall: (ops * 1000) / elapsed, cpu: (ops * 1e6) / (cpu.user + cpu.system) };
}

/** What {@link compareCpuRates} compares: one in-process Braid loop against its baseline. */
export interface CpuRateComparison {
  /** The benchmark's (and its row's) name. */
  readonly name: string;
  /** What one operation is, plural, e.g. `"awaits"`: the unit is `<ops>/s (CPU)`. */
  readonly ops: string;
  /** The baseline's name in the table, e.g. `"Promise"`. */
  readonly baselineName: string;
  /** The threshold on the ratio, from the benchmark's issue. */
  readonly goal: Goal;
  /** Notes before the generated ones (the workload's shape). */
  readonly notes: (seconds: number) => string[];
  /** One trial of Braid's loop, `seconds` long. */
  readonly braid: (seconds: number) => Promise<Rate>;
  /** One trial of the baseline's loop, `seconds` long. */
  readonly baseline: (seconds: number) => Promise<Rate>;
}

/**
 * Warms both loops up, runs them interleaved, and reports per CPU-second (the steadier figure on
 * a shared machine), with the wall-clock medians in the notes.
 */
export async function compareCpuRates(
  opts: BenchOptions,
  c: CpuRateComparison,
): Promise<BenchResult> {
  const seconds = opts.quick ? 0.15 : 1;
  const warmUp = opts.quick ? 0.1 : 0.3;
  await c.braid(warmUp);
  await c.baseline(warmUp);
  const wall = (xs: Rate[]) => formatNumber(median(xs.map((x) => x.wall)));
  const r = await interleave(
    opts,
    c.name,
    { braid: () => c.braid(seconds), baseline: () => c.baseline(seconds) },
    (x) =>
      `${Math.round(x.cpu)} ${c.ops} per CPU-second (${Math.round(x.wall)} per wall-clock second)`,
  );
  return result(
    {
      name: c.name,
      unit: `${c.ops}/s (CPU)`,
      baselineName: c.baselineName,
      goal: c.goal,
      notes: [
        ...c.notes(seconds),
        "figures per second of the process's CPU time (steady on a busy machine); per " +
          `wall-clock second: Braid ${wall(r.braid)}, ${c.baselineName} ${wall(r.baseline)}`,
      ],
    },
    r.braid.map((x) => x.cpu),
    r.baseline.map((x) => x.cpu),
  );
}
