/**
 * Tests of `ReactorThreads` with the real `Reactor`: the pool is made on first use, stopped by the
 * reactor's shutdown, and the reactor stays responsive while every worker runs CPU-bound work.
 */
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { after, describe, it } from "node:test";
import { Deferred } from "../../src/defer/deferred.js";
import { captureLogEvents } from "../../src/logger/capture.js";
import { Reactor } from "../../src/reactor/reactor.js";
import type { ThreadPool } from "../../src/threads/pool.js";
import { ReactorThreads } from "../../src/threads/reactor.js";
import { addTask, failCustomTask, spinTask } from "../fixtures/workers/tasks.js";
import { median, quantile } from "./helpers.js";

const toStop: ThreadPool[] = [];
after(async () => {
  await Promise.all(toStop.map((p) => p.stop()));
});

function quiet(): Reactor {
  const r = new Reactor();
  r.installSignalHandlers = false;
  return r;
}

describe("ReactorThreads", { timeout: 15_000 }, () => {
  it("makes the pool on first use and stops it during the reactor's shutdown", async () => {
    const r = quiet();
    const threads = new ReactorThreads(r);
    const pool = threads.getThreadPool();
    toStop.push(pool);
    assert.equal(threads.getThreadPool(), pool);
    assert.equal(pool.maxThreads, 10);
    const done = r.run();
    assert.equal(await pool.deferToThread(addTask, 20, 22), 42);
    const slow = pool.deferToThread(spinTask, 50);
    r.stop();
    await done;
    assert.equal(pool.stopped, true);
    assert.equal(typeof (await slow), "number", "queued work finished before the pool stopped");
    assert.equal(pool.stats.threads, 0);
    const next = threads.getThreadPool();
    toStop.push(next);
    assert.notEqual(next, pool, "a new pool after a shutdown");
  });

  it("suggestThreadPoolSize sets the maximum, now or for the pool to come", async () => {
    const threads = new ReactorThreads(quiet());
    threads.suggestThreadPoolSize(3);
    const pool = threads.getThreadPool();
    toStop.push(pool);
    assert.equal(pool.maxThreads, 3);
    threads.suggestThreadPoolSize(1);
    assert.equal(pool.maxThreads, 1);
    assert.throws(() => threads.suggestThreadPoolSize(0), RangeError);
  });

  it("callInThread runs the task and logs its failure", async () => {
    const threads = new ReactorThreads(quiet(), { maxThreads: 1 });
    toStop.push(threads.getThreadPool());
    const events = await captureLogEvents(async () => {
      threads.callInThread(failCustomTask, "callInThread");
      threads.callInThread(addTask, 1, 2);
      // One worker, first in first out: once this is back, the failure has been handled.
      await threads.getThreadPool().deferToThread(spinTask, 1);
    });
    const failures = events.filter((e) => e.namespace === "braid.threads");
    assert.equal(failures.length, 1);
    assert.match(String(failures[0]?.format), /callInThread failed/);
  });

  it("keeps callLater on time while CPU-bound tasks run on every worker", async () => {
    const r = quiet();
    const threads = new ReactorThreads(r);
    const workers = Math.max(1, availableParallelism());
    threads.suggestThreadPoolSize(workers);
    const pool = threads.getThreadPool();
    toStop.push(pool);
    pool.start();
    const done = r.run();
    // Warm the workers up (thread start and module load are not what is measured).
    await Promise.all(Array.from({ length: workers }, () => pool.deferToThread(spinTask, 1)));
    let busy = true;
    const spinning = Promise.all(
      Array.from({ length: workers * 3 }, () => pool.deferToThread(spinTask, 300)),
    ).finally(() => {
      busy = false;
    });
    const lags: number[] = [];
    const measured = new Deferred<void>();
    const tick = () => {
      const asked = performance.now();
      r.callLater(0.01, () => {
        lags.push(performance.now() - asked - 10);
        if (busy) tick();
        else measured.callback(undefined);
      });
    };
    tick();
    await measured;
    await spinning;
    r.stop();
    await done;
    const m = median(lags);
    const p99 = quantile(lags, 0.99);
    console.log(
      `reactor timer lag with ${workers} busy workers: ${lags.length} timers, median ${m.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${Math.max(...lags).toFixed(2)} ms`,
    );
    assert.ok(lags.length >= 20, `${lags.length} timers fired`);
    assert.ok(m < 50, `median lag ${m} ms`);
  });
});
