/**
 * process (issue 7): round trips through a child process's pipes.
 *
 * A long-running echo child (`/bin/cat`, which copies each read straight back with no buffering)
 * gets a 16-byte line on stdin; the parent waits for the 16 bytes back on stdout and sends the
 * next, for a fixed time. Braid: `spawnProcess` with a `ProcessProtocol` (writes coalesced on
 * the flush queue, `outReceived` per chunk). Baseline: raw `child_process.spawn`, writing to
 * `child.stdin` and listening to `child.stdout`'s `data`. Same child, same loop, in the harness
 * process, one fresh child per trial, interleaved.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import type * as ProcessModule from "../src/process/index.js";
import { braid } from "./lib/braid.js";
import { track } from "./lib/procs.js";
import { collectGarbage, formatNumber, interleave, median, result } from "./lib/stats.js";
import type { Benchmark, BenchOptions, BenchResult } from "./lib/types.js";

const { ProcessProtocol, spawnProcess } = (await import(
  new URL("../dist/process/index.js", import.meta.url).href
)) as typeof ProcessModule;

const LINE = Buffer.from("ping 0123456789\n");
const WARMUP_TRIPS = 500;
const CAT = "/bin/cat";

/** One trial's figures. */
interface Trial {
  /** Round trips per wall-clock second. */
  readonly rate: number;
  /** Microseconds of the parent's CPU time per round trip. */
  readonly cpuMicros: number;
}

/**
 * The loop both sides run: `send()` writes one line; the caller reports each chunk's size to
 * `received`, which sends the next line once the whole echo is back, until `seconds` are up
 * (after a warm-up).
 */
class Loop {
  private pending = LINE.length;
  private trips = 0;
  private start = 0;
  private cpu0: NodeJS.CpuUsage | null = null;
  private limit = 0;
  finished: Trial | null = null;

  constructor(
    private readonly seconds: number,
    private readonly send: () => void,
    private readonly done: () => void,
  ) {}

  begin(): void {
    this.send();
  }

  received(bytes: number): void {
    this.pending -= bytes;
    if (this.pending > 0) return;
    if (this.pending < 0) throw new Error("echo returned more than was sent");
    this.pending = LINE.length;
    const n = ++this.trips;
    if (this.cpu0 === null) {
      if (n < WARMUP_TRIPS) {
        this.send();
        return;
      }
      this.trips = 0;
      this.cpu0 = process.cpuUsage();
      this.start = performance.now();
      this.limit = this.start + this.seconds * 1000;
    } else if ((n & 63) === 0 && performance.now() >= this.limit) {
      const elapsed = performance.now() - this.start;
      const cpu = process.cpuUsage(this.cpu0);
      this.finished = {
        rate: (n * 1000) / elapsed,
        cpuMicros: (cpu.user + cpu.system) / n,
      };
      this.done();
      return;
    }
    this.send();
  }
}

function braidTrial(seconds: number): Promise<Trial> {
  collectGarbage();
  return new Promise((resolve, reject) => {
    class Echo extends ProcessProtocol {
      loop = new Loop(
        seconds,
        () => this.transport!.write(LINE),
        () => this.transport!.closeStdin(),
      );
      override connectionMade(): void {
        this.loop.begin();
      }
      override outReceived(data: Uint8Array): void {
        this.loop.received(data.byteLength);
      }
      override processEnded(): void {
        const r = this.loop.finished;
        if (r === null) reject(new Error("the echo child ended early"));
        else resolve(r);
      }
    }
    spawnProcess(braid.reactor, new Echo(), CAT, ["cat"]);
  });
}

function rawTrial(seconds: number): Promise<Trial> {
  collectGarbage();
  return new Promise((resolve, reject) => {
    const child: ChildProcess = track(spawn(CAT, [], { env: {}, stdio: ["pipe", "pipe", "pipe"] }));
    const stdin = child.stdin!;
    const loop = new Loop(
      seconds,
      () => stdin.write(LINE),
      () => stdin.end(),
    );
    child.stdout!.on("data", (chunk: Buffer) => loop.received(chunk.length));
    child.on("close", () => {
      const r = loop.finished;
      if (r === null) reject(new Error("the echo child ended early"));
      else resolve(r);
    });
    loop.begin();
  });
}

export const benchmark: Benchmark = {
  name: "process",
  issue: "issue 7",
  description:
    "Round trips through a long-running echo child (`cat`): write a 16-byte line to its stdin, " +
    "wait for it back on stdout, repeat (round trips/s); `spawnProcess` + `ProcessProtocol` vs " +
    "raw `child_process.spawn` doing the same.",
  async run(opts: BenchOptions): Promise<BenchResult[]> {
    const seconds = opts.quick ? 0.3 : 2;
    await braidTrial(0.2);
    await rawTrial(0.2);
    const r = await interleave(
      opts,
      "process",
      { braid: () => braidTrial(seconds), baseline: () => rawTrial(seconds) },
      (x) => `${formatNumber(x.rate)} round trips/s, ${x.cpuMicros.toFixed(1)} µs parent CPU each`,
    );
    const cpu = (xs: Trial[]) => median(xs.map((x) => x.cpuMicros)).toFixed(1);
    return [
      result(
        {
          name: "process",
          unit: "round trips/s",
          baselineName: "raw child_process",
          goal: { kind: "min", ratio: 0.9 },
          notes: [
            `16-byte lines through /bin/cat, one in flight, ${seconds} s per trial after ${WARMUP_TRIPS} warm-up trips`,
            `parent CPU per round trip: Braid ${cpu(r.braid)} µs, raw ${cpu(r.baseline)} µs`,
          ],
        },
        r.braid.map((x) => x.rate),
        r.baseline.map((x) => x.rate),
      ),
    ];
  },
};
