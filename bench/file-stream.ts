/**
 * file-stream (issue 4): serving a file to several concurrent downloads (MiB/s received),
 * Braid's `FileSender` (a pull producer on the transport) against
 * `fs.createReadStream(path).pipe(socket)`. The file is a temporary 256 MiB file (64 MiB in quick
 * mode), in the page cache after the first read; each connection downloads it whole, then
 * reconnects. The server runs pinned to CPU 0; the download client is this module run as a child
 * process (`BENCH_FILE_CLIENT=1`, a Node client reading into one reused buffer with `onread`)
 * pinned to CPU 1. bench/loadgen.c has no download mode yet, so figures are marked as lower
 * bounds when the client saturates its core.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { APP_STATE_MIB, canPin, cpuSeconds, ROOT, type Server, startServer } from "./lib/net.js";
import { track } from "./lib/procs.js";
import { interleave, median, result } from "./lib/stats.js";
import type { Benchmark, BenchOptions, BenchResult } from "./lib/types.js";

const SATURATED_PCT = 90;
const MiB = 1024 * 1024;

/** What the download client reports. */
interface DownloadRun {
  readonly seconds: number;
  readonly bytes: number;
  readonly mib_per_s: number;
  readonly downloads: number;
  readonly cpu_pct: number;
  readonly server_cpu_pct: number;
}

// --- the download client (child mode) -------------------------------------------------------

function runClient(): void {
  const port = Number(process.env.BENCH_PORT);
  const conns = Number(process.env.BENCH_CONNS);
  const warmup = Number(process.env.BENCH_WARMUP);
  const duration = Number(process.env.BENCH_DURATION);
  let total = 0;
  let downloads = 0;
  let stopping = false;
  const buffer = Buffer.allocUnsafe(256 * 1024);
  const open = () => {
    if (stopping) return;
    const s = connect({
      port,
      host: "127.0.0.1",
      onread: {
        buffer,
        callback: (n: number) => {
          total += n;
          return true;
        },
      },
    });
    s.on("end", () => {
      downloads++;
      s.destroy();
      open();
    });
    s.on("error", () => {
      s.destroy();
      setTimeout(open, 10);
    });
  };
  for (let i = 0; i < conns; i++) open();
  setTimeout(() => {
    const b0 = total;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    process.stdout.write(`${JSON.stringify({ event: "window-start" })}\n`);
    setTimeout(() => {
      const seconds = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      const bytes = total - b0;
      stopping = true;
      process.stdout.write(
        `${JSON.stringify({
          seconds,
          bytes,
          mib_per_s: bytes / MiB / seconds,
          downloads,
          cpu_pct: (100 * (c.user + c.system)) / 1e6 / seconds,
        })}\n`,
      );
      process.exit(0);
    }, duration * 1000);
  }, warmup * 1000);
}

// --- the benchmark ---------------------------------------------------------------------------

