/**
 * `ProcessTransport` with real children: event order, signals, extra descriptors, closing
 * pipes, flow control both ways, and reactor shutdown.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  ChildFDMapError,
  ProcessDone,
  ProcessExitedAlready,
  ProcessTerminated,
} from "../../src/errors/process.js";
import { collectEvents } from "../../src/logger/capture.js";
import { ProcessAddress } from "../../src/process/interfaces.js";
import { signalNumber } from "../../src/process/transport.js";
import { Reactor } from "../../src/reactor/reactor.js";
import { killAll, node, Recorder, sleep, spawn, within } from "./helpers.js";

after(killAll);

const MiB = 1024 * 1024;
/** A child that writes `n` bytes to stdout and exits. */
const writeBytes = (n: number) =>
  `const b = Buffer.alloc(${n}, 120); process.stdout.write(b, () => process.exit(0));`;
/** A child that stays alive (until killed) and ignores stdin. */
const IDLE = "setInterval(() => {}, 1000)";

describe("ProcessTransport: events", () => {
  it("cat: stdin in, stdout back, then the pipes close and the process ends in Twisted's order", async () => {
    const { proto, transport } = spawn("/bin/cat", ["cat"]);
    assert.equal(typeof transport.pid, "number");
    transport.write(Buffer.from("hello "));
    transport.writeSequence([Buffer.from("process"), Buffer.from("\n")]);
    transport.closeStdin();
    const reason = await within(proto.ended);
    assert.ok(reason.value instanceof ProcessDone);
    assert.equal(proto.text(), "hello process\n");
    assert.equal(proto.events[0], "connectionMade");
    assert.equal(proto.events.at(-1), "processEnded");
    for (const e of ["lost0", "lost1", "lost2", "processExited", "data1"]) {
      assert.ok(proto.events.includes(e), e);
    }
    assert.ok(proto.events.indexOf("processExited") < proto.events.indexOf("processEnded"));
    assert.equal(transport.pid, null);
    assert.equal(transport.ended, true);
  });

  it("processEnded waits for all the output, even when the exit is seen first", async () => {
    const { proto } = node(writeBytes(4 * MiB));
    await within(proto.ended, 10_000);
    assert.equal(proto.bytes(1), 4 * MiB);
    assert.ok(proto.endReason?.check(ProcessDone));
  });

  it("a non-zero exit code: ProcessTerminated with exitCode", async () => {
    const { proto } = spawn("/bin/sh", ["sh", "-c", "echo out; echo err >&2; exit 7"]);
    const reason = await within(proto.ended);
    const e = reason.value as ProcessTerminated;
    assert.ok(e instanceof ProcessTerminated);
    assert.equal(e.exitCode, 7);
    assert.equal(e.signal, null);
    assert.equal(proto.text(1), "out\n");
    assert.equal(proto.text(2), "err\n");
    assert.ok((proto.exitReason!.value as ProcessTerminated).exitCode === 7);
  });

  it("processEnded waits for a pipe a grandchild still holds; processExited does not", async () => {
    const { proto } = spawn("/bin/sh", ["sh", "-c", "(sleep 0.4; echo late) & exit 0"]);
    await within(proto.exited);
    assert.ok(!proto.events.includes("processEnded"));
    await within(proto.ended);
    assert.equal(proto.text(), "late\n");
  });

  it("getPeer and getHost are ProcessAddress", async () => {
    const { proto, transport } = spawn("/bin/true", ["true"]);
    assert.ok(transport.getPeer() instanceof ProcessAddress);
    assert.ok(transport.getHost().equals(new ProcessAddress()));
    assert.equal(String(transport.getPeer()), "process");
    await within(proto.ended);
  });

  it("an exception in the protocol is logged and closes that descriptor", async () => {
    const proto = new Recorder();
    proto.onData = () => {
      throw new Error("boom");
    };
    const collector = collectEvents();
    try {
      spawn("/bin/sh", ["sh", "-c", "echo x; sleep 0.2; echo y"], {}, proto);
      await within(proto.ended);
    } finally {
      collector.stop();
    }
    assert.ok(
      collector.events.some((e) => e.namespace === "braid.process" && e.failure !== undefined),
    );
    assert.equal(proto.text(), "x\n");
    assert.ok(proto.events.includes("lost1"));
  });
});

