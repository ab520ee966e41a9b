/**
 * Smoke tests for the process examples: each runs as its own process under tsx, drives its
 * child to the end, stops its reactor and exits with code 0.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const children = new Set<ChildProcess>();

after(() => {
  for (const c of children) c.kill("SIGKILL");
});

/** Runs an example to its end; resolves with its exit code and output. */
function run(script: string, args: string[] = []): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, script), ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not finish: ${out}`));
    }, 15_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, out });
    });
  });
}

describe("process examples", () => {
  it("process-wc: wc counts the verses written to its stdin", async () => {
    const { code, out } = await run("examples/process-wc.ts", ["5"]);
    assert.equal(code, 0, out);
    assert.match(out, /wc saw 20 lines, 120 words, 695 bytes/);
    const order = [
      "connectionMade",
      "inConnectionLost",
      "outConnectionLost",
      "processEnded",
      "reactor stopped",
    ];
    const at = order.map((e) => out.indexOf(e));
    assert.ok(
      at.every((i, k) => i >= 0 && (k === 0 || i > (at[k - 1] as number))),
      out,
    );
    assert.ok(out.indexOf("processExited") < out.indexOf("processEnded"), out);
  });

  it("process-fds: passphrase on fd 3, status on fd 4", async () => {
    const good = await run("examples/process-fds.ts");
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /status \(fd 4\): \[GNUPG:\] GOOD_PASSPHRASE/);
    assert.match(good.out, /ATTACK AT DAWN/);
    assert.match(good.out, /signer ended: exit code 0/);
    const bad = await run("examples/process-fds.ts", ["wrong"]);
    assert.equal(bad.code, 0, bad.out);
    assert.match(bad.out, /BAD_PASSPHRASE/);
    assert.doesNotMatch(bad.out, /ATTACK AT DAWN/);
    assert.match(bad.out, /signer ended: exit code 2/);
  });
});
