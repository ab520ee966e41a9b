/**
 * `spawnProcess` with `usePTY` (`src/process/pty.ts`): the child runs on a real pseudo-terminal
 * made by node-pty; output arrives on descriptor 1, input is typed into the terminal (and echoed
 * by its line discipline), signals and exit codes propagate, the size and `TERM` are applied,
 * reading pauses, and without node-pty `usePTY` throws `PTYNotSupportedError`.
 */
import assert from "node:assert/strict";
import { spawn as spawnChild } from "node:child_process";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type * as NodePty from "node-pty";
import { InvalidStateError } from "../../src/errors/errors.js";
import {
  ChildFDMapError,
  ProcessDone,
  ProcessExitedAlready,
  ProcessSpawnError,
  ProcessTerminated,
  PTYNotSupportedError,
} from "../../src/errors/process.js";
import {
  _setPTYLoader,
  loadPTY,
  type PTYModule,
  PTYProcessTransport,
} from "../../src/process/pty.js";
import type { IPullProducer, IPushProducer } from "../../src/producers/interfaces.js";
import { killAll, Recorder, sleep, spawn, TrackingReactor, within } from "./helpers.js";

// node-pty's own typings fit the structural type Braid uses (checked by tsc).
const fits: (m: typeof NodePty) => PTYModule = (m) => m;
void fits;

after(() => {
  _setPTYLoader(null);
  killAll();
});

const ENV = { PATH: "/usr/bin:/bin" };
const sh = (script: string, options: object = {}, proto?: Recorder, reactor?: TrackingReactor) =>
  spawn("/bin/sh", ["sh", "-c", script], { env: ENV, usePTY: true, ...options }, proto, reactor);

/** Resolves once `proto`'s output (fd 1) matches `re`. */
function outputMatches(proto: Recorder, re: RegExp): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const check = () => {
        if (re.test(proto.text())) resolve();
      };
      proto.onData = check;
      check();
    }),
    5000,
    `output matching ${re}`,
  );
}

describe("usePTY: the child's terminal", () => {
  it("stdin, stdout and stderr are a terminal; its output arrives on fd 1", async () => {
    const { proto, transport } = sh(
      "tty; if [ -t 0 ] && [ -t 1 ] && [ -t 2 ]; then echo all-tty; fi; echo to-stderr >&2",
    );
    assert.ok(transport instanceof PTYProcessTransport);
    assert.equal(transport.child, null);
    assert.equal(typeof transport.pid, "number");
    const reason = await within(proto.ended);
    assert.ok(reason.value instanceof ProcessDone);
    assert.match(proto.text(), /^\/dev\/pts\/\d+\r\nall-tty\r\nto-stderr\r\n$/);
    assert.equal(proto.data.get(2), undefined);
    assert.deepEqual(proto.events, [
      "connectionMade",
      "data1",
      "lost1",
      "processExited",
      "processEnded",
    ]);
    assert.equal(transport.pid, null);
  });

  it("a Node child sees process.stdin.isTTY", async () => {
    const { proto } = spawn(
      process.execPath,
      ["node", "-e", "process.stdout.write(String(process.stdin.isTTY))"],
      { env: null, usePTY: true },
    );
    await within(proto.ended);
    assert.equal(proto.text(), "true");
  });

  it("applies cols, rows and name, and resize()", async () => {
    const { proto, transport } = sh('stty size; echo "TERM=$TERM"; read x; stty size', {
      usePTY: { cols: 100, rows: 30, name: "vt100" },
    });
    await outputMatches(proto, /TERM=vt100\r\n/);
    assert.match(proto.text(), /^30 100\r\nTERM=vt100\r\n/);
    const t = transport as PTYProcessTransport;
    assert.throws(() => t.resize(0, 10), RangeError);
    t.resize(120, 40);
    t.write(Buffer.from("\n"));
    await within(proto.ended);
    assert.match(proto.text(), /40 120\r\n$/);
  });

  it("the environment is the one given, plus TERM (xterm by default) and PWD", async () => {
    const { proto } = sh('echo "$TERM $PWD $HOME."', { path: "/tmp" });
    await within(proto.ended);
    assert.equal(proto.text(), "xterm /tmp .\r\n");
  });

  it("uid and gid run the child as another user (when running as root)", async (t) => {
    if (process.getuid?.() !== 0) {
      assert.throws(() => sh("id -u", { uid: 0 }), ProcessSpawnError);
      t.skip("needs root");
      return;
    }
    const { proto } = spawn("/usr/bin/id", ["id", "-u"], {
      usePTY: true,
      uid: 65534,
      gid: 65534,
    });
    await within(proto.ended);
    assert.equal(proto.text(), "65534\r\n");
  });
});

