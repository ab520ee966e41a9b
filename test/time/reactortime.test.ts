import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ReactorTime } from "../../src/time/reactortime.js";

function sleep(ms: number): Promise<void> {
  // Waiting for the real timers under test; the event loop must keep turning meanwhile.
  return new Promise((resolve) => {
    const time = new ReactorTime();
    time.callLater(ms / 1000, resolve);
  });
}

describe("ReactorTime", () => {
  it("seconds() is wall-clock based and monotonic", () => {
    const time = new ReactorTime();
    const a = time.seconds();
    assert.ok(Math.abs(a - Date.now() / 1000) < 1);
    const b = time.seconds();
    assert.ok(b >= a);
  });

  it("runs a handful of calls with small delays in order, not early", async () => {
    const time = new ReactorTime();
    const seen: string[] = [];
    const late: number[] = [];
    const done = new Promise<void>((resolve) => {
      const at = (name: string, delay: number, last = false) => {
        const due = time.seconds() + delay;
        time.callLater(delay, () => {
          seen.push(name);
          late.push(time.seconds() - due);
          if (last) resolve();
        });
      };
      at("c", 0.03);
      at("a", 0.01);
      at("b", 0.02);
      at("b2", 0.02);
      at("zero", 0);
      at("d", 0.04, true);
    });
    await done;
    assert.deepEqual(seen, ["zero", "a", "b", "b2", "c", "d"]);
    for (const l of late) assert.ok(l >= -1e-9, `ran ${-l}s early`);
    assert.equal(time._armedTimers, 0);
  });

  it("a call rescheduling itself with delay 0 lets other timers run", async () => {
    const time = new ReactorTime();
    let spins = 0;
    let stop = false;
    const spin = () => {
      spins++;
      if (!stop) time.callLater(0, spin);
    };
    time.callLater(0, spin);
    await sleep(20);
    stop = true;
    assert.ok(spins > 1);
  });

  it("cancelling a call before it runs disarms the timer", async () => {
    const time = new ReactorTime();
    let ran = false;
    const call = time.callLater(0.005, () => {
      ran = true;
    });
    assert.equal(time._armedTimers, 1);
    call.cancel();
    assert.equal(time._armedTimers, 0);
    await sleep(15);
    assert.equal(ran, false);
  });

  it("moving the earliest call earlier re-arms the timer", async () => {
    const time = new ReactorTime();
    const start = time.seconds();
    let ranAt = 0;
    const done = new Promise<void>((resolve) => {
      const call = time.callLater(10, () => {
        ranAt = time.seconds();
        resolve();
      });
      call.reset(0.01);
    });
    await done;
    assert.ok(ranAt - start < 1);
  });

  it("10,000 pending calls use one Node timer and leave nothing behind when cancelled", () => {
    const time = new ReactorTime();
    const calls = [];
    for (let i = 0; i < 10_000; i++) {
      // Decreasing delays make every call the new earliest.
      calls.push(time.callLater(100 - i / 1000, () => {}));
      assert.ok(time._armedTimers <= 1);
    }
    assert.equal(time.getDelayedCalls().length, 10_000);
    for (const c of calls) c.cancel();
    assert.equal(time.getDelayedCalls().length, 0);
    assert.equal(time._armedTimers, 0);
  });

  it("logs an exception thrown by a call and runs the others", async () => {
    const { collectEvents } = await import("../../src/logger/index.js");
    const time = new ReactorTime();
    const seen: number[] = [];
    const collector = collectEvents();
    try {
      await new Promise<void>((resolve) => {
        time.callLater(0.001, () => seen.push(1));
        time.callLater(0.001, () => {
          throw new Error("boom");
        });
        time.callLater(0.001, () => {
          seen.push(3);
          resolve();
        });
      });
    } finally {
      collector.stop();
    }
    assert.deepEqual(seen, [1, 3]);
    assert.ok(
      collector.events.some((e) => e.namespace === "braid.time" && e.failure !== undefined),
    );
  });

  it("ref() / unref() / hasRef() track whether pending calls hold the process", () => {
    const time = new ReactorTime();
    assert.equal(time.hasRef(), true);
    const call = time.callLater(10, () => {});
    time.unref();
    assert.equal(time.hasRef(), false);
    time.ref();
    assert.equal(time.hasRef(), true);
    call.cancel();
  });

  it("an unref'd ReactorTime lets the process exit; a ref'd one keeps it alive", async () => {
    const url = new URL("../../src/time/reactortime.ts", import.meta.url).href;
    const cwd = fileURLToPath(new URL("../..", import.meta.url));
    // One child: the ref'd call keeps it alive for 0.1 s, then the unref'd one (due at 0.3 s)
    // must not hold it any longer.
    const script = `import { ReactorTime } from ${JSON.stringify(url)};
      const held = new ReactorTime();
      const loose = new ReactorTime().unref();
      loose.callLater(0.3, () => console.log("unref'd ran"));
      held.callLater(0.1, () => console.log("ref'd ran"));`;
    const out = await new Promise<{ failed: boolean; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          ["--import", "tsx", "--input-type=module", "-e", script],
          { encoding: "utf8", timeout: 5000, cwd },
          (error, stdout, stderr) => resolve({ failed: error !== null, stdout, stderr }),
        );
      },
    );
    assert.equal(out.failed, false, out.stderr);
    assert.equal(out.stdout.trim(), "ref'd ran");
  });
});
