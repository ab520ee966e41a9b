/**
 * The control channel every benchmark server shares: prints `{"port":N}` once listening, answers
 * each `stats` line on stdin with `{"conns":N}` (after two full GCs when run with --expose-gc, so
 * the harness can read a settled RSS from /proc), and exits when stdin closes.
 *
 * @module
 */

import { createInterface } from "node:readline";
import type * as HeapModule from "../../src/reactor/heap.js";

// A baseline asked to run in the allocator state Braid's reactor sets up (see startServer).
if (process.env.BENCH_PRIME_HEAP === "1") {
  const heap = (await import(
    new URL("../../dist/reactor/heap.js", import.meta.url).href
  )) as typeof HeapModule;
  heap.primeHeap();
}

/** About what one record of {@link appState} takes on V8's heap (measured: 87 bytes). */
const RECORD_BYTES = 87;

/**
 * The live application state of this server: `$BENCH_APP_STATE_MIB` MiB of small records, as a
 * real server would hold (sessions, caches, configuration). See `APP_STATE_MIB` in lib/net.ts for
 * why the throughput benchmarks give every server the same amount. Kept alive by this binding.
 */
export const appState: ReadonlyArray<{ id: number; name: string; active: boolean }> = Array.from(
  { length: Math.floor(((Number(process.env.BENCH_APP_STATE_MIB) || 0) * 2 ** 20) / RECORD_BYTES) },
  (_, i) => ({ id: i, name: `user${i}`, active: (i & 1) === 0 }),
);

/** Reports `port` and serves `stats` requests, counting connections with `conns`. */
export function serveControl(port: number, conns: () => number | Promise<number>): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  const rl = createInterface({ input: process.stdin });
  rl.on("line", async (line) => {
    if (line.trim() !== "stats") return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      gc();
    }
    process.stdout.write(`${JSON.stringify({ conns: await conns() })}\n`);
  });
  rl.on("close", () => process.exit(0));
}
