/**
 * `primeHeap`: once per process, before the reactor's first stream, and never when
 * `BRAID_PRIME_HEAP=0`. (Its effect on throughput is measured by the echo benchmarks, which
 * report the server's page faults.)
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const fixture = fileURLToPath(new URL("./fixtures/prime-heap.ts", import.meta.url));
const run = promisify(execFile);

async function inChild(mode: string, env: Record<string, string> = {}): Promise<boolean[]> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", fixture, mode], {
    env: { ...process.env, BRAID_PRIME_HEAP: "", ...env },
    timeout: 30_000,
  });
  return JSON.parse(stdout) as boolean[];
}

const linux = process.platform === "linux";

describe("primeHeap", () => {
  it("primes once per process, on Linux", async () => {
    assert.deepEqual(await inChild("direct"), [linux, false]);
  });

  it("is left alone with BRAID_PRIME_HEAP=0", async () => {
    assert.deepEqual(await inChild("direct", { BRAID_PRIME_HEAP: "0" }), [false, false]);
  });

  it("has been done by the reactor once it listens", async () => {
    assert.deepEqual(await inChild("listen"), [false]);
  });
});
