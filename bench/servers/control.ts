/**
 * The control channel every benchmark server shares: prints `{"port":N}` once listening, answers
 * each `stats` line on stdin with `{"conns":N}` (after two full GCs when run with --expose-gc, so
 * the harness can read a settled RSS from /proc), and exits when stdin closes.
 *
 * @module
 */

import { createInterface } from "node:readline";

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
