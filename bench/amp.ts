/**
 * amp: AMP calls per second, Braid against Twisted. A Braid client calls a Braid server, and a
 * Twisted client a Twisted server (Twisted 22.4 on epoll, /usr/bin/python3), doing the same:
 * `Sum(a, b)` on N connections with several calls in flight on each. Servers are pinned to
 * CPU 0 and clients to CPU 1; the client's CPU use is reported, since a saturated client makes
 * the figure a lower bound of the server's capacity.
 *
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { BENCH_DIR, canPin, ROOT } from "./lib/net.js";
import { track } from "./lib/procs.js";
import { interleave, median, result } from "./lib/stats.js";
import type { Benchmark, BenchOptions } from "./lib/types.js";

const PYTHON = "/usr/bin/python3";

interface Run {
  calls: number;
  seconds: number;
  cpu: number;
}

function pinned(cpu: number, cmd: string, args: string[]): [string, string[]] {
  return canPin() ? ["taskset", ["-c", String(cpu), cmd, ...args]] : [cmd, args];
}

function firstLine<T>(child: ChildProcess, what: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let err = "";
    child.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${what}: no answer: ${err}`)), timeoutMs);
    rl.once("line", (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`${what}: ${line}`));
      }
    });
    child.once("exit", () => {
      clearTimeout(timer);
      reject(new Error(`${what} exited: ${err}`));
    });
  });
}

function command(side: "braid" | "twisted", args: string[]): [string, string[]] {
  return side === "braid"
    ? [process.execPath, ["--import", "tsx", join(BENCH_DIR, "servers", "braid-amp.ts"), ...args]]
    : [PYTHON, [join(BENCH_DIR, "servers", "twisted_amp.py"), ...args]];
}

async function trial(
  side: "braid" | "twisted",
  conns: number,
  depth: number,
  seconds: number,
): Promise<Run> {
  const [scmd, sargs] = command(side, ["server"]);
  const server = track(
    spawn(...pinned(0, scmd, sargs), { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] }),
  );
  server.stdin!.on("error", () => {});
  try {
    const { port } = await firstLine<{ port: number }>(server, `${side} AMP server`, 20_000);
    const [ccmd, cargs] = command(side, [
      "client",
      String(port),
      String(conns),
      String(depth),
      String(seconds),
    ]);
    const client = track(
      spawn(...pinned(1, ccmd, cargs), { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] }),
    );
    return await firstLine<Run>(client, `${side} AMP client`, (seconds + 30) * 1000);
  } finally {
    server.stdin!.end();
    setTimeout(() => server.kill("SIGKILL"), 3000).unref();
  }
}

export const benchmark: Benchmark = {
  name: "amp",
  description:
    "AMP Sum calls/s: a Braid client calling a Braid server vs a Twisted 22.4 client calling a " +
    "Twisted server (epoll), 16 connections with 16 calls in flight each; servers on CPU 0, " +
    "clients on CPU 1.",
  issue: "AMP issue",
  async run(opts: BenchOptions) {
    if (spawnSync(PYTHON, ["-c", "import twisted.protocols.amp"]).status !== 0) {
      throw new Error(`${PYTHON} with Twisted is needed for the amp benchmark`);
    }
    const conns = 16;
    const depth = 16;
    const seconds = opts.quick ? 2 : 10;
    const rate = (r: Run) => r.calls / r.seconds;
    const runs = await interleave(
      opts,
      "amp",
      {
        braid: () => trial("braid", conns, depth, seconds),
        baseline: () => trial("twisted", conns, depth, seconds),
      },
      (r) => `${Math.round(rate(r))} calls/s, client CPU ${(r.cpu * 100).toFixed(0)}%`,
    );
    const braidCpu = median(runs.braid.map((r) => r.cpu));
    const twistedCpu = median(runs.baseline.map((r) => r.cpu));
    return [
      result(
        {
          name: "amp",
          unit: "calls/s",
          baselineName: "Twisted 22.4 AMP",
          goal: { kind: "report" },
          lowerBound: braidCpu > 0.95 || twistedCpu > 0.95,
          notes: [
            `${conns} connections x ${depth} in flight, ${seconds} s per trial`,
            `client CPU (median): Braid ${(braidCpu * 100).toFixed(0)}%, Twisted ${(twistedCpu * 100).toFixed(0)}%`,
            canPin()
              ? "servers on CPU 0, clients on CPU 1"
              : "not pinned (taskset or 2 CPUs missing)",
          ],
        },
        runs.braid.map(rate),
        runs.baseline.map(rate),
      ),
    ];
  },
};
