/**
 * sqlite-pool (issue 7): SQLite queries through Braid's `ConnectionPool` (better-sqlite3 on worker
 * threads) vs the same synchronous driver called on the main thread, and the reactor's timer lag
 * in both cases.
 *
 * The query is an aggregate over a 50,000-row table (a few milliseconds of SQLite work). Braid
 * keeps 4 queries in flight on a pool of 2 connections; the baseline runs one query per turn of
 * the event loop (yielding with `setImmediate` between queries, as a well-behaved synchronous
 * caller would). Meanwhile a probe asks the reactor for `callLater(0.005)` over and over and
 * records how late each call fires. Reported, no threshold: the pool pays for messaging in
 * queries per second and should keep the p99 lag under 5 ms; the main-thread driver cannot,
 * because each query holds the event loop for its whole duration.
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type * as Enterprise from "../src/enterprise/index.js";
import { braid } from "./lib/braid.js";
import { collectGarbage, formatNumber, interleave, median, result } from "./lib/stats.js";
import type { Benchmark, BenchOptions, BenchResult } from "./lib/types.js";

const { ConnectionPool, SQLiteDriver } = (await import(
  new URL("../dist/enterprise/index.js", import.meta.url).href
)) as typeof Enterprise;

const ROWS = 400_000;
const IN_FLIGHT = 4;
const CONNECTIONS = 2;
const QUERY = "SELECT count(*) AS n, sum(v) AS s FROM kv WHERE v % ? = 0";
const PROBE_S = 0.005;

interface Trial {
  /** Queries per wall-clock second. */
  readonly qps: number;
  /** The 99th percentile of the timer lag, in ms. */
  readonly p99: number;
  readonly probes: number;
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)] ?? Number.NaN;
}

/** Runs `load` for `seconds` while probing the reactor's timer lag. */
async function measure(
  seconds: number,
  load: (until: number, count: () => void) => Promise<void>,
): Promise<Trial> {
  collectGarbage();
  const reactor = new braid.Reactor();
  reactor.installSignalHandlers = false;
  const stopped = reactor.run();
  const lags: number[] = [];
  let probing = true;
  const probe = () => {
    const asked = performance.now();
    reactor.callLater(PROBE_S, () => {
      lags.push(performance.now() - asked - PROBE_S * 1000);
      if (probing) probe();
    });
  };
  probe();
  let done = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  await load(until, () => done++);
  const elapsed = performance.now() - start;
  probing = false;
  reactor.stop();
  await stopped;
  return { qps: (done * 1000) / elapsed, p99: p99(lags), probes: lags.length };
}

function fill(file: string): void {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE kv (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
  const insert = db.prepare("INSERT INTO kv (k, v) VALUES (?, ?)");
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) insert.run(i, (i * 7919) % 1000);
  })();
  db.close();
}

export const benchmark: Benchmark = {
  name: "sqlite-pool",
  issue: "issue 7",
  description:
    "Aggregate queries over a 50K-row SQLite table through ConnectionPool (better-sqlite3 on 2 " +
    "worker threads, 4 in flight) vs better-sqlite3 on the main thread (one query per loop turn); " +
    "queries/s and the reactor's callLater lag (p99) in both cases.",
  async run(opts: BenchOptions): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), "braid-bench-sqlite-"));
    const file = join(dir, "bench.db");
    fill(file);
    const pool = new ConnectionPool(new SQLiteDriver({ filename: file }), {
      min: CONNECTIONS,
      max: CONNECTIONS,
    });
    const direct = new Database(file, { readonly: true });
    const stmt = direct.prepare(QUERY);
    const seconds = opts.quick ? 0.5 : 2;
    try {
      await pool.start();
      const viaPool = () =>
        measure(seconds, async (until, count) => {
          let i = 0;
          const worker = async () => {
            while (performance.now() < until) {
              await pool.runQuery(QUERY, [(i++ % 7) + 2]);
              count();
            }
          };
          await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
        });
      const onMain = () =>
        measure(seconds, async (until, count) => {
          let i = 0;
          while (performance.now() < until) {
            stmt.all((i++ % 7) + 2);
            count();
            await new Promise((r) => setImmediate(r));
          }
        });
      await viaPool();
      await onMain();
      const r = await interleave(
        opts,
        "sqlite-pool",
        { braid: viaPool, baseline: onMain },
        (t) =>
          `${formatNumber(t.qps)} queries/s, timer lag p99 ${t.p99.toFixed(2)} ms (${t.probes} probes)`,
      );
      const lagP99 = median(r.braid.map((t) => t.p99));
      const common = [
        `${ROWS} rows, query \`${QUERY}\`, ${seconds} s per trial`,
        `pool: ${CONNECTIONS} connections (worker threads), ${IN_FLIGHT} queries in flight; ` +
          "baseline: better-sqlite3 on the main thread, setImmediate between queries",
      ];
      return [
        result(
          {
            name: "sqlite-pool/queries",
            unit: "queries/s",
            baselineName: "better-sqlite3 on main thread",
            goal: { kind: "report" },
            notes: [...common, "the pool adds a message round trip per query to a worker thread"],
          },
          r.braid.map((t) => t.qps),
          r.baseline.map((t) => t.qps),
        ),
        result(
          {
            name: "sqlite-pool/timer-lag-p99",
            unit: "ms (p99 lag)",
            baselineName: "better-sqlite3 on main thread",
            goal: { kind: "report" },
            notes: [
              `callLater(${PROBE_S}) probes on the reactor during the queries; lower is better`,
              `pool p99 ${lagP99.toFixed(2)} ms: ${lagP99 < 5 ? "under" : "NOT under"} the 5 ms aim`,
            ],
          },
          r.braid.map((t) => t.p99),
          r.baseline.map((t) => t.p99),
        ),
      ];
    } finally {
      direct.close();
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
