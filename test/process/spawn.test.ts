/**
 * `spawnProcess`: argument conventions (argv[0], environment, working directory, uid), the
 * descriptor map, and how each kind of failure is reported (thrown before anything starts, or
 * delivered to `processEnded` when Node reports it later).
 */
import assert from "node:assert/strict";
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  ChildFDMapError,
  ExecutableNotFoundError,
  ProcessDone,
  ProcessSpawnError,
  ProcessTerminated,
  PTYNotSupportedError,
  WorkingDirectoryError,
} from "../../src/errors/process.js";
import type { ChildFDs } from "../../src/process/interfaces.js";
import { _setPTYLoader } from "../../src/process/pty.js";
import { childStdio } from "../../src/process/spawn.js";
import { killAll, node, Recorder, spawn, TrackingReactor, within } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "braid-spawn-"));
after(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

const PRINT_ENV = "process.stdout.write(JSON.stringify(process.env))";

describe("spawnProcess: arguments", () => {
  it("args[0] is the name the child sees (argv0); the arguments proper follow", async () => {
    const { proto } = node(
      "process.stdout.write(JSON.stringify([process.argv0, ...process.argv.slice(1)]))",
      ["a b", "c"],
    );
    // node() passes ["node", "-e", script, ...]: argv0 is "node"; rename it:
    await within(proto.ended);
    assert.deepEqual(JSON.parse(proto.text()), ["node", "a b", "c"]);

    const renamed = spawn(process.execPath, [
      "fancy-name",
      "-e",
      "process.stdout.write(process.argv0)",
    ]);
    await within(renamed.proto.ended);
    assert.equal(renamed.proto.text(), "fancy-name");
  });

  it("empty args: argv[0] is the executable", async () => {
    const { proto } = spawn("/bin/sh", [], {});
    const t = proto.transport!;
    t.write(Buffer.from('echo "$0"\n'));
    t.closeStdin();
    await within(proto.ended);
    assert.equal(proto.text(), "/bin/sh\n");
  });

  it("the environment is empty by default (Twisted on POSIX)", async () => {
    const { proto } = node(PRINT_ENV);
    await within(proto.ended);
    assert.deepEqual(JSON.parse(proto.text()), {});
  });

  it("env: null passes the parent's environment", async () => {
    process.env.BRAID_SPAWN_SENTINEL = "here";
    try {
      const { proto } = node(PRINT_ENV, [], { env: null });
      await within(proto.ended);
      assert.equal(JSON.parse(proto.text()).BRAID_SPAWN_SENTINEL, "here");
    } finally {
      delete process.env.BRAID_SPAWN_SENTINEL;
    }
  });

  it("an env object is the whole environment; undefined values are left out", async () => {
    const { proto } = node(PRINT_ENV, [], { env: { A: "1", B: "two words", C: undefined } });
    await within(proto.ended);
    assert.deepEqual(JSON.parse(proto.text()), { A: "1", B: "two words" });
  });

  it("path sets the working directory", async () => {
    const { proto } = node("process.stdout.write(process.cwd())", [], { path: dir });
    await within(proto.ended);
    assert.equal(proto.text(), dir);
  });

  it("a bare executable name is looked up on the child's PATH", async () => {
    const script = join(dir, "hello-braid");
    writeFileSync(script, "#!/bin/sh\necho found\n");
    chmodSync(script, 0o755);
    const { proto } = spawn("hello-braid", ["hello-braid"], {
      env: { PATH: `/nonexistent:${dir}` },
    });
    await within(proto.ended);
    assert.equal(proto.text(), "found\n");
    assert.throws(
      () => spawn("hello-braid", ["hello-braid"], { env: { PATH: "/usr/bin:/bin" } }),
      ExecutableNotFoundError,
    );
  });

  it("uid and gid run the child as another user (when running as root)", async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip("needs root");
      return;
    }
    const { proto } = spawn("/usr/bin/id", ["id", "-u"], { uid: 65534, gid: 65534 });
    await within(proto.ended);
    assert.equal(proto.text().trim(), "65534");
  });

  it("the process is tracked by the reactor until processEnded", async () => {
    const reactor = new TrackingReactor();
    const { proto } = spawn("/bin/true", ["true"], {}, new Recorder(), reactor);
    assert.equal(reactor.connections.size, 1);
    await within(proto.ended);
    assert.equal(reactor.connections.size, 0);
  });
});

