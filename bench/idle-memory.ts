/**
 * idle-memory (issue 3): server RSS growth per idle connection, Braid vs raw `node:net`.
 *
 * Each trial starts a fresh server with --expose-gc, reads its VmRSS after a full GC (the
 * baseline), has the load generator (another process, the other core) open 10,000 connections
 * and hold them idle, waits until the server counts them all, collects garbage again and reads
 * VmRSS once more. The figure is (after - before) / connections, in KiB.
 *
 * The raw server primes glibc's allocator as Braid's reactor does (`primeHeap`): a primed
 * allocator keeps up to 64 MiB of freed heap instead of trimming it, so what the accept path
 * allocated and freed would otherwise count against Braid alone, and vary with each run's
 * garbage. The unprimed raw server is reported too, as `idle-memory/raw-unprimed`.
 *
 * @module
 */

import { getLoadGen, openIdle, rssKiB, type Server, sleep, startServer } from "./lib/net.js";
import { interleave, median, result } from "./lib/stats.js";
import type { Benchmark, BenchOptions, BenchResult } from "./lib/types.js";

interface IdleRun {
  readonly perConn: number;
  readonly before: number;
  readonly after: number;
  readonly conns: number;
}

/**
 * The server's VmRSS once it has settled: full GCs (each `stats` runs two) a few hundred ms apart
 * until VmRSS stops falling, the same for both servers. Even so, a Braid server's figure varies
 * more from run to run (about 2.5 to 3.8 KiB per connection, against 2.6 to 2.9 for raw):
 * which V8 heap pages stay committed after the accept path's garbage differs between runs.
 */
async function settledRss(server: Server): Promise<number> {
  let rss = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 8; i++) {
    await server.stats();
    await sleep(250);
    const now = rssKiB(server.pid);
    if (now > rss - 256) return Math.min(now, rss); // within 256 KiB: settled
    rss = now;
  }
  return rss;
}

async function trial(
  script: string,
  opts: BenchOptions,
  conns: number,
  primeHeap: boolean,
): Promise<IdleRun> {
  const gen = getLoadGen(opts.log);
  const server = await startServer(script, { exposeGc: true, primeHeap });
  try {
    const before = await settledRss(server);
    const clients = await openIdle(gen, server, conns);
    try {
      if (clients.connected < conns) {
        throw new Error(
          `only ${clients.connected}/${conns} connections opened (${clients.failed} failed)`,
        );
      }
      const deadline = performance.now() + 60_000;
      let seen = 0;
      while ((seen = (await server.stats()).conns) < conns) {
        if (performance.now() > deadline) throw new Error(`${script} accepted ${seen}/${conns}`);
        await sleep(200);
      }
      await sleep(300);
      const after = await settledRss(server);
      return { perConn: (after - before) / conns, before, after, conns: seen };
    } finally {
      await clients.close();
    }
  } finally {
    await server.stop();
  }
}

export const benchmark: Benchmark = {
  name: "idle-memory",
  issue: "issue 3",
  description:
    "Server RSS growth per idle connection (KiB, VmRSS after a forced GC minus the idle baseline) " +
    "with 10,000 connections held open by a separate process, Braid's Echo server vs a raw " +
    "node:net echo server. Lower is better.",
  async run(opts: BenchOptions): Promise<BenchResult[]> {
    const conns = opts.quick ? 1000 : 10_000;
    const runs = await interleave(
      opts,
      "idle-memory",
      {
        braid: () => trial("braid-echo.ts", opts, conns, false),
        baseline: () => trial("raw-echo.ts", opts, conns, true),
        "raw-unprimed": () => trial("raw-echo.ts", opts, conns, false),
      },
      (r) =>
        `${r.perConn.toFixed(2)} KiB/conn (VmRSS ${(r.before / 1024).toFixed(1)} -> ` +
        `${(r.after / 1024).toFixed(1)} MiB, ${r.conns} connections)`,
    );
    const base = (xs: IdleRun[]) => (median(xs.map((r) => r.before)) / 1024).toFixed(1);
    return [
      result(
        {
          name: "idle-memory",
          unit: "KiB/conn",
          baselineName: "raw node:net",
          goal: { kind: "max", ratio: 1.25 },
          notes: [
            `${conns} idle connections; idle server VmRSS before connecting: Braid ${base(runs.braid)} MiB, raw ${base(runs.baseline)} MiB`,
            "the raw server primes the allocator as Braid does (see bench/README.md)",
          ],
        },
        runs.braid.map((r) => r.perConn),
        runs.baseline.map((r) => r.perConn),
      ),
      result(
        {
          name: "idle-memory/raw-unprimed",
          unit: "KiB/conn",
          baselineName: "raw node:net, allocator unprimed",
          goal: { kind: "report" },
          notes: [
            "the same Braid runs against the raw server with glibc's allocator as Node leaves " +
              "it (trimming freed heap back to the kernel); idle VmRSS before connecting: " +
              `${base(runs["raw-unprimed"])} MiB`,
          ],
        },
        runs.braid.map((r) => r.perConn),
        runs["raw-unprimed"].map((r) => r.perConn),
      ),
    ];
  },
};
