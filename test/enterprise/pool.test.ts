/**
 * Tests of `ConnectionPool`'s own logic with an in-memory driver double: sizes, the waiting
 * queue, reconnect through the good-SQL check, connect failures, close and the shutdown trigger.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as area from "../../src/enterprise/index.js";
import type { IDbConnection, IDbDriver, RunResult } from "../../src/enterprise/interfaces.js";
import { ConnectionPool } from "../../src/enterprise/pool.js";
import { CancelledError } from "../../src/errors/errors.js";

class FakeConnection implements IDbConnection {
  broken = false;
  dead = false;
  closed = false;
  log: string[] = [];
  constructor(readonly id: number) {}
  async query(sql: string): Promise<unknown[]> {
    this.log.push(sql);
    if (this.dead) throw new Error("connection reset");
    if (sql.startsWith("FAIL")) throw new Error("bad sql");
    return [{ id: this.id }];
  }
  async run(sql: string): Promise<RunResult> {
    await this.query(sql);
    return { changes: 1 };
  }
  async exec(sql: string): Promise<void> {
    await this.query(sql);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

class FakeDriver implements IDbDriver {
  readonly name = "fake";
  readonly beginSql = "BEGIN";
  readonly goodSql = "GOOD";
  made: FakeConnection[] = [];
  failNext = 0;
  async connect(): Promise<IDbConnection> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("refused");
    }
    const c = new FakeConnection(this.made.length + 1);
    this.made.push(c);
    return c;
  }
}

describe("ConnectionPool", () => {
  it("checks its sizes", () => {
    assert.throws(() => new ConnectionPool(new FakeDriver(), { min: 3, max: 2 }), RangeError);
    assert.throws(() => new ConnectionPool(new FakeDriver(), { max: 0 }), RangeError);
    assert.equal(area.ConnectionPool, ConnectionPool);
  });

  it("keeps a connection after an ordinary failure, replaces it when the good-SQL check fails", async () => {
    const driver = new FakeDriver();
    const pool = new ConnectionPool(driver, { max: 1 });
    await assert.rejects(pool.runQuery("FAIL 1").asPromise(), /bad sql/);
    assert.deepEqual(driver.made[0]?.log, ["FAIL 1", "GOOD"]);
    assert.deepEqual(await pool.runQuery("SELECT"), [{ id: 1 }]);
    driver.made[0]!.dead = true;
    await assert.rejects(pool.runQuery("SELECT").asPromise(), /connection reset/);
    assert.equal(driver.made[0]?.closed, true);
    assert.deepEqual(await pool.runQuery("SELECT"), [{ id: 2 }]);
    assert.deepEqual(pool.stats, { open: 1, busy: 0, waiting: 0 });
  });

  it("discards a connection the driver marked broken, without a check; reconnect: false keeps others", async () => {
    const driver = new FakeDriver();
    const pool = new ConnectionPool(driver, { max: 1, reconnect: false });
    await assert.rejects(pool.runQuery("FAIL").asPromise());
    assert.deepEqual(driver.made[0]?.log, ["FAIL"]);
    driver.made[0]!.broken = true;
    await pool.runQuery("SELECT");
    assert.equal(driver.made.length, 1, "still lent once: broken is noticed on release");
    await pool.runQuery("SELECT");
    assert.equal(driver.made.length, 2);
  });

  it("reports connect failures and serves waiting work afterwards", async () => {
    const driver = new FakeDriver();
    driver.failNext = 1;
    const pool = new ConnectionPool(driver, { min: 1, max: 1 });
    await assert.rejects(pool.start().asPromise(), /refused/);
    assert.equal(pool.stats.open, 0);
    assert.deepEqual(await pool.runQuery("SELECT"), [{ id: 1 }]);
  });

  it("runs interactions in BEGIN … COMMIT, or ROLLBACK when they fail", async () => {
    const driver = new FakeDriver();
    const pool = new ConnectionPool(driver, { max: 1 });
    assert.equal(
      await pool.runInteraction((txn, x: number) => txn.run("A").addCallback(() => x), 7),
      7,
    );
    await assert.rejects(
      pool.runInteraction(() => Promise.reject(new Error("no"))).asPromise(),
      /no/,
    );
    assert.deepEqual(driver.made[0]?.log, ["BEGIN", "A", "COMMIT", "BEGIN", "ROLLBACK", "GOOD"]);
  });

  it("cancelling queued work removes it; close() runs the shutdown trigger's way", async () => {
    const driver = new FakeDriver();
    let trigger: (() => unknown) | undefined;
    const pool = new ConnectionPool(driver, {
      max: 1,
      reactor: { addSystemEventTrigger: (_p, _e, f) => (trigger = f) },
    });
    let release!: () => void;
    const holding = pool.runWithConnection(() => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setImmediate(r));
    const queued = pool.runQuery("SELECT");
    assert.equal(pool.stats.waiting, 1);
    queued.cancel();
    await assert.rejects(queued.asPromise(), CancelledError);
    assert.equal(pool.stats.waiting, 0);
    const closing = trigger!() as PromiseLike<void>;
    assert.equal(pool.closed, true);
    release();
    await closing;
    await holding;
    assert.equal(driver.made[0]?.closed, true);
    assert.deepEqual(driver.made[0]?.log, []);
  });
});
