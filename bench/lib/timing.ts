/**
 * Timed loops for in-process micro-benchmarks.
 *
 * @module
 */

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