async function download(
  server: Server,
  conns: number,
  warmup: number,
  duration: number,
): Promise<DownloadRun> {
  const args = ["--import", "tsx", fileURLToPath(import.meta.url)];
  const [cmd, argv] = canPin()
    ? ["taskset", ["-c", "1", process.execPath, ...args]]
    : [process.execPath, args];
  const child = track(
    spawn(cmd, argv, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
      env: {
        ...process.env,
        BENCH_FILE_CLIENT: "1",
        BENCH_PORT: String(server.port),
        BENCH_CONNS: String(conns),
        BENCH_WARMUP: String(warmup),
        BENCH_DURATION: String(duration),
      },
    }),
  );
  const rl = createInterface({ input: child.stdout! });
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  rl.on("line", (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  const next = (ms: number) =>
    new Promise<string>((resolve, reject) => {
      const l = lines.shift();
      if (l !== undefined) return resolve(l);
      const timer = setTimeout(() => reject(new Error("download client: no answer")), ms);
      waiters.push((x) => {
        clearTimeout(timer);
        resolve(x);
      });
    });
  const limit = (warmup + duration) * 1000 + 30_000;
  try {
    await next(limit);
    const cpu0 = cpuSeconds(server.pid);
    const r = JSON.parse(await next(limit)) as Omit<DownloadRun, "server_cpu_pct">;
    const cpu1 = cpuSeconds(server.pid);
    return { ...r, server_cpu_pct: (100 * (cpu1 - cpu0)) / r.seconds };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

export const benchmark: Benchmark = {
  name: "file-stream",
  description:
    "Serving a 256 MiB file to 4 concurrent downloads, each reconnecting when done (MiB/s " +
    "received), Braid's FileSender vs fs.createReadStream().pipe(socket); Node download client " +
    "on the other core.",
  issue: "issue 4",
  async run(opts: BenchOptions): Promise<BenchResult[]> {
    const size = (opts.quick ? 64 : 256) * MiB;
    const conns = 4;
    const warmup = opts.quick ? 0.5 : 1;
    const duration = opts.quick ? 1.5 : 5;
    const dir = mkdtempSync(join(tmpdir(), "braid-bench-file-"));
    const path = join(dir, "data.bin");
    const fd = openSync(path, "w");
    const block = Buffer.alloc(MiB);
    for (let i = 0; i < block.length; i++) block[i] = (i * 131) & 0xff;
    for (let i = 0; i < size / MiB; i++) writeSync(fd, block);
    closeSync(fd);
    const previous = process.env.BENCH_FILE;
    process.env.BENCH_FILE = path;
    const trial = async (script: string, primeHeap: boolean) => {
      const server = await startServer(script, { appStateMiB: APP_STATE_MIB, primeHeap });
      try {
        return await download(server, conns, warmup, duration);
      } finally {
        await server.stop();
      }
    };
    try {
      const runs = await interleave(
        opts,
        "file-stream",
        {
          braid: () => trial("braid-file.ts", false),
          baseline: () => trial("raw-file.ts", true),
          "raw-unprimed": () => trial("raw-file.ts", false),
        },
        (r) =>
          `${Math.round(r.mib_per_s)} MiB/s, ${r.downloads} downloads, client CPU ` +
          `${r.cpu_pct.toFixed(0)}%, server CPU ${r.server_cpu_pct.toFixed(0)}%`,
      );
      const cpu = (xs: DownloadRun[], f: (r: DownloadRun) => number) =>
        median(xs.map(f)).toFixed(0);
      const clientCpu = Math.max(
        median(runs.braid.map((r) => r.cpu_pct)),
        median(runs.baseline.map((r) => r.cpu_pct)),
      );
      return [
        result(
          {
            name: "file-stream",
            unit: "MiB/s",
            baselineName: "createReadStream().pipe()",
            goal: { kind: "min", ratio: 0.9 },
            lowerBound: clientCpu >= SATURATED_PCT,
            notes: [
              `${size / MiB} MiB file, ${conns} concurrent downloads, ${duration} s after ` +
                `${warmup} s warm-up; both servers hold ${APP_STATE_MIB} MiB of application ` +
                "state, and the raw one primes the allocator as Braid does (see bench/README.md)",
              `download client (Node) CPU: Braid runs ${cpu(runs.braid, (r) => r.cpu_pct)}%, raw ` +
                `runs ${cpu(runs.baseline, (r) => r.cpu_pct)}%`,
              `server CPU: Braid ${cpu(runs.braid, (r) => r.server_cpu_pct)}%, raw ` +
                `${cpu(runs.baseline, (r) => r.server_cpu_pct)}%`,
            ],
          },
          runs.braid.map((r) => r.mib_per_s),
          runs.baseline.map((r) => r.mib_per_s),
        ),
        result(
          {
            name: "file-stream/raw-unprimed",
            unit: "MiB/s",
            baselineName: "createReadStream().pipe(), allocator unprimed",
            goal: { kind: "report" },
            notes: ["the same Braid runs against the raw server with the allocator unprimed"],
          },
          runs.braid.map((r) => r.mib_per_s),
          runs["raw-unprimed"].map((r) => r.mib_per_s),
        ),
      ];
    } finally {
      if (previous === undefined) delete process.env.BENCH_FILE;
      else process.env.BENCH_FILE = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

if (process.env.BENCH_FILE_CLIENT === "1") runClient();
