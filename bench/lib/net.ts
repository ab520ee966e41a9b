/**
 * Processes of the network benchmarks: the server under test (pinned to CPU 0), the load
 * generator (pinned to CPU 1), and what is read about them from /proc.
 *
 * Servers are the scripts in bench/servers/: they print `{"port":N}` once listening, answer each
 * `stats` line on stdin with `{"conns":N}` (after a full GC when run with --expose-gc), and exit
 * when stdin closes. The load generator is bench/loadgen.c, compiled on first use; without a C
 * compiler, bench/loadgen-node.ts (same arguments and output) stands in and figures are marked as
 * lower bounds.
 *
 * @module
 */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { track } from "./procs.js";

/** The bench/ folder. */
export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The repository root (the working directory of child processes, so `--import tsx` resolves). */
export const ROOT = join(BENCH_DIR, "..");

let tasksetChecked: boolean | undefined;
/** Whether processes can be pinned: `taskset` exists and there are at least two cores. */
export function canPin(): boolean {
  if (tasksetChecked === undefined) {
    tasksetChecked =
      availableParallelism() >= 2 && spawnSync("taskset", ["-c", "0", "true"]).status === 0;
  }
  return tasksetChecked;
}

function pinned(cpu: number, cmd: string, args: readonly string[]): [string, string[]] {
  return canPin() ? ["taskset", ["-c", String(cpu), cmd, ...args]] : [cmd, [...args]];
}

/** Reads a child's stdout line by line, with a timeout on each wait. */
class Lines {
  private readonly queue: string[] = [];
  private waiter: ((line: string | null) => void) | null = null;
  private ended = false;
  private stderr = "";

