/**
 * The contract between `bench/run.ts` and the benchmark modules.
 *
 * A benchmark module exports `benchmark: Benchmark`. Its `run` measures Braid and a baseline
 * (native Promise, a raw `node:net` server, …) in the same process run, interleaved, and returns
 * one {@link BenchResult} per figure it reports.
 *
 * @module
 */

/** What every benchmark receives from the harness. */
export interface BenchOptions {
  /** `BENCH_QUICK=1`: short durations, fewer rounds; for smoke-testing the harness. */
  readonly quick: boolean;
  /** How many interleaved Braid/baseline pairs to run (A B, B A, A B …); the median is reported. */
  readonly rounds: number;
  /** Progress output (one line per trial). */
  log(message: string): void;
}

/** The goal an issue sets for a figure, as a ratio of Braid to the baseline. */
export interface Goal {
  /** `min`: ratio must be >= `ratio`; `max`: ratio must be <= `ratio`; `report`: no threshold. */
  readonly kind: "min" | "max" | "report";
  readonly ratio?: number;
}

/** One reported figure: Braid's median, the baseline's median, their ratio and the verdict. */
export interface BenchResult {
  /** Row label: the benchmark's name, or `name/variant` when a benchmark reports several. */
  readonly name: string;
  /** The unit of `braid` and `baseline` (`ops/s`, `req/s`, `MiB/s`, `KiB/conn`). */
  readonly unit: string;
  /** Which side is the baseline (`Promise`, `raw node:net`). */
  readonly baselineName: string;
  /** Median of Braid's trials. */
  readonly braid: number;
  /** Median of the baseline's trials. */
  readonly baseline: number;
  /** Braid / baseline: the median of the per-round ratios (see `result` in stats.ts). */
  readonly ratio: number;
  readonly goal: Goal;
  /** Every trial, in the order run. */
  readonly samples: { readonly braid: readonly number[]; readonly baseline: readonly number[] };
  /**
   * Whether the figures are lower bounds (the load generator saturated its core, or the Node
   * fallback load generator was used): the servers may be faster than measured.
   */
  readonly lowerBound?: boolean;
  /** Context printed beside the figures (load generator CPU, connection counts, …). */
  readonly notes: readonly string[];
}

/** A benchmark module's export. */
export interface Benchmark {
  /** Used on the command line (`npm run bench -- deferred-sync-chain`) and in BENCHMARKS.md. */
  readonly name: string;
  /** One or two sentences: what is measured, against what. */
  readonly description: string;
  /** The issue the goal comes from (`issue 2`). */
  readonly issue: string;
  run(opts: BenchOptions): Promise<BenchResult[]>;
}
