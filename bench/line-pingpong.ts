/**
 * line-pingpong (issue 5): 256 connections each sending 64-byte lines, with 1 and with 16 lines
 * in flight; Braid's `LineOnlyReceiver` answering each line with `sendLine` vs a hand-written
 * `node:net` line server answering all the lines of one `data` event with a single `write()`.
 * Lines answered per second, counted by the C load generator's `lines` mode.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import {
  APP_STATE_MIB,
  canPin,
  cpuSeconds,
  getLoadGen,
  type LoadGen,
  ROOT,
  type Server,
  startServer,
} from "./lib/net.js";
import { track } from "./lib/procs.js";
import { interleave, median, result } from "./lib/stats.js";
import type { Benchmark, BenchOptions, BenchResult } from "./lib/types.js";

const CONNS = 256;
const LINE = 64;
const DEPTHS = [1, 16] as const;
/** A load generator at or above this share of its core is probably measuring itself. */
const SATURATED_PCT = 90;

const perCpu = (r: LinesRun) => r.msgs_per_s / Math.max(r.server_cpu_pct / 100, 1e-3);

interface LinesRun {
  connected: number;
  failed: number;
  closed: number;
  seconds: number;
  msgs_per_s: number;
  cpu_pct: number;
  server_cpu_pct: number;
}

/** Runs the load generator in `lines` mode (pinned to CPU 1) against `server`. */
async function runLines(
  gen: LoadGen,
  server: Server,
  depth: number,
  warmup: number,
  duration: number,
): Promise<LinesRun> {
  const args = [
    ...gen.args,
    ...["-p", String(server.port), "-m", "lines", "-c", String(CONNS), "-s", String(LINE)],
    ...["-d", String(depth), "-w", String(warmup), "-t", String(duration)],
  ];
  const [cmd, argv] = canPin() ? ["taskset", ["-c", "1", gen.cmd, ...args]] : [gen.cmd, args];
  const child = track(spawn(cmd, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] }));
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const limit = (warmup + duration) * 1000 + 30_000;
  const next = async (): Promise<Record<string, number | string>> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`load generator: no answer: ${stderr}`)), limit);
    });
    try {
      const r = await Promise.race([lines.next(), timeout]);
      if (r.done) throw new Error(`load generator exited: ${stderr}`);
      return JSON.parse(r.value) as Record<string, number | string>;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    await next(); // window-start
    const cpu0 = cpuSeconds(server.pid);
    const r = (await next()) as unknown as Omit<LinesRun, "server_cpu_pct">;
    const cpu1 = cpuSeconds(server.pid);
    return { ...r, server_cpu_pct: (100 * (cpu1 - cpu0)) / r.seconds };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

async function trial(script: string, opts: BenchOptions, depth: number): Promise<LinesRun> {
  const gen = getLoadGen(opts.log);
  if (gen.kind !== "c") throw new Error("line-pingpong needs the C load generator (cc)");
  // As in every throughput benchmark (lib/net.ts): the same application state on both sides, and
  // the baseline's allocator primed as Braid's reactor primes its own.
  const server = await startServer(script, {
    appStateMiB: APP_STATE_MIB,
    primeHeap: script.startsWith("raw-"),
  });
  try {
    const r = await runLines(gen, server, depth, opts.quick ? 0.3 : 1, opts.quick ? 1 : 5);
    if (r.connected === 0) throw new Error(`${script}: no connection stayed up`);
    return r;
  } finally {
    await server.stop();
  }
}

export const benchmark: Benchmark = {
  name: "line-pingpong",
  description:
    "Line ping/pong on 256 connections, 64-byte lines, 1 and 16 in flight each (lines answered/s): " +
    "Braid's LineOnlyReceiver answering each line with sendLine vs a hand-written node:net line " +
    "server answering all lines of one data event with one write(); C epoll load generator.",
  issue: "issue 5",
  async run(opts: BenchOptions): Promise<BenchResult[]> {
    const out: BenchResult[] = [];
    for (const depth of DEPTHS) {
      const name = `line-pingpong/${depth}`;
      const runs = await interleave(
        opts,
        name,
        {
          braid: () => trial("braid-line.ts", opts, depth),
          baseline: () => trial("raw-line.ts", opts, depth),
        },
        (r) =>
          `${Math.round(r.msgs_per_s)} lines/s, load generator CPU ${r.cpu_pct.toFixed(0)}%, ` +
          `server CPU ${r.server_cpu_pct.toFixed(0)}%` +
          (r.connected < CONNS || r.failed > 0 || r.closed > 0
            ? ` (connected ${r.connected}/${CONNS}, failed ${r.failed}, closed ${r.closed})`
            : ""),
      );
      const cpu = (xs: LinesRun[], f: (r: LinesRun) => number) => median(xs.map(f)).toFixed(0);
      const clientCpu = Math.max(
        median(runs.braid.map((r) => r.cpu_pct)),
        median(runs.baseline.map((r) => r.cpu_pct)),
      );
      out.push(
        result(
          {
            name,
            unit: "lines/s",
            baselineName: "raw node:net",
            goal: { kind: "min", ratio: 0.9 },
            lowerBound: clientCpu >= SATURATED_PCT,
            notes: [
              `${CONNS} connections, ${LINE} B lines, ${depth} in flight each`,
              `load generator CPU: Braid runs ${cpu(runs.braid, (r) => r.cpu_pct)}%, raw runs ` +
                `${cpu(runs.baseline, (r) => r.cpu_pct)}%`,
              `server CPU: Braid ${cpu(runs.braid, (r) => r.server_cpu_pct)}%, raw ` +
                `${cpu(runs.baseline, (r) => r.server_cpu_pct)}%`,
            ],
          },
          runs.braid.map((r) => r.msgs_per_s),
          runs.baseline.map((r) => r.msgs_per_s),
        ),
        result(
          {
            name: `${name}/cpu`,
            unit: "lines/server CPU-s",
            baselineName: "raw node:net",
            goal: { kind: "report" },
            notes: [
              "the same runs per second of the server's CPU time: the cost per line, steadier " +
                "than the throughput when other work on the machine takes the server's core",
            ],
          },
          runs.braid.map(perCpu),
          runs.baseline.map(perCpu),
        ),
      );
    }
    return out;
  },
};
