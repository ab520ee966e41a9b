/**
 * proxy (issue 4): bulk echo through a port forwarder (MiB/s echoed back), Braid's
 * `ProxyFactory` against a raw `node:net` proxy (`client.pipe(upstream)` both ways). The proxy
 * runs pinned to CPU 0; the upstream raw echo server and the C load generator share CPU 1, the
 * same for both sides.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { echoTrial } from "./lib/echo.js";
import {
  APP_STATE_MIB,
  BENCH_DIR,
  canPin,
  type EchoLoad,
  type EchoRun,
  getLoadGen,
  ROOT,
} from "./lib/net.js";
import { track } from "./lib/procs.js";
import { interleave, median, result } from "./lib/stats.js";
import type { Benchmark, BenchOptions, BenchResult } from "./lib/types.js";

const SATURATED_PCT = 90;

/** Starts the upstream echo server (raw node:net) pinned to CPU 1; resolves with its port. */
async function startUpstream(): Promise<{ port: number; stop(): void }> {
  const args = ["--import", "tsx", join(BENCH_DIR, "servers", "raw-echo.ts")];
  const [cmd, argv] = canPin()
    ? ["taskset", ["-c", "1", process.execPath, ...args]]
    : [process.execPath, args];
  const child = track(spawn(cmd, argv, { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] }));
  child.stdin!.on("error", () => {});
  const rl = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("upstream echo server did not start")), 20_000);
    rl.once("line", (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    port,
    stop() {
      child.stdin!.end();
      setTimeout(() => child.kill("SIGKILL"), 3000).unref();
    },
  };
}

export const benchmark: Benchmark = {
  name: "proxy",
  description:
    "Bulk echo through a port forwarder: 32 connections, 16 KiB messages, 8 in flight each " +
    "(MiB/s echoed back), Braid's ProxyFactory vs a raw node:net proxy piping both ways; " +
    "upstream raw echo server and C load generator on the other core.",
  issue: "issue 4",
  async run(opts: BenchOptions): Promise<BenchResult[]> {
    const load: EchoLoad = {
      conns: 32,
      size: 16 * 1024,
      depth: 8,
      warmup: opts.quick ? 0.3 : 1,
      duration: opts.quick ? 1 : 5,
    };
    const upstream = await startUpstream();
    const previous = process.env.BENCH_UPSTREAM_PORT;
    process.env.BENCH_UPSTREAM_PORT = String(upstream.port);
    try {
      const runs = await interleave(
        opts,
        "proxy",
        {
          braid: () => echoTrial("braid-proxy.ts", opts, load, false),
          baseline: () => echoTrial("raw-proxy.ts", opts, load, true),
          "raw-unprimed": () => echoTrial("raw-proxy.ts", opts, load, false),
        },
        (r) =>
          `${Math.round(r.mib_per_s)} MiB/s, load generator CPU ${r.cpu_pct.toFixed(0)}%, ` +
          `proxy CPU ${r.server_cpu_pct.toFixed(0)}%, ` +
          `proxy page faults ${r.server_faults_per_mib.toFixed(1)}/MiB`,
      );
      const faults = (xs: EchoRun[]) => median(xs.map((r) => r.server_faults_per_mib)).toFixed(1);
      const gen = getLoadGen(opts.log);
      const cpu = (xs: EchoRun[], f: (r: EchoRun) => number) => median(xs.map(f)).toFixed(0);
      const clientCpu = Math.max(
        median(runs.braid.map((r) => r.cpu_pct)),
        median(runs.baseline.map((r) => r.cpu_pct)),
      );
      return [
        result(
          {
            name: "proxy",
            unit: "MiB/s",
            baselineName: "raw node:net pipe",
            goal: { kind: "min", ratio: 0.9 },
            lowerBound: gen.kind === "node" || clientCpu >= SATURATED_PCT,
            notes: [
              `${load.conns} connections, ${load.size} B messages, ${load.depth} in flight each, ` +
                `${load.duration} s after ${load.warmup} s warm-up; both proxies hold ` +
                `${APP_STATE_MIB} MiB of application state, and the raw one primes the ` +
                "allocator as Braid does (see bench/README.md)",
              `load generator CPU: Braid runs ${cpu(runs.braid, (r) => r.cpu_pct)}%, raw runs ` +
                `${cpu(runs.baseline, (r) => r.cpu_pct)}% (it shares CPU 1 with the upstream echo server)`,
              `proxy CPU: Braid ${cpu(runs.braid, (r) => r.server_cpu_pct)}%, raw ` +
                `${cpu(runs.baseline, (r) => r.server_cpu_pct)}%`,
            ],
          },
          runs.braid.map((r) => r.mib_per_s),
          runs.baseline.map((r) => r.mib_per_s),
        ),
        result(
          {
            name: "proxy/raw-unprimed",
            unit: "MiB/s",
            baselineName: "raw node:net pipe, allocator unprimed",
            goal: { kind: "report" },
            notes: [
              "the same Braid runs against the raw proxy with glibc's allocator as Node leaves " +
                `it (proxy minor page faults per MiB: Braid ${faults(runs.braid)}, raw ` +
                `unprimed ${faults(runs["raw-unprimed"])})`,
            ],
          },
          runs.braid.map((r) => r.mib_per_s),
          runs["raw-unprimed"].map((r) => r.mib_per_s),
        ),
      ];
    } finally {
      if (previous === undefined) delete process.env.BENCH_UPSTREAM_PORT;
      else process.env.BENCH_UPSTREAM_PORT = previous;
      upstream.stop();
    }
  },
};
