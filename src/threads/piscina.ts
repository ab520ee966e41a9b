/**
 * Loads the worker-pool library (piscina) on first use.
 *
 * Importing it costs every program that imports Braid, not only those that use threads: measured
 * on a plain echo server, merely loading piscina (or pg) cut its bulk throughput by a third or
 * more. So nothing imports it at module load; the pools call {@link piscinaClass} when they start.
 *
 * @module
 * @internal
 */

import { createRequire } from "node:module";
import type { Piscina } from "piscina";

let loaded: typeof Piscina | undefined;

/** The `Piscina` class, loaded the first time it is needed. */
export function piscinaClass(): typeof Piscina {
  if (loaded === undefined) {
    const mod = createRequire(import.meta.url)("piscina") as typeof import("piscina");
    loaded = mod.Piscina;
  }
  return loaded;
}
