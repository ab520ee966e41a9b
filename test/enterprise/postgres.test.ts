/**
 * Tests of the PostgreSQL driver through `ConnectionPool`, against a real server started for this
 * file (see pgserver.ts).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConnectionPool } from "../../src/enterprise/pool.js";
import { PostgresDriver } from "../../src/enterprise/postgres.js";
import { ConnectionPoolClosedError } from "../../src/errors/database.js";
import { type PgServer, startPostgres } from "./pgserver.js";

let server: PgServer;
const pools: ConnectionPool[] = [];
function pool(min = 0, max = 3, name = "braid-test"): ConnectionPool {
  const p = new ConnectionPool(
    new PostgresDriver({
      host: server.host,
      port: server.port,
      user: server.user,
      database: "postgres",
      application_name: name,
    }),
    { min, max },
  );
  pools.push(p);
  return p;
}

before(async () => {
  server = await startPostgres();
  const p = pool(0, 1);
  await p.runOperation("CREATE TABLE kv (k text PRIMARY KEY, v integer NOT NULL)");
});

after(async () => {
  await Promise.all(pools.map((p) => p.close()));
  server?.stop();
});

describe("ConnectionPool with PostgresDriver", { timeout: 18_000 }, () => {
  it("runs typed queries and operations with parameters", async () => {
    const p = pool();
    const r = await p.runOperation("INSERT INTO kv (k, v) VALUES ($1, $2), ($3, $4)", [
      "a",
      1,
      "b",
      2,
    ]);
    assert.equal(r.changes, 2);
    const rows = await p.runQuery<{ k: string; v: number }>(
      "SELECT k, v FROM kv WHERE v >= $1 ORDER BY k",
      [1],
    );
    assert.deepEqual(rows, [
      { k: "a", v: 1 },
      { k: "b", v: 2 },
    ]);
    await assert.rejects(p.runQuery("SELECT $1::int", { x: 1 }).asPromise(), TypeError);
  });

  it("commits an interaction's statements together and rolls them back on failure", async () => {
    const p = pool();
    const n = await p.runInteraction(async (txn) => {
      await txn.run("INSERT INTO kv (k, v) VALUES ('c1', 1)");
      await txn.run("INSERT INTO kv (k, v) VALUES ('c2', 2)");
      return (await txn.queryOne<{ n: string }>("SELECT count(*) AS n FROM kv WHERE k LIKE 'c%'"))!
        .n;
    });
    assert.equal(n, "2");
    await assert.rejects(
      p
        .runInteraction(async (txn) => {
          await txn.run("INSERT INTO kv (k, v) VALUES ('r1', 1)");
          await txn.run("INSERT INTO kv (k, v) VALUES ('r1', 2)"); // duplicate key
        })
        .asPromise(),
      (e: Error & { code?: string }) => e.code === "23505",
    );
    assert.deepEqual(await p.runQuery("SELECT k FROM kv WHERE k = 'r1'"), []);
  });

  it("opens min connections at start and never more than max, queueing the rest", async () => {
    const p = pool(2, 3, "bounded");
    await p.start();
    assert.equal(p.stats.open, 2);
    let inFlight = 0;
    let most = 0;
    const work = Array.from({ length: 9 }, (_, i) =>
      p.runInteraction(async (txn) => {
        most = Math.max(most, ++inFlight);
        await txn.query("SELECT pg_sleep(0.05)");
        inFlight--;
        return i;
      }),
    );
    assert.equal(p.stats.waiting, 6);
    assert.deepEqual(await Promise.all(work), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(most, 3);
    assert.equal(p.stats.open, 3);
    const backends = await p.runQuery<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'bounded'",
    );
    assert.equal(Number(backends[0]!.n), 3);
  });

  it("cancelling work that waits for a connection removes it", async () => {
    const p = pool(0, 1);
    const busy = p.runQuery("SELECT pg_sleep(0.1)");
    let ran = false;
    const queued = p.runInteraction(async () => {
      ran = true;
    });
    queued.cancel();
    await assert.rejects(queued.asPromise(), { code: "ERR_CANCELLED" });
    await busy;
    assert.equal(ran, false);
    assert.equal(p.stats.waiting, 0);
  });

  it("reconnects after the server kills a backend: the next operation succeeds", async () => {
    const p = pool(1, 1);
    await p.start();
    const [{ pid }] = (await p.runQuery<{ pid: number }>("SELECT pg_backend_pid() AS pid")) as [
      { pid: number },
    ];
    const killer = pool(0, 1);
    await killer.runQuery("SELECT pg_terminate_backend($1)", [pid]);
    // The connection is broken: the operation on it fails and reports the error…
    await assert.rejects(p.runQuery("SELECT 1").asPromise());
    // …and the pool replaced it.
    const [{ pid: newPid }] = (await p.runQuery<{ pid: number }>(
      "SELECT pg_backend_pid() AS pid",
    )) as [{ pid: number }];
    assert.notEqual(newPid, pid);
    assert.equal(p.stats.open, 1);
  });

  it("close() waits for work in flight and refuses new work", async () => {
    const p = pool(0, 2);
    let done = false;
    const slow = p.runInteraction(async (txn) => {
      await txn.query("SELECT pg_sleep(0.2)");
      done = true;
    });
    const closed = p.close();
    await assert.rejects(p.runQuery("SELECT 1").asPromise(), ConnectionPoolClosedError);
    await closed;
    assert.equal(done, true);
    await slow;
    assert.equal(p.stats.open, 0);
  });
});