describe("usePTY: writing", () => {
  it("write types into the terminal, which echoes it; Ctrl-D is end-of-file", async () => {
    const { proto, transport } = sh('cat; echo "cat: $?"');
    transport.write(Buffer.from("hello\n"));
    await outputMatches(proto, /^hello\r\nhello\r\n/);
    transport.closeStdin(); // a no-op, as in Twisted
    transport.closeStdout();
    transport.closeChildFD(2);
    transport.writeToChild(0, Buffer.from("again\n"));
    await outputMatches(proto, /again\r\nagain\r\n$/);
    assert.throws(() => transport.writeToChild(1, Buffer.from("x")), ChildFDMapError);
    assert.throws(() => transport.writeToChild(3, Buffer.from("x")), ChildFDMapError);
    transport.writeSequence([Buffer.from("\x04")]);
    const reason = await within(proto.ended);
    assert.ok(reason.value instanceof ProcessDone);
    assert.match(proto.text(), /cat: 0\r\n$/);
    transport.write(Buffer.from("dropped")); // after the end: dropped, no error
    assert.equal(transport.getWriteBufferSize(), 0);
  });

  it("coalesces one turn's writes; a pull producer is asked for more after each", async () => {
    const { proto, transport } = sh('cat; echo "cat: $?"');
    let n = 0;
    const producer: IPullProducer = {
      resumeProducing() {
        if (n === 5) {
          transport.unregisterProducer();
          transport.write(Buffer.from("\x04"));
          return;
        }
        transport.write(Buffer.from(`line ${n++}`));
        transport.write(Buffer.from("\n"));
        assert.ok(transport.getWriteBufferSize() > 0);
      },
      stopProducing() {},
    };
    transport.registerProducer(producer, false);
    assert.throws(() => transport.registerProducer(producer, false), InvalidStateError);
    await within(proto.ended);
    for (let i = 0; i < 5; i++) assert.match(proto.text(), new RegExp(`line ${i}\\r\\n`));
    assert.match(proto.text(), /cat: 0\r\n$/);
  });

  it("pauses a push producer above the high-water mark until the turn's writes are handed on", async () => {
    const { proto, transport } = sh("cat >/dev/null");
    const calls: string[] = [];
    const producer: IPushProducer = {
      pauseProducing: () => calls.push("pause"),
      resumeProducing: () => calls.push("resume"),
      stopProducing: () => calls.push("stop"),
    };
    transport.setWriteBufferLimits(8, 0);
    assert.throws(() => transport.setWriteBufferLimits(1, 2), RangeError);
    transport.registerProducer(producer, true);
    transport.write(Buffer.from("0123456789\n"));
    assert.deepEqual(calls, ["pause"]);
    await sleep(20);
    assert.deepEqual(calls, ["pause", "resume"]);
    assert.equal(transport.getWriteBufferSize(), 0);
    transport.signalProcess("KILL");
    await within(proto.ended);
    assert.deepEqual(calls, ["pause", "resume", "stop"]);
  });
});

describe("usePTY: reading", () => {
  it("pauseProducing stops outReceived until resumeProducing", async () => {
    const { proto, transport } = spawn(
      process.execPath,
      [
        "node",
        "-e",
        "let i = 0; setInterval(() => process.stdout.write('tick ' + i++ + '\\n'), 10)",
      ],
      { env: null, usePTY: true },
    );
    await outputMatches(proto, /tick 2\r\n/);
    transport.pauseProducing();
    const before = proto.bytes();
    await sleep(150);
    assert.equal(proto.bytes(), before);
    transport.resumeProducing();
    await outputMatches(
      proto,
      new RegExp(`tick ${Number(/tick (\d+)\r\n$/.exec(proto.text())?.[1]) + 5}`),
    );
    transport.signalProcess("KILL");
    await within(proto.ended);
  });
});