describe("ProcessTransport: signals", () => {
  it("TERM, KILL, INT and numbers end the process with ProcessTerminated(signal)", async () => {
    for (const [sig, n, name] of [
      ["TERM", 15, "SIGTERM"],
      ["KILL", 9, "SIGKILL"],
      ["INT", 2, "SIGINT"],
      [1, 1, "SIGHUP"],
    ] as const) {
      const { proto, transport } = spawn("/bin/sleep", ["sleep", "30"]);
      transport.signalProcess(sig);
      const e = (await within(proto.ended)).value as ProcessTerminated;
      assert.ok(e instanceof ProcessTerminated);
      assert.equal(e.signal, n);
      assert.equal(e.signalName, name);
      assert.equal(e.exitCode, null);
    }
  });

  it("after the exit: ProcessExitedAlready", async () => {
    const { proto, transport } = spawn("/bin/true", ["true"]);
    await within(proto.exited);
    assert.throws(() => transport.signalProcess("TERM"), ProcessExitedAlready);
    assert.throws(() => transport.signalProcess(0), ProcessExitedAlready);
  });

  it("unknown signal names and bad numbers: RangeError", () => {
    assert.equal(signalNumber("HUP"), 1);
    assert.equal(signalNumber("SIGKILL"), 9);
    assert.equal(signalNumber(0), 0);
    assert.throws(() => signalNumber("NOPE"), RangeError);
    assert.throws(() => signalNumber(-1), RangeError);
    assert.throws(() => signalNumber(1.5), RangeError);
  });
});

describe("ProcessTransport: descriptors", () => {
  const FD_SCRIPT = `
    const fs = require("node:fs");
    const secret = fs.readFileSync(3, "utf8");
    fs.writeSync(4, "got " + secret.length + " bytes: " + secret);
    fs.closeSync(4);
    process.stdout.write("done");
  `;

  it("writeToChild feeds a 'w' descriptor; a 'r' descriptor comes back in childDataReceived", async () => {
    const proto = new Recorder();
    proto.onConnect = (t) => {
      t.writeToChild(3, Buffer.from("sesame"));
      t.closeChildFD(3);
    };
    const { transport } = node(
      FD_SCRIPT,
      [],
      { childFDs: { 0: "w", 1: "r", 2: "r", 3: "w", 4: "r" } },
      proto,
    );
    await within(proto.ended);
    assert.equal(proto.text(4), "got 6 bytes: sesame");
    assert.equal(proto.text(1), "done");
    for (const fd of [0, 1, 2, 3, 4]) assert.ok(proto.events.includes(`lost${fd}`), `lost${fd}`);
    transport.writeToChild(3, Buffer.from("late")); // a closed "w" pipe: dropped
  });

  it("writeToChild on a descriptor that is not a 'w' pipe: ChildFDMapError", async () => {
    const { proto, transport } = spawn("/bin/cat", ["cat"]);
    assert.throws(() => transport.writeToChild(1, Buffer.from("x")), ChildFDMapError);
    assert.throws(() => transport.writeToChild(7, Buffer.from("x")), ChildFDMapError);
    transport.writeToChild(0, Buffer.from("via 0"));
    transport.closeStdin();
    await within(proto.ended);
    assert.equal(proto.text(), "via 0");
  });

  it("closeStdout: a child writing forever fails (EPIPE/ECONNRESET: Node's pipes are socket pairs)", async () => {
    const { proto, transport } = spawn("/usr/bin/yes", ["yes"]);
    await new Promise<void>((resolve) => {
      proto.onData = () => resolve();
    });
    proto.onData = null;
    transport.closeStdout();
    const e = (await within(proto.ended)).value as ProcessTerminated;
    assert.ok(e instanceof ProcessTerminated);
    assert.ok(e.signalName === "SIGPIPE" || e.exitCode !== 0, String(e));
    assert.ok(proto.events.includes("lost1"));
    transport.closeStdout(); // no-op once closed
  });

  it("loseConnection closes stdin, stdout and stderr; the other pipes stay open", async () => {
    const { proto, transport } = node(
      'process.stdin.on("end", () => { require("node:fs").writeSync(3, "bye"); process.exit(0); }); process.stdin.resume();',
      [],
      { childFDs: { 0: "w", 1: "r", 2: "r", 3: "r" } },
    );
    transport.loseConnection();
    await within(proto.ended);
    assert.equal(proto.text(3), "bye");
    const lost = proto.events.filter((e) => e.startsWith("lost"));
    assert.deepEqual(lost.slice(0, 3).sort(), ["lost0", "lost1", "lost2"]);
  });

  it("abortConnection drops what is queued and closes every pipe", async () => {
    const { proto, transport } = spawn("/bin/cat", ["cat"]);
    transport.write(Buffer.alloc(1000));
    transport.abortConnection();
    assert.equal(transport.getWriteBufferSize(), 0);
    await within(proto.ended);
    assert.equal(proto.bytes(1), 0);
  });
});

