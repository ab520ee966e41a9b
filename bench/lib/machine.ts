/**
 * A description of the machine the figures come from.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { availableParallelism, release, totalmem } from "node:os";

/** Machine, OS and runtime, as one line per field. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memory: string;
  readonly node: string;
  readonly kernel: string;
}

/** The CPU model from /proc/cpuinfo (`model name`), the core count and the Node version. */
export function machineInfo(): MachineInfo {
  let cpu = "unknown";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m?.[1]) cpu = m[1].trim();
  } catch {
    // not Linux: leave "unknown"
  }
  return {
    cpu,
    cores: availableParallelism(),
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    kernel: `${process.platform} ${release()}`,
  };
}

/** `AMD EPYC, 2 cores, 24 GiB, Node v20.20.2, linux 6.1.0` */
export function machineLine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memory}, Node ${m.node}, ${m.kernel}`;
}