describe("spawnProcess: failures thrown before anything starts", () => {
  const notConnected = (f: () => unknown, error: Function) => {
    const proto = new Recorder();
    const reactor = new TrackingReactor();
    assert.throws(
      () => spawn(...(f() as [string, string[], object]), proto, reactor),
      error as never,
    );
    assert.deepEqual(proto.events, []);
    assert.equal(reactor.connections.size, 0);
  };

  it("a missing executable: ExecutableNotFoundError", () => {
    notConnected(() => ["/nonexistent/program", ["x"], {}], ExecutableNotFoundError);
    notConnected(() => ["no-such-program-braid", ["x"], { env: null }], ExecutableNotFoundError);
    try {
      spawn("/nonexistent/program", []);
    } catch (e) {
      assert.ok(e instanceof ExecutableNotFoundError);
      assert.equal(e.executable, "/nonexistent/program");
    }
  });

  it("a file that is not executable, or a directory: ExecutableNotFoundError", () => {
    const plain = join(dir, "plain.txt");
    writeFileSync(plain, "not a program");
    notConnected(() => [plain, ["x"], {}], ExecutableNotFoundError);
    notConnected(() => [dir, ["x"], {}], ExecutableNotFoundError);
  });

  it("a relative executable is resolved against the child's working directory", async () => {
    const script = join(dir, "rel.sh");
    writeFileSync(script, "#!/bin/sh\necho relative\n");
    chmodSync(script, 0o755);
    const { proto } = spawn("./rel.sh", ["rel.sh"], { path: dir });
    await within(proto.ended);
    assert.equal(proto.text(), "relative\n");
  });

  it("a missing working directory, or a file: WorkingDirectoryError", () => {
    notConnected(
      () => ["/bin/true", ["true"], { path: "/nonexistent/dir" }],
      WorkingDirectoryError,
    );
    const file = join(dir, "file");
    writeFileSync(file, "");
    notConnected(() => ["/bin/true", ["true"], { path: file }], WorkingDirectoryError);
  });

  it("usePTY with a childFDs map, or without node-pty: ChildFDMapError, PTYNotSupportedError", () => {
    notConnected(
      () => ["/bin/true", ["true"], { usePTY: true, childFDs: { 0: "w", 1: "r" } }],
      ChildFDMapError,
    );
    _setPTYLoader(() => {
      throw new Error("Cannot find module 'node-pty'");
    });
    try {
      notConnected(() => ["/bin/true", ["true"], { usePTY: true }], PTYNotSupportedError);
    } finally {
      _setPTYLoader(null);
    }
  });

  it("bad argument types: TypeError", () => {
    notConnected(() => ["", [], {}], TypeError);
    notConnected(() => ["/bin/true", ["a", 1], {}], TypeError);
    notConnected(() => ["/bin/true", "true", {}], TypeError);
    notConnected(() => ["/bin/true", ["a\0b"], {}], TypeError);
    notConnected(() => ["/bin/true", [], { env: { A: 1 } }], TypeError);
  });

  it("what Node or the system refuses at once: ProcessSpawnError with the cause", () => {
    notConnected(() => ["/bin/true", ["true"], { uid: 2 ** 40 }], ProcessSpawnError);
    if (process.getuid?.() !== 0) {
      notConnected(() => ["/bin/true", ["true"], { uid: 0 }], ProcessSpawnError); // EPERM
    }
  });
});