describe("ProcessTransport: flow control", () => {
  it("pauseProducing stops reading (the child blocks); resumeProducing delivers the rest", async () => {
    const total = 8 * MiB;
    const proto = new Recorder();
    let transportRef: { pauseProducing(): void } | null = null;
    proto.onData = () => {
      if (proto.bytes(1) >= 64 * 1024 && transportRef !== null) {
        transportRef.pauseProducing();
        transportRef = null;
      }
    };
    const { transport } = node(writeBytes(total), [], {}, proto);
    transportRef = transport;
    await sleep(400);
    const seen = proto.bytes(1);
    assert.ok(seen < total, `read ${seen} of ${total} while paused`);
    assert.ok(!proto.events.includes("processExited"), "the child is blocked on a full pipe");
    await sleep(100);
    assert.equal(proto.bytes(1), seen, "nothing delivered while paused");
    transport.resumeProducing();
    await within(proto.ended, 10_000);
    assert.equal(proto.bytes(1), total);
  });

  it("a pause holds across the child's exit (Node resumes its pipes at exit)", async () => {
    const proto = new Recorder();
    proto.onConnect = (t) => t.pauseProducing();
    const run = node('process.stdout.write("tail end")', [], {}, proto);
    await within(proto.exited);
    await sleep(150);
    assert.equal(proto.bytes(1), 0, "no data while paused");
    assert.ok(!proto.events.includes("processEnded"));
    run.transport.resumeProducing();
    await within(proto.ended);
    assert.equal(proto.text(), "tail end");
  });

  it("a push producer writing to stdin is paused above the high-water mark and resumed below", async () => {
    const calls: string[] = [];
    let written = 0;
    let paused = false;
    const { proto, transport } = node(
      'process.stdin.pause(); setTimeout(() => process.stdin.on("data", () => {}).on("end", () => process.exit(0)).resume(), 300);',
    );
    transport.setWriteBufferLimits(64 * 1024, 16 * 1024);
    const chunk = Buffer.alloc(16 * 1024, 97);
    const producer = {
      pauseProducing() {
        calls.push("pause");
        paused = true;
      },
      resumeProducing() {
        calls.push("resume");
        paused = false;
        if (written >= 4 * MiB) {
          transport.unregisterProducer();
          transport.closeStdin();
          return;
        }
        pump();
      },
      stopProducing() {
        calls.push("stop");
      },
    };
    const pump = () => {
      while (!paused && written < 4 * MiB) {
        transport.write(chunk);
        written += chunk.length;
      }
      if (written >= 4 * MiB && !paused) {
        transport.unregisterProducer();
        transport.closeStdin();
      }
    };
    transport.registerProducer(producer, true);
    pump();
    assert.equal(calls[0], "pause");
    assert.ok(transport.getWriteBufferSize() > 64 * 1024);
    assert.ok(written < 4 * MiB);
    await within(proto.ended, 10_000);
    assert.equal(proto.text(2), "");
    assert.deepEqual(calls.slice(0, 2), ["pause", "resume"]);
    assert.ok(!calls.includes("stop"));
    assert.equal(written, 4 * MiB);
    assert.throws(() => transport.setWriteBufferLimits(10, 20), RangeError);
  });

  it("a pull producer is asked for each chunk as stdin drains", async () => {
    let produced = 0;
    const { proto, transport } = spawn("/bin/cat", ["cat"]);
    transport.registerProducer(
      {
        resumeProducing() {
          if (produced === 50) {
            transport.unregisterProducer();
            transport.closeStdin();
            return;
          }
          produced++;
          transport.write(Buffer.alloc(10_000, 98));
        },
        stopProducing() {},
      },
      false,
    );
    assert.throws(() =>
      transport.registerProducer({ stopProducing() {}, resumeProducing() {} }, false),
    );
    await within(proto.ended);
    assert.equal(produced, 50);
    assert.equal(proto.bytes(1), 500_000);
  });

  it("loseConnection waits for the producer to unregister before closing stdin", async () => {
    const { proto, transport } = spawn("/bin/cat", ["cat"]);
    let stopped = false;
    transport.registerProducer(
      { pauseProducing() {}, resumeProducing() {}, stopProducing: () => (stopped = true) },
      true,
    );
    transport.closeStdin();
    transport.write(Buffer.from("dropped: stdin is closing"));
    await sleep(100);
    assert.ok(!proto.events.includes("lost0"));
    transport.unregisterProducer();
    await within(proto.ended);
    assert.ok(!stopped);
    assert.equal(proto.text(), "");
  });

  it("stopProducing closes the stdio pipes", async () => {
    const { proto, transport } = spawn("/bin/cat", ["cat"]);
    transport.stopProducing();
    await within(proto.ended);
    assert.ok(proto.endReason?.check(ProcessDone));
  });
});

describe("ProcessTransport: reactor shutdown", () => {
  it("reactor.stop() closes stdin, then kills what is left after the grace", async () => {
    const reactor = new Reactor();
    reactor.installSignalHandlers = false;
    reactor.shutdownGrace = 0.3;
    const stopped = reactor.run();
    const cat = spawn("/bin/cat", ["cat"], {}, new Recorder(), reactor as never);
    const stubborn = spawn(
      process.execPath,
      ["node", "-e", IDLE],
      {},
      new Recorder(),
      reactor as never,
    );
    await sleep(50);
    const t0 = Date.now();
    reactor.stop();
    await within(stopped.asPromise(), 5000, "reactor shutdown");
    await within(Promise.all([cat.proto.ended, stubborn.proto.ended]));
    assert.ok(cat.proto.endReason?.check(ProcessDone), "cat exits when stdin closes");
    assert.equal((stubborn.proto.endReason!.value as ProcessTerminated).signalName, "SIGKILL");
    assert.ok(Date.now() - t0 >= 250, "the stubborn child got the grace");
  });
});
