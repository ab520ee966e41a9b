/**
 * Braid as users get it: the built package in `dist/` (`npm run bench` builds first), typed from
 * the sources. Benchmarks import Braid from here, never from `src/`, so that what they measure is
 * what `tsc` emits and not a development loader's transform of it.
 *
 * @module
 */

import type * as BraidModule from "../../src/index.js";

/** The package's root module, loaded from `dist/index.js`. */
export const braid = (await import(
  new URL("../../dist/index.js", import.meta.url).href
)) as typeof BraidModule;