  constructor(child: ChildProcess) {
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(line);
      } else this.queue.push(line);
    });
    rl.on("close", () => {
      this.ended = true;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(null);
      }
    });
    child.stderr?.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
  }

  /** The last part of what the child wrote on stderr. */
  get errors(): string {
    return this.stderr.trim();
  }

  /** The next line parsed as JSON; rejects on timeout or when the child ends first. */
  next<T>(what: string, timeoutMs: number): Promise<T> {
    const line = this.queue.shift();
    if (line !== undefined) return Promise.resolve(parse<T>(line, what));
    if (this.ended) return Promise.reject(this.failure(what, "it exited"));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(this.failure(what, `no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (l) => {
        clearTimeout(timer);
        if (l === null) reject(this.failure(what, "it exited"));
        else {
          try {
            resolve(parse<T>(l, what));
          } catch (err) {
            reject(err);
          }
        }
      };
    });
  }

  private failure(what: string, why: string): Error {
    // Give stderr a moment to arrive: a crash usually explains itself there.
    const lines = this.errors.split("\n");
    const errs = lines.filter((l) => /^\s*(\w*Error\b|error:)/.test(l));
    const tail = (errs.length > 0 ? errs.slice(0, 3) : lines.slice(-6)).join("\n");
    return new Error(`${what}: ${why}${tail ? `: ${tail}` : ""}`);
  }
}

function parse<T>(line: string, what: string): T {
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`${what}: unexpected output ${JSON.stringify(line.slice(0, 200))}`);
  }
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A server under test, running in its own process. */
export interface Server {
  readonly pid: number;
  readonly port: number;
  /** Live connections as the server counts them (after a full GC if it has --expose-gc). */
  stats(): Promise<{ conns: number }>;
  /** Closes its stdin and waits for it to exit (killing it after 3 s). */
  stop(): Promise<void>;
}

/** How {@link startServer} runs a server. */
export interface ServerOptions {
  /** Run with `--expose-gc` (the `stats` request then collects garbage first). */
  readonly exposeGc?: boolean;
  /**
   * MiB of live application state the server holds (see control.ts), or 0 for a bare server.
   * Throughput benchmarks give both sides the same {@link APP_STATE_MIB}.
   */
  readonly appStateMiB?: number;
  /**
   * Prime the C allocator at start-up as Braid's reactor does (`primeHeap`, src/reactor/heap.ts):
   * for baselines, so that they run in the same allocator state as Braid and the comparison is
   * one of code.
   */
  readonly primeHeap?: boolean;
}

/**
 * The application state the throughput benchmarks give every server, Braid's and the baseline
 * alike. V8 (Node 20) has a performance cliff for processes whose old generation holds about 8 to
 * 12 MiB: there, streaming's garbage of buffers makes it start a full mark-compact every few tens
 * of milliseconds (measured: 50 to 100 per 3 s against 1, and half the throughput, for a raw
 * `node:net` server and Braid's alike). A bare raw server (about 6 MiB) sits below the cliff and
 * a bare Braid server (about 10 MiB, with the whole package loaded) on it, so bare servers
 * compare heap sizes rather than code. Real servers hold state of their own: 16 MiB puts both
 * sides clear above the cliff, as they would be. bench/README.md has the bare figures.
 */
export const APP_STATE_MIB = 16;

/**
 * Starts `bench/servers/<script>` pinned to CPU 0.
 *
 * @throws Error with the end of its stderr when it does not report a port within 20 s.
 */
export async function startServer(script: string, opts: ServerOptions = {}): Promise<Server> {
  const nodeArgs = [
    ...(opts.exposeGc ? ["--expose-gc"] : []),
    "--import",
    "tsx",
    join(BENCH_DIR, "servers", script),
  ];
  const [cmd, args] = pinned(0, process.execPath, nodeArgs);
  const env = {
    ...process.env,
    BENCH_APP_STATE_MIB: String(opts.appStateMiB ?? 0),
    BENCH_PRIME_HEAP: opts.primeHeap ? "1" : "0",
  };
  const child = track(spawn(cmd, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] }));
  const lines = new Lines(child);
  child.stdin!.on("error", () => {});
  let port: number;
  try {
    ({ port } = await lines.next<{ port: number }>(`${script} did not start`, 20_000));
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    pid: child.pid!,
    port,
    async stats() {
      child.stdin!.write("stats\n");
      return lines.next<{ conns: number }>(`${script} stats`, 20_000);
    },
    async stop() {
      child.stdin!.end();
      await waitExit(child, 3000);
    },
  };
}

/** VmRSS of `pid`, in KiB, from /proc/PID/status. */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s*(\d+)\s*kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m?.[1]) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** User + system CPU seconds of `pid` so far, from /proc/PID/stat (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = procStat(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Minor page faults of process `pid` so far. A server that faults its read buffers in afresh
 * (see src/reactor/heap.ts) shows it here first.
 */
export function minorFaults(pid: number): number {
  return Number(procStat(pid)[7]);
}

/** The fields of `/proc/PID/stat` from the third (state) on. */
function procStat(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name, in parentheses, may contain spaces: the fields after it start at field 3.
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** The load generator in use. */
export interface LoadGen {
  /** `c`: bench/loadgen.c compiled; `node`: the Node fallback (figures are lower bounds). */
  readonly kind: "c" | "node";
  readonly cmd: string;
  readonly args: readonly string[];
}

let loadgen: LoadGen | undefined;

/**
 * The load generator, compiling bench/loadgen.c into bench/.build/ with `cc -O2` when the binary
 * is missing or older than the source.
 */
export function getLoadGen(log: (m: string) => void): LoadGen {
  if (loadgen) return loadgen;
  const src = join(BENCH_DIR, "loadgen.c");
  const bin = join(BENCH_DIR, ".build", "loadgen");
  const fresh = existsSync(bin) && statSync(bin).mtimeMs >= statSync(src).mtimeMs;
  if (!fresh) {
    mkdirSync(dirname(bin), { recursive: true });
    const cc = process.env.CC ?? "cc";
    const r = spawnSync(cc, ["-O2", "-o", bin, src], { encoding: "utf8" });
    if (r.status !== 0) {
      log(
        `  no C load generator (${cc}: ${r.error?.message ?? r.stderr.trim().split("\n")[0]}); ` +
          "using the Node one: figures are lower bounds",
      );
      loadgen = {
        kind: "node",
        cmd: process.execPath,
        args: ["--import", "tsx", join(BENCH_DIR, "loadgen-node.ts")],
      };
      return loadgen;
    }
    log(`  compiled ${bin}`);
  }
  loadgen = { kind: "c", cmd: bin, args: [] };
  return loadgen;
}

/** What the load generator reports at the end of an echo run. */
export interface EchoRun {
  readonly connected: number;
  readonly failed: number;
  readonly closed: number;
  readonly seconds: number;
  readonly messages: number;
  readonly bytes: number;
  readonly msgs_per_s: number;
  readonly mib_per_s: number;
  /** The load generator's CPU use over the measured window, % of one core. */
  readonly cpu_pct: number;
  /** The server's CPU use over the same window, % of one core. */
  readonly server_cpu_pct: number;
  /** The server's minor page faults over the same window, per MiB echoed. */
  readonly server_faults_per_mib: number;
}

/** An echo load: connections, message size, messages in flight per connection, timings. */
export interface EchoLoad {
  readonly conns: number;
  readonly size: number;
  readonly depth: number;
  readonly warmup: number;
  readonly duration: number;
}

/** Runs the load generator (pinned to CPU 1) against `server` and returns its figures. */
export async function runEcho(gen: LoadGen, server: Server, load: EchoLoad): Promise<EchoRun> {
  const args = [
    ...gen.args,
    ...["-p", String(server.port), "-m", "echo", "-c", String(load.conns)],
    ...["-s", String(load.size), "-d", String(load.depth)],
    ...["-w", String(load.warmup), "-t", String(load.duration)],
  ];
  const [cmd, argv] = pinned(1, gen.cmd, args);
  const child = track(spawn(cmd, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] }));
  const lines = new Lines(child);
  const limit = (load.warmup + load.duration) * 1000 + 30_000;
  try {
    await lines.next<{ event: string }>("load generator", limit);
    const cpu0 = cpuSeconds(server.pid);
    const faults0 = minorFaults(server.pid);
    const r = await lines.next<Omit<EchoRun, "server_cpu_pct" | "server_faults_per_mib">>(
      "load generator",
      limit,
    );
    const cpu1 = cpuSeconds(server.pid);
    const faults1 = minorFaults(server.pid);
    await waitExit(child, 5000);
    return {
      ...r,
      server_cpu_pct: (100 * (cpu1 - cpu0)) / r.seconds,
      server_faults_per_mib: (faults1 - faults0) / Math.max(r.bytes / 2 ** 20, 1e-9),
    };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/** Idle connections held open by the load generator until {@link IdleClients.close}. */
export interface IdleClients {
  readonly connected: number;
  readonly failed: number;
  close(): Promise<void>;
}

/** Opens `conns` idle connections to `server` from the load generator (pinned to CPU 1). */
export async function openIdle(gen: LoadGen, server: Server, conns: number): Promise<IdleClients> {
  const args = [
    ...gen.args,
    "-p",
    String(server.port),
    "-m",
    "idle",
    "-c",
    String(conns),
    "-t",
    "300",
  ];
  const [cmd, argv] = pinned(1, gen.cmd, args);
  const child = track(spawn(cmd, argv, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] }));
  child.stdin!.on("error", () => {});
  const lines = new Lines(child);
  try {
    const r = await lines.next<{ connected: number; failed: number }>("idle clients", 120_000);
    return {
      connected: r.connected,
      failed: r.failed,
      async close() {
        child.stdin!.end();
        await waitExit(child, 10_000);
      },
    };
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