describe("spawnProcess: failures Node reports later", () => {
  it("an interpreter that does not exist: processEnded with ProcessTerminated and the cause", async () => {
    const script = join(dir, "bad-interpreter");
    writeFileSync(script, "#!/nonexistent/interpreter\n");
    chmodSync(script, 0o755);
    const { proto, transport, reactor } = spawn(script, ["bad"]);
    assert.equal(transport.pid, null);
    const reason = await within(proto.ended);
    const e = reason.value as ProcessTerminated;
    assert.ok(e instanceof ProcessTerminated);
    assert.equal(e.exitCode, null);
    assert.equal(e.signal, null);
    assert.equal((e.cause as NodeJS.ErrnoException).code, "ENOENT");
    assert.deepEqual(proto.events.slice(0, 1), ["connectionMade"]);
    assert.deepEqual(proto.events.slice(1).sort(), [
      "lost0",
      "lost1",
      "lost2",
      "processEnded",
      "processExited",
    ]);
    assert.ok(proto.events.indexOf("processExited") < proto.events.indexOf("processEnded"));
    assert.equal(proto.events.at(-1), "processEnded");
    assert.equal(reactor.connections.size, 0);
  });
});

describe("spawnProcess: childFDs", () => {
  it("maps to Node's stdio: pipes, inherited descriptors, /dev/null for unlisted 0-2", () => {
    const { stdio, pipes } = childStdio({ 0: "w", 1: "r", 4: "r", 5: 2 });
    assert.deepEqual(stdio, ["pipe", "pipe", "ignore", "ignore", "pipe", 2]);
    assert.deepEqual(
      [...pipes],
      [
        [0, "w"],
        [1, "r"],
        [4, "r"],
      ],
    );
    assert.deepEqual(childStdio({}).stdio, ["ignore", "ignore", "ignore"]);
  });

  it("rejects a bad map with ChildFDMapError", () => {
    const bad: unknown[] = [
      { 0: "x" },
      { "-1": "r" },
      { 1.5: "r" },
      { a: "r" },
      { 3: -1 },
      { 3: 2.5 },
      { 3: null },
      { 0: "r" },
      { 5000: "r" },
      { 3: 9999 }, // a parent descriptor that is not open
      null,
      ["w", "r"],
    ];
    for (const map of bad) {
      assert.throws(() => childStdio(map as ChildFDs), ChildFDMapError, JSON.stringify(map));
    }
    const proto = new Recorder();
    assert.throws(
      () => spawn("/bin/true", ["true"], { childFDs: { 1: "rw" } as never }, proto),
      ChildFDMapError,
    );
    assert.deepEqual(proto.events, []);
  });

  it("a parent descriptor number is inherited by the child", async () => {
    const file = join(dir, "inherited.txt");
    const fd = openSync(file, "w");
    try {
      const { proto } = node('require("node:fs").writeSync(3, "via fd 3\\n")', [], {
        childFDs: { 0: "w", 1: "r", 2: "r", 3: fd },
      });
      await within(proto.ended);
      assert.ok(proto.endReason?.check(ProcessDone));
    } finally {
      closeSync(fd);
    }
    assert.equal(readFileSync(file, "utf8"), "via fd 3\n");
  });

  it("without a stdin pipe, write is dropped and a producer is stopped at once", async () => {
    const { proto, transport } = spawn("/bin/cat", ["cat"], { childFDs: { 1: "r", 2: "r" } });
    transport.write(Buffer.from("dropped"));
    transport.writeSequence([Buffer.from("dropped")]);
    assert.equal(transport.getWriteBufferSize(), 0);
    let stopped = 0;
    transport.registerProducer(
      { stopProducing: () => stopped++, pauseProducing() {}, resumeProducing() {} },
      true,
    );
    assert.equal(stopped, 1);
    await within(proto.ended); // cat reads /dev/null and exits
    assert.equal(proto.text(), "");
    assert.ok(proto.endReason?.check(ProcessDone));
  });
});