describe("usePTY: ending", () => {
  it("the exit code propagates", async () => {
    const { proto } = sh("exit 7");
    const reason = await within(proto.ended);
    assert.ok(reason.value instanceof ProcessTerminated);
    assert.equal(reason.value.exitCode, 7);
    assert.equal(reason.value.signal, null);
  });

  it('signalProcess("TERM"): ProcessTerminated with the signal; then ProcessExitedAlready', async () => {
    const reactor = new TrackingReactor();
    const { proto, transport } = spawn(
      "sleep",
      ["sleep", "30"],
      { env: ENV, usePTY: true },
      new Recorder(),
      reactor,
    );
    assert.equal(reactor.connections.size, 1);
    transport.signalProcess("TERM");
    const reason = await within(proto.ended);
    assert.ok(reason.value instanceof ProcessTerminated);
    assert.equal(reason.value.signal, 15);
    assert.equal(reason.value.signalName, "SIGTERM");
    assert.equal(reason.value.exitCode, null);
    assert.equal(reactor.connections.size, 0);
    assert.throws(() => transport.signalProcess("TERM"), ProcessExitedAlready);
  });

  it("loseConnection and the reactor's shutdown hang the child up (SIGHUP)", async () => {
    const { proto, transport } = sh("sleep 30");
    transport.loseConnection();
    const reason = await within(proto.ended);
    assert.equal((reason.value as ProcessTerminated).signalName, "SIGHUP");

    const reactor = new TrackingReactor();
    const second = sh("sleep 30", {}, new Recorder(), reactor);
    for (const c of reactor.connections) c.loseConnection();
    const r2 = await within(second.proto.ended);
    assert.equal((r2.value as ProcessTerminated).signalName, "SIGHUP");
  });

  it("abortConnection closes the terminal at once; processEnded follows the exit", async () => {
    const { proto, transport } = sh("sleep 30");
    transport.abortConnection();
    assert.deepEqual(proto.events, ["connectionMade", "lost1"]);
    const reason = await within(proto.ended);
    assert.ok(reason.value instanceof ProcessTerminated);
    assert.deepEqual(proto.events.slice(-2), ["processExited", "processEnded"]);
  });
});

describe("usePTY: refused before anything starts", () => {
  const refused = (options: object, error: Function) => {
    const proto = new Recorder();
    const reactor = new TrackingReactor();
    assert.throws(
      () => spawn("/bin/true", ["true"], { usePTY: true, ...options }, proto, reactor),
      error as never,
    );
    assert.deepEqual(proto.events, []);
    assert.equal(reactor.connections.size, 0);
  };

  it("childFDs other than the default map: ChildFDMapError (as in Twisted)", async () => {
    refused({ childFDs: { 0: "w", 1: "r", 2: "r", 3: "r" } }, ChildFDMapError);
    refused({ childFDs: { 0: 0, 1: 1, 2: 2 } }, ChildFDMapError);
    const { proto } = sh("echo ok", { childFDs: { 0: "w", 1: "r", 2: "r" } });
    await within(proto.ended);
    assert.equal(proto.text(), "ok\r\n");
  });

  it("bad terminal options: RangeError / TypeError", () => {
    refused({ usePTY: { cols: 0 } }, RangeError);
    refused({ usePTY: { rows: 1.5 } }, RangeError);
    refused({ usePTY: { name: "" } }, TypeError);
    refused({ usePTY: "yes" }, TypeError);
  });

  it("without node-pty: PTYNotSupportedError naming the module, remembered", () => {
    let calls = 0;
    _setPTYLoader(() => {
      calls++;
      throw new Error("Cannot find module 'node-pty'");
    });
    try {
      refused({}, PTYNotSupportedError);
      refused({ usePTY: { cols: 90 } }, PTYNotSupportedError);
      assert.equal(calls, 1);
      try {
        loadPTY();
        assert.fail("loadPTY did not throw");
      } catch (e) {
        assert.ok(e instanceof PTYNotSupportedError);
        assert.equal(e.code, "ERR_PTY_NOT_SUPPORTED");
        assert.match(e.message, /optional dependency "node-pty".*Cannot find module 'node-pty'/);
        assert.ok(e.cause instanceof Error);
      }
    } finally {
      _setPTYLoader(null);
    }
    assert.equal(typeof loadPTY().spawn, "function");
  });
});

describe("examples/process-pty.ts", () => {
  it("runs the check with pipes, then on a terminal", async () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
    const child = spawnChild(
      process.execPath,
      ["--import", "tsx", join(root, "examples/process-pty.ts")],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    try {
      const code = await within(
        new Promise<number | null>((resolve) => child.on("close", resolve)),
        10_000,
        "the example",
      );
      assert.equal(code, 0, out);
    } finally {
      child.kill("SIGKILL");
    }
    assert.match(out, /\[pipes\] stdin is not a terminal/);
    assert.match(out, /\[pty\] stdin is a terminal: \/dev\/pts\/\d+/);
    assert.match(out, /\[pty\] 30 100/);
    assert.match(out, /reactor stopped/);
  });
});
