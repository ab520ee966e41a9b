/**
 * Same-run comparison: interleaved trials of Braid and its baseline, medians and verdicts.
 *
 * @module
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { BenchOptions, BenchResult, Goal } from "./types.js";

/** The median of `xs` (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The trials of each side, in the order they ran. */
export type Interleaved<T, K extends string = "braid" | "baseline"> = Record<K, T[]>;

/**
 * Runs the sides in turn, `opts.rounds` times each, the order reversed every other round
 * (A B, B A, A B …; A B C, C B A …), so that drift in the machine's speed (other tenants,
 * thermal state, a system warming up) falls on all alike: in a machine that speeds up through
 * the run, the side always run second would otherwise win every round.
 */
export async function interleave<T, K extends string = "braid" | "baseline">(
  opts: BenchOptions,
  label: string,
  sides: Record<K, () => Promise<T> | T>,
  describe: (t: T) => string,
): Promise<Interleaved<T, K>> {
  const names = Object.keys(sides) as K[];
  const width = Math.max(8, ...names.map((n) => n.length));
  const out = Object.fromEntries(names.map((n) => [n, [] as T[]])) as Interleaved<T, K>;
  const reversed = [...names].reverse();
  for (let i = 0; i < opts.rounds; i++) {
    for (const side of i % 2 === 0 ? names : reversed) {
      const r = await sides[side]();
      out[side].push(r);
      opts.log(`  ${label} ${i + 1}/${opts.rounds} ${side.padEnd(width)} ${describe(r)}`);
    }
  }
  return out;
}

/** Whether `ratio` meets `goal` (`report` goals always "pass"). */
export function meets(goal: Goal, ratio: number): boolean {
  if (goal.kind === "report" || goal.ratio === undefined) return true;
  return goal.kind === "min" ? ratio >= goal.ratio : ratio <= goal.ratio;
}

/** The goal as written in the issues: `>= 0.9x`, `<= 1.25x`, `report`. */
export function goalText(goal: Goal): string {
  if (goal.kind === "report" || goal.ratio === undefined) return "report";
  const r = Number.isInteger(goal.ratio) ? goal.ratio.toFixed(1) : String(goal.ratio);
  return `${goal.kind === "min" ? ">=" : "<="} ${r}x`;
}

/**
 * A result from the per-trial figures of both sides. The ratio is the median of the per-round
 * ratios (each Braid trial over the baseline trial of the same round), which cancels slow
 * drift in the machine's speed better than the ratio of the two medians.
 */
export function result(
  fields: Omit<BenchResult, "braid" | "baseline" | "ratio" | "samples">,
  braid: readonly number[],
  baseline: readonly number[],
): BenchResult {
  const b = median(braid);
  const base = median(baseline);
  return {
    ...fields,
    braid: b,
    baseline: base,
    ratio: median(braid.map((x, i) => x / (baseline[i] ?? Number.NaN))),
    samples: { braid: [...braid], baseline: [...baseline] },
  };
}

let gcFn: (() => void) | null | undefined;

/**
 * Collects garbage between in-process trials so one side does not pay for the other's garbage.
 * Works without `--expose-gc` by enabling the flag at run time; a no-op if that is refused.
 */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      gcFn = runInNewContext("gc") as () => void;
    } catch {
      gcFn = null;
    }
  }
  gcFn?.();
}

/** `1234567` → `1.23M`; `12345` → `12.3K`; small numbers with up to 3 significant digits. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(x / 1e3).toPrecision(3)}K`;
  if (abs >= 100) return x.toFixed(0);
  return x.toPrecision(3);
}
