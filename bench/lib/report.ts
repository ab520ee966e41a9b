/**
 * Output: the table printed at the end of a run, and BENCHMARKS.md.
 *
 * BENCHMARKS.md keeps the last figures of every benchmark: a run of some benchmarks
 * (`npm run bench -- deferred`) replaces theirs and keeps the others', which are dated. The data
 * behind the page is embedded at its end in an HTML comment, so that it can be merged.
 *
 * @module
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type MachineInfo, machineLine } from "./machine.js";
import { formatNumber, goalText, meets } from "./stats.js";
import type { Benchmark, BenchResult } from "./types.js";

/** What one benchmark produced in one run. */
export interface Entry {
  readonly benchmark: string;
  readonly description: string;
  readonly issue: string;
  readonly date: string;
  readonly machine: string;
  readonly quick: boolean;
  /** The 1-minute load average when the benchmark started: other work on the machine. */
  readonly loadavg?: number;
  readonly results: readonly BenchResult[];
  /** Set when the benchmark could not run (the message of what went wrong). */
  readonly error?: string;
}

/** `pass`, `FAIL`, `report`, with `?` when the figures are only lower bounds. */
export function verdict(r: BenchResult): string {
  const v = r.goal.kind === "report" ? "report" : meets(r.goal, r.ratio) ? "pass" : "FAIL";
  return r.lowerBound ? `${v} (lower bounds)` : v;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function figure(x: number, unit: string): string {
  return `${formatNumber(x)} ${unit}`;
}

function resultRows(entries: readonly Entry[]): string[][] {
  const rows: string[][] = [];
  for (const e of entries) {
    if (e.error !== undefined) {
      rows.push([e.benchmark, "–", "–", "–", "–", "not run", e.error.split("\n")[0] ?? ""]);
      continue;
    }
    for (const r of e.results) {
      rows.push([
        r.name,
        figure(r.braid, r.unit),
        `${figure(r.baseline, r.unit)} (${r.baselineName})`,
        `${r.ratio.toFixed(2)}x`,
        goalText(r.goal),
        verdict(r),
        r.notes.join("; "),
      ]);
    }
  }
  return rows;
}

const HEADER = ["benchmark", "Braid", "baseline", "ratio", "goal", "result", "notes"];

/** The summary as a plain-text table for the terminal. */
export function textTable(entries: readonly Entry[]): string {
  const rows = [HEADER, ...resultRows(entries)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r, k) => {
      const line = r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
      return k === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
    })
    .join("\n");
}

const DATA_OPEN = "<!-- bench-data ";
const DATA_CLOSE = " -->";

/** The entries embedded in an existing BENCHMARKS.md, or none. */
export function readEntries(path: string): Entry[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const start = text.lastIndexOf(DATA_OPEN);
  if (start < 0) return [];
  const end = text.indexOf(DATA_CLOSE, start + DATA_OPEN.length);
  if (end < 0) return [];
  try {
    const data = JSON.parse(text.slice(start + DATA_OPEN.length, end)) as { entries?: Entry[] };
    return Array.isArray(data.entries) ? data.entries : [];
  } catch {
    return [];
  }
}

/**
 * Rewrites `path` with `fresh` entries, keeping previous entries of benchmarks not in `fresh`,
 * in the order of `all`.
 */
export function writeMarkdown(
  path: string,
  all: readonly Benchmark[],
  fresh: readonly Entry[],
  machine: MachineInfo,
  date: string,
): void {
  const byName = new Map<string, Entry>();
  for (const e of readEntries(path)) byName.set(e.benchmark, e);
  for (const e of fresh) byName.set(e.benchmark, e);
  const entries = all.flatMap((b) => {
    const e = byName.get(b.name);
    return e ? [e] : [];
  });
  const freshNames = new Set(fresh.map((e) => e.benchmark));
  const older = entries.filter((e) => !freshNames.has(e.benchmark));

  const out: string[] = [];
  out.push("# Benchmarks", "");
  out.push(
    "> Figures from one machine. Runs of the same benchmark vary by ±10–25% between runs on these " +
      "shared machines: compare the **ratios** within one run (Braid and its baseline are measured " +
      "in the same run, interleaved A B, B A, A B …, medians), not absolute figures between runs or " +
      "machines. Written by `npm run bench`; see [bench/README.md](bench/README.md).",
    "",
  );
  out.push(`- Machine: ${machineLine(machine)}`);
  out.push(`- Last run: ${date} (${fresh.map((e) => e.benchmark).join(", ") || "none"})`);
  if (older.length > 0) {
    out.push(
      `- Kept from earlier runs: ${older.map((e) => `${e.benchmark} (${e.date})`).join(", ")}`,
    );
  }
  out.push("");
  out.push(row(HEADER), row(HEADER.map(() => "---")));
  for (const r of resultRows(entries)) out.push(row(r.map((c) => c.replaceAll("|", "\\|"))));
  out.push("");
  out.push(
    "`ratio`: Braid / baseline, the median of the per-round ratios (each Braid trial over the " +
      "baseline trial of the same round). " +
      "`result`: `pass` / `FAIL` against the goal the issue sets for that ratio; " +
      "`report` has no threshold. `(lower bounds)`: the load generator saturated its core (or the " +
      "Node fallback load generator was used), so both servers may be faster than measured and the " +
      "ratio is not conclusive. Rows ending in `/cpu` divide the same runs by the server's CPU " +
      "time: when the notes show the server well below 100% of its core, other work on the " +
      "machine was taking it, and those rows are the steadier comparison of cost per message.",
    "",
  );
  out.push("## Details", "");
  for (const e of entries) {
    out.push(`### ${e.benchmark}`, "");
    out.push(`${e.description} Goal from ${e.issue}.`, "");
    const load = e.loadavg === undefined ? "" : `, load average ${e.loadavg.toFixed(2)} at start`;
    out.push(`- Measured ${e.date} on ${e.machine}${load}${e.quick ? " (quick mode)" : ""}`);
    if (e.error !== undefined) out.push(`- Not run: ${e.error.split("\n")[0]}`);
    for (const r of e.results) {
      const fmt = (xs: readonly number[]) => xs.map((x) => formatNumber(x)).join(", ");
      out.push(
        `- ${r.name}: Braid ${figure(r.braid, r.unit)}, ${r.baselineName} ` +
          `${figure(r.baseline, r.unit)}, ratio ${r.ratio.toFixed(2)}x (goal ${goalText(r.goal)}: ` +
          `${verdict(r)})`,
      );
      out.push(
        `  - trials, Braid: ${fmt(r.samples.braid)}; ${r.baselineName}: ${fmt(r.samples.baseline)}`,
      );
      for (const n of r.notes) out.push(`  - ${n}`);
    }
    out.push("");
  }
  const data = JSON.stringify({ entries }).replaceAll("--", "-\\u002d");
  out.push(`${DATA_OPEN}${data}${DATA_CLOSE}`, "");
  writeFileSync(path, out.join("\n"));
}
