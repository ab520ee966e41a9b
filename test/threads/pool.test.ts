/**
 * Tests of `ThreadPool` with real worker threads: results, failures with the worker's stack,
 * transfers, cancellation of queued tasks, sizes, callbacks to the main thread, stop.
 */
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CancelledError } from "../../src/errors/errors.js";
import {
  MainThreadCallError,
  TaskNotFoundError,
  ThreadPoolStoppedError,
  ThreadTaskError,
} from "../../src/errors/threads.js";
import { captureLogEvents } from "../../src/logger/capture.js";
import { ThreadPool } from "../../src/threads/pool.js";
import { task } from "../../src/threads/task.js";
import {
  addLaterTask,
  addTask,
  askMainTask,
  failCustomTask,
  failStringTask,
  failTypeTask,
  makeBufferTask,
  spinTask,
  sumBytesTask,
  tellMainTask,
  touchTask,
} from "../fixtures/workers/tasks.js";
import { tempDir } from "./helpers.js";

const pools: ThreadPool[] = [];
const dirs: string[] = [];
function pool(min = 0, max = 2): ThreadPool {
  const p = new ThreadPool({ minThreads: min, maxThreads: max });
  pools.push(p);
  return p;
}

after(async () => {
  await Promise.all(pools.map((p) => p.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("ThreadPool", { timeout: 15_000 }, () => {
  it("runs a task on a worker and returns its result", async () => {
    const p = pool();
    assert.equal(await p.deferToThread(addTask, 2, 3), 5);
    assert.equal(await p.runTask(addLaterTask, [4, 5]), 9);
  });

  it("rebuilds a custom error with its name, message, code, data and the worker's stack", async () => {
    const p = pool();
    const f = await p.deferToThread(failCustomTask, "email").then(
      () => assert.fail("should fail"),
      (e: unknown) => e,
    );
    assert.ok(f instanceof ThreadTaskError);
    assert.equal(f.code, "ERR_THREAD_TASK");
    assert.equal(f.name, "ValidationError");
    assert.equal(f.message, "bad email");
    assert.equal(f.remoteCode, "E_VALIDATION");
    assert.deepEqual(f.data, { field: "email" });
    assert.match(f.stack ?? "", /ValidationError: bad email/);
    assert.match(f.stack ?? "", /failCustom .*tasks\.ts/);
  });

  it("delivers the failure as a Failure with the worker's stack to errbacks", async () => {
    const p = pool();
    const stack = await new Promise<string>((resolve) => {
      p.deferToThread(failTypeTask).addErrback((f) => {
        assert.ok(f.check(TypeError));
        assert.ok((f.value as Error).cause instanceof RangeError);
        resolve(f.stack);
      });
    });
    assert.match(stack, /TypeError: not a number/);
    assert.match(stack, /failType .*tasks\.ts/);
  });

  it("passes a thrown non-error through as itself", async () => {
    const p = pool();
    await assert.rejects(p.deferToThread(failStringTask).asPromise(), (e) => e === "just a string");
  });

  it("fails with TaskNotFoundError for a missing or non-function export", async () => {
    const p = pool();
    const url = new URL("../fixtures/workers/tasks.ts", import.meta.url);
    for (const name of ["missing", "notAFunction"]) {
      await assert.rejects(p.runTask(task<[], unknown>(url, name), []).asPromise(), (e) => {
        assert.ok(e instanceof ThreadTaskError);
        assert.equal(e.name, "TaskNotFoundError");
        assert.equal(e.remoteCode, new TaskNotFoundError().code);
        return true;
      });
    }
  });

  it("moves transferred buffers both ways without copying", async () => {
    const p = pool();
    const bytes = new Uint8Array(1024).fill(2);
    const sum = p.runTask(sumBytesTask, [bytes], { transfer: [bytes.buffer] });
    assert.equal(await sum, 2048);
    assert.equal(bytes.byteLength, 0, "the buffer was moved away");
    const back = await p.deferToThread(makeBufferTask, 16);
    assert.ok(back instanceof Uint8Array);
    assert.equal(back.length, 16);
    assert.equal(back[15], 7);
  });

  it("cancelling a task that has not started removes it: it never runs", async () => {
    const p = pool(0, 1);
    const dir = tempDir();
    dirs.push(dir);
    const marker = join(dir, "ran");
    const busy = p.deferToThread(spinTask, 300);
    const queued = p.deferToThread(touchTask, marker);
    assert.equal(p.stats.queued, 1);
    queued.cancel();
    assert.equal(p.stats.queued, 0);
    await assert.rejects(queued.asPromise(), CancelledError);
    await busy;
    // One more task through the same worker: had the cancelled one run, it would have by now.
    assert.equal(await p.deferToThread(addTask, 1, 1), 2);
    assert.equal(existsSync(marker), false);
  });

  it("cancelling a running task fails its Deferred at once and drops the result", async () => {
    const p = pool(0, 1);
    const running = p.deferToThread(spinTask, 100);
    await new Promise((r) => setTimeout(r, 20));
    running.cancel();
    await assert.rejects(running.asPromise(), CancelledError);
    assert.equal(await p.deferToThread(addTask, 2, 2), 4);
  });

  it("cancelling a running interruptible task ends its worker, and the pool goes on", async () => {
    const p = pool(0, 1);
    const runaway = p.runTask(spinTask, [60_000], { interruptible: true });
    const next = p.deferToThread(addTask, 2, 3); // queued behind it: the pool has one thread
    while (p.stats.running === 0) await new Promise((r) => setTimeout(r, 5));
    const events = await captureLogEvents(async () => {
      runaway.cancel();
      await assert.rejects(runaway.asPromise(), CancelledError);
      // Without the interruption, this would wait a minute for the spin to end.
      assert.equal(await next, 5);
    });
    assert.deepEqual(
      events.filter((e) => e.level === "critical" || e.level === "error").map((e) => e.format),
      [],
      "ending the worker on purpose is not reported as a failure",
    );
    assert.equal(p.stats.running, 0);
  });

  it("runs at most maxThreads tasks at once and keeps the rest queued in order", async () => {
    const p = pool(0, 2);
    const ds = [1, 2, 3, 4, 5].map(() => p.deferToThread(spinTask, 60));
    assert.equal(p.stats.running, 2);
    assert.equal(p.stats.queued, 3);
    const ids = await Promise.all(ds);
    assert.ok(new Set(ids).size <= 2, `at most 2 workers, got ${new Set(ids).size}`);
    assert.deepEqual(p.stats, { queued: 0, running: 0, threads: p.stats.threads });
  });

  it("starts minThreads workers, and resizes with adjustPoolSize", async () => {
    const p = pool(2, 3);
    p.start();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(p.stats.threads, 2);
    p.adjustPoolSize(0, 1);
    assert.equal(p.maxThreads, 1);
    const ds = [1, 2, 3].map(() => p.deferToThread(spinTask, 30));
    assert.equal(p.stats.running, 1);
    await Promise.all(ds);
    assert.throws(() => p.adjustPoolSize(-1, 2), RangeError);
    assert.throws(() => new ThreadPool({ maxThreads: 0 }), RangeError);
  });

  it("callInThread logs nothing on success; callInThreadWithCallback reports both outcomes", async () => {
    const p = pool();
    const seen: [boolean, unknown][] = [];
    // The two tasks may run on two workers and finish in either order.
    await new Promise<void>((resolve) => {
      const record = (ok: boolean, v: unknown) => {
        seen.push([ok, v]);
        if (seen.length === 2) resolve();
      };
      p.callInThreadWithCallback(record, addTask, 1, 2);
      p.callInThreadWithCallback(record, failCustomTask, "x");
    });
    const success = seen.find(([ok]) => ok);
    const failure = seen.find(([ok]) => !ok);
    assert.deepEqual(success, [true, 3]);
    assert.ok(failure?.[1] instanceof ThreadTaskError, String(failure?.[1]));
  });

  it("blockingCallFromThread runs an exposed main-thread function and waits for it", async () => {
    const p = pool(0, 2);
    const calls: number[] = [];
    p.expose("double", (x: number) => {
      calls.push(x);
      return x * 2;
    });
    p.expose("slowDouble", (x: number) => new Promise((r) => setTimeout(() => r(x * 2), 20)));
    p.expose("broken", () => {
      throw new RangeError("no luck");
    });
    assert.equal(await p.deferToThread(askMainTask, "double", 20), 41);
    assert.equal(await p.deferToThread(askMainTask, "slowDouble", 5), 11);
    assert.deepEqual(calls, [20]);
    await assert.rejects(p.deferToThread(askMainTask, "broken", 1).asPromise(), RangeError);
    await assert.rejects(p.deferToThread(askMainTask, "nothing", 1).asPromise(), (e) => {
      assert.ok(e instanceof ThreadTaskError);
      assert.equal(e.name, "MainThreadCallError");
      assert.equal(e.remoteCode, new MainThreadCallError().code);
      return true;
    });
  });

  it("callFromThread from a worker runs the function on the main thread without waiting", async () => {
    const p = pool();
    const notes: string[] = [];
    p.expose("note", (text: string) => {
      notes.push(text);
    });
    for (const text of ["hello", "again"]) {
      assert.equal(await p.deferToThread(tellMainTask, text), "told");
      // Not awaited separately: a task's calls run before its result arrives (as in Twisted).
      assert.equal(notes.at(-1), text, "the task's call ran before its result arrived");
    }
    assert.deepEqual(notes, ["hello", "again"]);
  });

  it("stop() lets queued and running tasks finish, then rejects new work", async () => {
    const p = pool(0, 1);
    const a = p.deferToThread(spinTask, 50);
    const b = p.deferToThread(addTask, 1, 2);
    const stopped = p.stop();
    assert.equal(p.stop(), stopped);
    await assert.rejects(p.deferToThread(addTask, 1, 1).asPromise(), ThreadPoolStoppedError);
    assert.equal(typeof (await a), "number");
    assert.equal(await b, 3);
    await stopped;
    assert.equal(p.stats.threads, 0);
    assert.throws(() => p.start(), ThreadPoolStoppedError);
  });
});
