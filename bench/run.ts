/**
 * `npm run bench [-- name…]`: runs the benchmarks (all, or those whose name contains one of the
 * arguments), prints a table and rewrites BENCHMARKS.md.
 *
 * Environment: `BENCH_QUICK=1` short trials to smoke-test the harness (BENCHMARKS.md is then left
 * alone unless `BENCH_WRITE=1`); `BENCH_ROUNDS=n` interleaved rounds per benchmark (default 5,
 * quick 3).
 *
 * @module
 */

import { readdirSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { machineInfo, machineLine } from "./lib/machine.js";
import { killAll } from "./lib/procs.js";
import { type Entry, textTable, writeMarkdown } from "./lib/report.js";
import type { Benchmark, BenchOptions } from "./lib/types.js";

/**
 * Every benchmark: each module directly in bench/ (not lib/ or servers/) that exports
 * `benchmark`, in file-name order. A new benchmark is a new file; nothing to register.
 */
async function discover(): Promise<Benchmark[]> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const found: Benchmark[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(".ts") || file === "run.ts" || file.startsWith("loadgen")) continue;
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { benchmark?: Benchmark };
    if (mod.benchmark) found.push(mod.benchmark);
  }
  return found;
}

const ALL: readonly Benchmark[] = await discover();

function select(args: readonly string[]): Benchmark[] {
  if (args.length === 0) return [...ALL];
  const chosen = ALL.filter((b) => args.some((a) => b.name === a || b.name.includes(a)));
  if (chosen.length === 0) {
    console.error(
      `no benchmark matches ${args.join(", ")}; known: ${ALL.map((b) => b.name).join(", ")}`,
    );
    process.exit(2);
  }
  return chosen;
}

async function main(): Promise<number> {
  const quick = process.env.BENCH_QUICK === "1";
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS) || (quick ? 3 : 5));
  const chosen = select(process.argv.slice(2).filter((a) => a !== "--"));
  const machine = machineInfo();
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const opts: BenchOptions = { quick, rounds, log: (m) => console.log(m) };

  console.log(`braid bench: ${machineLine(machine)}`);
  console.log(
    `${quick ? "quick mode, " : ""}${rounds} interleaved rounds (Braid, baseline) per benchmark\n`,
  );

  const entries: Entry[] = [];
  for (const b of chosen) {
    console.log(`${b.name}: ${b.description} (load average ${loadavg()[0]?.toFixed(2)})`);
    const t0 = performance.now();
    const base = {
      benchmark: b.name,
      description: b.description,
      issue: b.issue,
      date,
      machine: machineLine(machine),
      quick,
      loadavg: loadavg()[0] ?? 0,
    };
    try {
      entries.push({ ...base, results: await b.run(opts) });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.log(`  ${b.name} could not run: ${message}`);
      entries.push({ ...base, results: [], error: message });
    } finally {
      killAll();
    }
    console.log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }

  console.log(textTable(entries));
  if (!quick || process.env.BENCH_WRITE === "1") {
    const path = join(dirname(fileURLToPath(import.meta.url)), "..", "BENCHMARKS.md");
    writeMarkdown(path, ALL, entries, machine, date);
    console.log(`\nwrote ${path}`);
  } else {
    console.log("\nquick mode: BENCHMARKS.md not written (set BENCH_WRITE=1 to write it)");
  }
  return entries.some((e) => e.error !== undefined) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
