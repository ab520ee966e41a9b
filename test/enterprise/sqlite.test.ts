/**
 * Tests of the SQLite driver through `ConnectionPool`: a real database file in a temp dir, each
 * connection a worker thread owning a better-sqlite3 handle.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ITransaction } from "../../src/enterprise/interfaces.js";
import { ConnectionPool } from "../../src/enterprise/pool.js";
import { SQLiteDriver } from "../../src/enterprise/sqlite.js";
import { ConnectionPoolClosedError, TransactionError } from "../../src/errors/database.js";
import { Reactor } from "../../src/reactor/reactor.js";
import { median, quantile, tempDir } from "../threads/helpers.js";

const dir = tempDir("braid-sqlite-");
const file = join(dir, "test.db");
const pools: ConnectionPool[] = [];
function pool(min = 0, max = 3): ConnectionPool {
  const p = new ConnectionPool(new SQLiteDriver({ filename: file }), { min, max });
  pools.push(p);
  return p;
}

before(async () => {
  const p = pool(0, 1);
  await p.runOperation("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)");
  await p.runOperation("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
  await p.runOperation("INSERT INTO counter (id, n) VALUES (1, 0)");
});

after(async () => {
  await Promise.all(pools.map((p) => p.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe("ConnectionPool with SQLiteDriver", { timeout: 18_000 }, () => {
  it("runs operations and typed queries with positional and named parameters", async () => {
    const p = pool();
    const r = await p.runOperation("INSERT INTO kv (k, v) VALUES (?, ?)", ["a", 1]);
    assert.equal(r.changes, 1);
    assert.equal(typeof r.lastInsertId, "number");
    await p.runOperation("INSERT INTO kv (k, v) VALUES (@k, @v)", { k: "b", v: 2 });
    const rows = await p.runQuery<{ k: string; v: number }>(
      "SELECT k, v FROM kv WHERE k IN (?, ?) ORDER BY k",
      ["a", "b"],
    );
    assert.deepEqual(rows, [
      { k: "a", v: 1 },
      { k: "b", v: 2 },
    ]);
    assert.deepEqual(await p.runQuery("SELECT * FROM kv WHERE k = 'zz'"), []);
  });

  it("reports a bad statement as the driver's error and keeps the connection", async () => {
    const p = pool(0, 1);
    await assert.rejects(p.runQuery("SELEC nonsense").asPromise(), (e: Error) => {
      assert.equal(e.name, "SqliteError");
      assert.match(e.message, /syntax error/);
      return true;
    });
    assert.deepEqual(await p.runQuery("SELECT 1 AS one"), [{ one: 1 }]);
    assert.equal(p.stats.open, 1);
  });

  it("commits every statement of an interaction together", async () => {
    const p = pool();
    const result = await p.runInteraction(async (txn: ITransaction, base: string) => {
      await txn.run("INSERT INTO kv (k, v) VALUES (?, ?)", [`${base}1`, 10]);
      await txn.run("INSERT INTO kv (k, v) VALUES (?, ?)", [`${base}2`, 20]);
      return (await txn.queryOne<{ s: number }>("SELECT sum(v) AS s FROM kv WHERE k LIKE ?", [
        `${base}%`,
      ]))!.s;
    }, "commit");
    assert.equal(result, 30);
    assert.deepEqual(await p.runQuery("SELECT count(*) AS n FROM kv WHERE k LIKE 'commit%'"), [
      { n: 2 },
    ]);
  });

  it("rolls back when the interaction throws or its Deferred fails", async () => {
    const p = pool();
    let kept: ITransaction | undefined;
    await assert.rejects(
      p
        .runInteraction(async (txn) => {
          kept = txn;
          await txn.run("INSERT INTO kv (k, v) VALUES ('rb1', 1)");
          throw new Error("changed my mind");
        })
        .asPromise(),
      /changed my mind/,
    );
    await assert.rejects(
      p
        .runInteraction((txn) =>
          txn
            .run("INSERT INTO kv (k, v) VALUES ('rb2', 1)")
            .addCallback(() => txn.run("INSERT INTO kv (k, v) VALUES ('rb2', 2)")),
        )
        .asPromise(),
      /UNIQUE constraint failed/,
    );
    assert.deepEqual(await p.runQuery("SELECT k FROM kv WHERE k LIKE 'rb%'"), []);
    await assert.rejects(kept!.query("SELECT 1").asPromise(), TransactionError);
  });

  it("runs concurrent interactions on several connections without losing an update", async () => {
    const p = pool(2, 4);
    await p.start();
    assert.equal(p.stats.open, 2);
    const bump = (txn: ITransaction) =>
      txn
        .queryOne<{ n: number }>("SELECT n FROM counter WHERE id = 1")
        .addCallback((row) => txn.run("UPDATE counter SET n = ? WHERE id = 1", [row!.n + 1]));
    await Promise.all(Array.from({ length: 40 }, () => p.runInteraction(bump)));
    assert.deepEqual(await p.runQuery("SELECT n FROM counter WHERE id = 1"), [{ n: 40 }]);
    assert.ok(p.stats.open <= 4);
  });

  it("close() waits for work in flight, then refuses new work", async () => {
    const p = pool(0, 2);
    let finished = false;
    const slow = p.runInteraction(async (txn) => {
      await txn.query(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT count(*) FROM c",
      );
      finished = true;
      return "done";
    });
    const closed = p.close();
    await assert.rejects(p.runQuery("SELECT 1").asPromise(), ConnectionPoolClosedError);
    await closed;
    assert.equal(finished, true);
    assert.equal(await slow, "done");
    assert.equal(p.stats.open, 0);
  });

  it("keeps the reactor responsive while heavy queries run on every connection", async () => {
    const p = pool(3, 3);
    await p.start();
    const reactor = new Reactor();
    reactor.installSignalHandlers = false;
    reactor.run();
    const heavy =
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) SELECT count(*) AS n FROM c";
    let busy = true;
    const queries = Promise.all([1, 2, 3].map(() => p.runQuery(heavy))).finally(() => {
      busy = false;
    });
    const lags: number[] = [];
    await new Promise<void>((resolve) => {
      const tick = () => {
        const asked = performance.now();
        reactor.callLater(0.01, () => {
          lags.push(performance.now() - asked - 10);
          if (busy || lags.length < 20) tick();
          else resolve();
        });
      };
      tick();
    });
    await queries;
    reactor.stop();
    const m = median(lags);
    const p99 = quantile(lags, 0.99);
    console.log(
      `sqlite pool: ${lags.length} timers, lag median ${m.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`,
    );
    assert.ok(m < 50, `median lag ${m} ms`);
  });
});
