/**
 * The echo benchmarks (issue 3): the same load from the load generator against the Braid echo
 * server and the raw `node:net` echo server, interleaved, a fresh server process per trial.
 *
 * @module
 */

import {
  APP_STATE_MIB,
  type EchoLoad,
  type EchoRun,
  getLoadGen,
  runEcho,
  startServer,
} from "./net.js";
import { interleave, median, result } from "./stats.js";
import type { Benchmark, BenchOptions, BenchResult, Goal } from "./types.js";

/** A load generator at or above this share of its core is probably measuring itself. */
const SATURATED_PCT = 90;

/** How an echo benchmark is set up. */
export interface EchoSpec {
  readonly name: string;
  readonly description: string;
  readonly load: Omit<EchoLoad, "warmup" | "duration">;
  /** `req/s` (completed echoes) or `MiB/s` (bytes echoed back). */
  readonly unit: "req/s" | "MiB/s";
  readonly goal: Goal;
  /**
   * Also run the raw server with the allocator as Node leaves it, and report Braid against that
   * as `<name>/raw-unprimed` (the goal's baseline is primed like Braid: see `primeHeap`).
   */
  readonly unprimed?: boolean;
}

/**
 * One trial: a fresh `bench/servers/<script>` holding the shared application state (its allocator
 * primed when `primeHeap`), under `load` from the load generator. Used by echo and proxy alike.
 */
export async function echoTrial(
  script: string,
  opts: BenchOptions,
  load: EchoLoad,
  primeHeap: boolean,
): Promise<EchoRun> {
  const gen = getLoadGen(opts.log);
  const server = await startServer(script, { appStateMiB: APP_STATE_MIB, primeHeap });
  try {
    const r = await runEcho(gen, server, load);
    if (r.connected === 0) throw new Error(`${script}: no connection stayed up`);
    return r;
  } finally {
    await server.stop();
  }
}

/** A {@link Benchmark} running `spec` against both servers. */
export function echoBenchmark(spec: EchoSpec): Benchmark {
  return {
    name: spec.name,
    description: spec.description,
    issue: "issue 3",
    async run(opts: BenchOptions): Promise<BenchResult[]> {
      const load: EchoLoad = {
        ...spec.load,
        warmup: opts.quick ? 0.3 : 1,
        duration: opts.quick ? 1 : 5,
      };
      const value = (r: EchoRun) => (spec.unit === "req/s" ? r.msgs_per_s : r.mib_per_s);
      const perCpu = (r: EchoRun) => value(r) / Math.max(r.server_cpu_pct / 100, 1e-3);
      const both = {
        braid: () => echoTrial("braid-echo.ts", opts, load, false),
        baseline: () => echoTrial("raw-echo.ts", opts, load, true),
      };
      const three = {
        ...both,
        "raw-unprimed": () => echoTrial("raw-echo.ts", opts, load, false),
      };
      const describe = (r: EchoRun) =>
        `${Math.round(value(r))} ${spec.unit}, load generator CPU ${r.cpu_pct.toFixed(0)}%, ` +
        `server CPU ${r.server_cpu_pct.toFixed(0)}%, ` +
        `server page faults ${r.server_faults_per_mib.toFixed(1)}/MiB` +
        (r.connected < load.conns || r.failed > 0 || r.closed > 0
          ? ` (connected ${r.connected}/${load.conns}, failed ${r.failed}, closed ${r.closed})`
          : "");
      const runs: Partial<Record<keyof typeof three, EchoRun[]>> &
        Record<"braid" | "baseline", EchoRun[]> = spec.unprimed
        ? await interleave(opts, spec.name, three, describe)
        : await interleave(opts, spec.name, both, describe);
      const gen = getLoadGen(opts.log);
      const cpu = (xs: EchoRun[], f: (r: EchoRun) => number) => median(xs.map(f)).toFixed(0);
      const faults = (xs: EchoRun[]) => median(xs.map((r) => r.server_faults_per_mib)).toFixed(1);
      const clientCpu = Math.max(
        median(runs.braid.map((r) => r.cpu_pct)),
        median(runs.baseline.map((r) => r.cpu_pct)),
      );
      const lost = Object.values(runs)
        .flat()
        .filter((r) => r.connected < load.conns || r.failed > 0 || r.closed > 0).length;
      const notes = [
        `${load.conns} connections, ${load.size} B messages, ${load.depth} in flight each, ` +
          `${load.duration} s after ${load.warmup} s warm-up; both servers hold ` +
          `${APP_STATE_MIB} MiB of application state, and the raw one primes the allocator as ` +
          "Braid does (see bench/README.md)",
        `load generator (${gen.kind === "c" ? "C epoll" : "Node fallback"}) CPU: Braid runs ` +
          `${cpu(runs.braid, (r) => r.cpu_pct)}%, raw runs ${cpu(runs.baseline, (r) => r.cpu_pct)}%`,
        `server CPU: Braid ${cpu(runs.braid, (r) => r.server_cpu_pct)}%, raw ` +
          `${cpu(runs.baseline, (r) => r.server_cpu_pct)}%`,
        `server minor page faults per MiB echoed (median): Braid ` +
          `${faults(runs.braid)}, raw ${faults(runs.baseline)}`,
      ];
      if (lost > 0) notes.push(`${lost} trial(s) lost or failed connections`);
      const out = [
        result(
          {
            name: spec.name,
            unit: spec.unit,
            baselineName: "raw node:net",
            goal: spec.goal,
            lowerBound: gen.kind === "node" || clientCpu >= SATURATED_PCT,
            notes,
          },
          runs.braid.map(value),
          runs.baseline.map(value),
        ),
        result(
          {
            name: `${spec.name}/cpu`,
            unit: `${spec.unit.split("/")[0]}/server CPU-s`,
            baselineName: "raw node:net",
            goal: { kind: "report" },
            notes: [
              "the same runs per second of the server's CPU time: the cost per message, steadier " +
                "than the throughput when other work on the machine takes the server's core",
            ],
          },
          runs.braid.map(perCpu),
          runs.baseline.map(perCpu),
        ),
      ];
      const unprimed = runs["raw-unprimed"];
      if (unprimed) {
        out.push(
          result(
            {
              name: `${spec.name}/raw-unprimed`,
              unit: spec.unit,
              baselineName: "raw node:net, allocator unprimed",
              goal: { kind: "report" },
              notes: [
                "the same Braid runs against the raw server with glibc's allocator as Node " +
                  "leaves it, which falls into trimming and re-faulting its heap in some runs " +
                  `(server minor page faults per MiB: Braid ${faults(runs.braid)}, raw ` +
                  `unprimed ${faults(unprimed)})`,
              ],
            },
            runs.braid.map(value),
            unprimed.map(value),
          ),
        );
      }
      return out;
    },
  };
}
