/**
 * The random-integers example as a process: a raw client asks for 1,000,000 integers and reads
 * them slowly (a long pause first, then short pauses); the server must pause its producer, keep
 * its memory bounded (VmRSS from /proc), deliver every line, and exit 0 on SIGTERM.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const COUNT = 1_000_000;
const MiB = 1024 * 1024;
let child: ChildProcess | null = null;

after(() => {
  child?.kill("SIGKILL");
});

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s*(\d+)\s*kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `p`, or a rejection after `ms` (the timer is cleared either way). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe("examples/random-integers.ts", () => {
  it("streams 1,000,000 integers to a slow reader in bounded memory, then exits 0 on SIGTERM", async (t) => {
    const proc = spawn(
      process.execPath,
      ["--import", "tsx", join(root, "examples/random-integers.ts"), "tcp:0:interface=127.0.0.1"],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    let out = "";
    proc.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
    });
    proc.stderr!.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      proc.on("exit", (code) => resolve(code)),
    );
    const start = Date.now();
    while (!/listening on 127\.0\.0\.1:(\d+)/.test(out)) {
      if (Date.now() - start > 15_000 || proc.exitCode !== null) {
        throw new Error(`the example did not start: ${out}`);
      }
      await sleep(20);
    }
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)![1]);
    const rss0 = rssKiB(proc.pid!);
    let rssMax = rss0;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, rssKiB(proc.pid!));
    }, 50);

    try {
      const socket = net.connect(port, "127.0.0.1");
      await once(socket, "connect");
      const chunks: Buffer[] = [];
      let bytes = 0;
      let sinceRest = 0;
      let resting = false;
      const ended = new Promise<void>((resolve, reject) => {
        socket.on("end", resolve);
        socket.on("error", reject);
      });
      socket.on("data", (c: Buffer) => {
        chunks.push(c);
        bytes += c.length;
        sinceRest += c.length;
        // A slow reader: a 50 ms rest after every 512 KiB.
        if (sinceRest >= 512 * 1024 && !resting) {
          sinceRest = 0;
          resting = true;
          socket.pause();
          setTimeout(() => {
            resting = false;
            socket.resume();
          }, 50);
        }
      });
      socket.write(`${COUNT}\r\n`);
      socket.pause(); // a long stop first: the server's buffers fill and its producer pauses
      await sleep(1500);
      socket.resume();
      await within(ended, 15_000, "the end of the stream");
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const greeting = "How many random integers do you want?\r\n";
      assert.ok(text.startsWith(greeting), "the greeting comes first");
      const body = text.slice(greeting.length);
      const lines = body.split("\r\n");
      assert.equal(lines.pop(), "", "the last line is complete");
      assert.equal(lines.length, COUNT);
      assert.ok(
        lines.every((l) => /^\d{1,5}$/.test(l) && Number(l) <= 10000),
        "every line is an integer in [0, 10000]",
      );
      const growth = (rssMax - rss0) / 1024;
      t.diagnostic(
        `${(bytes / MiB).toFixed(1)} MiB in ${((Date.now() - start) / 1000).toFixed(1)} s; ` +
          `server VmRSS ${(rss0 / 1024).toFixed(1)} MiB idle, peak growth ${growth.toFixed(1)} MiB; ` +
          `${(out.match(/pausing connection/g) ?? []).length} pauses`,
      );
      assert.match(out, /pausing connection from 127\.0\.0\.1:\d+/);
      assert.ok(growth < 64, `server VmRSS grew ${growth} MiB`);
    } finally {
      clearInterval(sampler);
    }
    proc.kill("SIGTERM");
    const code = await within(exited, 10_000, "exit after SIGTERM");
    assert.equal(code, 0, out.slice(-2000));
    child = null;
  });
});
