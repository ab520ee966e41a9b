/** Tests of deferToThread, deferToThreadPool and the default pool. */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  deferToThread,
  deferToThreadPool,
  getDefaultThreadPool,
  setDefaultThreadPoolProvider,
} from "../../src/threads/defer.js";
import * as area from "../../src/threads/index.js";
import { ThreadPool } from "../../src/threads/pool.js";
import { addTask } from "../fixtures/workers/tasks.js";

const mine = new ThreadPool({ maxThreads: 1 });
after(async () => {
  setDefaultThreadPoolProvider(undefined);
  await Promise.all([mine.stop(), getDefaultThreadPool().stop()]);
});

describe("deferToThread", { timeout: 10_000 }, () => {
  it("runs on the default pool, made on first use", async () => {
    const d = deferToThread(addTask, 40, 2);
    assert.equal(await d, 42);
    assert.equal(getDefaultThreadPool(), getDefaultThreadPool());
  });

  it("uses the installed provider's pool; deferToThreadPool takes one explicitly", async () => {
    setDefaultThreadPoolProvider(() => mine);
    assert.equal(getDefaultThreadPool(), mine);
    assert.equal(await deferToThread(addTask, 1, 1), 2);
    assert.equal(mine.stats.threads, 1);
    assert.equal(await deferToThreadPool(mine, addTask, 2, 2), 4);
    setDefaultThreadPoolProvider(undefined);
    assert.notEqual(getDefaultThreadPool(), mine);
  });

  it("is exported from the area's index", () => {
    assert.equal(area.deferToThread, deferToThread);
    assert.equal(area.ThreadPool, ThreadPool);
    assert.equal(typeof area.defineTask, "function");
    assert.equal(typeof area.blockingCallFromThread, "function");
  });
});
