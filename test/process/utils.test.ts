/**
 * `getProcessOutput`, `getProcessValue`, `getProcessOutputAndValue`: Twisted's positional
 * signatures, the options form, stderr handling, signals, and cancellation.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CancelledError } from "../../src/errors/errors.js";
import {
  ExecutableNotFoundError,
  ProcessSignalled,
  ProcessTerminated,
  UnexpectedErrorOutput,
} from "../../src/errors/process.js";
import {
  getProcessOutput,
  getProcessOutputAndValue,
  getProcessValue,
} from "../../src/process/utils.js";
import { sleep, TrackingReactor, within } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "braid-utils-"));
const pids: number[] = [];
after(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const text = (b: Uint8Array) => Buffer.from(b).toString();
const NODE = process.execPath;

describe("getProcessOutput", () => {
  it("fires with stdout; args do not include argv[0]", async () => {
    const out = await within(getProcessOutput("/bin/echo", ["hello", "world"]).asPromise());
    assert.equal(text(out), "hello world\n");
  });

  it("takes env, path and reactor positionally (env empty by default)", async () => {
    const reactor = new TrackingReactor();
    const script = "process.stdout.write(JSON.stringify([process.cwd(), process.env]))";
    const d = getProcessOutput(NODE, ["-e", script], { X: "1" }, dir, reactor);
    assert.equal(reactor.connections.size, 1);
    assert.deepEqual(JSON.parse(text(await within(d.asPromise()))), [dir, { X: "1" }]);
    const empty = await within(getProcessOutput(NODE, ["-e", script]).asPromise());
    assert.deepEqual(JSON.parse(text(empty))[1], {});
  });

  it("takes one options object", async () => {
    const out = await within(
      getProcessOutput({
        executable: NODE,
        args: ["-e", "process.stdout.write(process.env.Y)"],
        env: { Y: "why" },
      }).asPromise(),
    );
    assert.equal(text(out), "why");
  });

  it("stderr without errortoo fails with UnexpectedErrorOutput, whose processEnded fires later", async () => {
    const d = getProcessOutput("/bin/sh", ["-c", "echo out; echo oops >&2; sleep 0.1; exit 3"]);
    const e = await within(d.asPromise()).then(
      () => assert.fail("should fail"),
      (err: unknown) => err,
    );
    assert.ok(e instanceof UnexpectedErrorOutput);
    assert.ok(e instanceof Error);
    assert.match(e.message, /oops/);
    const ended = await within(Promise.resolve(e.processEnded));
    assert.ok(ended instanceof ProcessTerminated);
    assert.equal(ended.exitCode, 3);
  });

  it("errortoo mixes stderr into the result", async () => {
    const out = await within(
      getProcessOutput(
        "/bin/sh",
        ["-c", "echo out; echo err >&2"],
        {},
        null,
        null,
        true,
      ).asPromise(),
    );
    assert.deepEqual(text(out).split("\n").sort(), ["", "err", "out"]);
    const viaOptions = await within(
      getProcessOutput({
        executable: "/bin/sh",
        args: ["-c", "echo e >&2"],
        errortoo: true,
      }).asPromise(),
    );
    assert.equal(text(viaOptions), "e\n");
  });

  it("a missing executable throws synchronously", () => {
    assert.throws(() => getProcessOutput("/nonexistent/thing"), ExecutableNotFoundError);
  });

  it("cancelling kills the process", async () => {
    const pidFile = join(dir, "pid");
    const d = getProcessOutput(NODE, [
      "-e",
      `require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`,
    ]);
    let pid = 0;
    for (let i = 0; i < 100 && pid === 0; i++) {
      await sleep(20);
      try {
        pid = Number(readFileSync(pidFile, "utf8")) || 0;
      } catch {
        // not yet
      }
    }
    assert.ok(pid > 0);
    pids.push(pid);
    d.cancel();
    await assert.rejects(d.asPromise(), CancelledError);
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return; // gone
      }
      await sleep(20);
    }
    assert.fail("the process is still alive after cancel");
  });
});

describe("getProcessValue", () => {
  it("fires with the exit code", async () => {
    assert.equal(await within(getProcessValue("/bin/true").asPromise()), 0);
    assert.equal(await within(getProcessValue("/bin/sh", ["-c", "exit 3"]).asPromise()), 3);
    assert.equal(await within(getProcessValue({ executable: "/bin/false" }).asPromise()), 1);
  });

  it("null when the process was killed by a signal", async () => {
    assert.equal(await within(getProcessValue("/bin/sh", ["-c", "kill -9 $$"]).asPromise()), null);
  });
});

describe("getProcessOutputAndValue", () => {
  it("fires with [stdout, stderr, exitCode]", async () => {
    const [out, err, code] = await within(
      getProcessOutputAndValue("/bin/sh", ["-c", "echo a; echo b >&2; exit 1"]).asPromise(),
    );
    assert.equal(text(out), "a\n");
    assert.equal(text(err), "b\n");
    assert.equal(code, 1);
  });

  it("stdinBytes is written to stdin, which is then closed", async () => {
    const [out, , code] = await within(
      getProcessOutputAndValue("/bin/cat", [], {}, null, null, Buffer.from("piped in")).asPromise(),
    );
    assert.equal(text(out), "piped in");
    assert.equal(code, 0);
    const [viaOptions] = await within(
      getProcessOutputAndValue({
        executable: "/bin/cat",
        stdinBytes: Buffer.from("opts"),
      }).asPromise(),
    );
    assert.equal(text(viaOptions), "opts");
  });

  it("a signal fails with ProcessSignalled carrying the output so far", async () => {
    const e = await within(
      getProcessOutputAndValue("/bin/sh", [
        "-c",
        "echo partial; echo e >&2; kill -TERM $$",
      ]).asPromise(),
    ).then(
      () => assert.fail("should fail"),
      (err: unknown) => err,
    );
    assert.ok(e instanceof ProcessSignalled);
    assert.equal(e.signal, 15);
    assert.equal(text(e.out), "partial\n");
    assert.equal(text(e.err), "e\n");
  });
});
