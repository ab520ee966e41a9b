/**
 * Child processes started by benchmarks, killed when the harness exits however it exits.
 *
 * @module
 */

import type { ChildProcess } from "node:child_process";

const live = new Set<ChildProcess>();

/** Tracks `child` until it exits; it is killed (SIGKILL) if the harness exits first. */
export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/** Kills every tracked child still running. */
export function killAll(): void {
  for (const c of live) {
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
  live.clear();
}

process.once("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}
