/** Tests of `Transaction` alone, over a connection double. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IDbConnection } from "../../src/enterprise/interfaces.js";
import { Transaction } from "../../src/enterprise/transaction.js";
import { TransactionError } from "../../src/errors/database.js";

const connection: IDbConnection = {
  broken: false,
  query: async (sql) => (sql === "none" ? [] : [{ a: 1 }, { a: 2 }]),
  run: async () => ({ changes: 3 }),
  exec: async () => {},
  close: async () => {},
};

describe("Transaction", () => {
  it("forwards statements, returns the first row with queryOne, refuses them once closed", async () => {
    const txn = new Transaction(connection);
    assert.deepEqual(await txn.query<{ a: number }>("x"), [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(await txn.queryOne<{ a: number }>("x"), { a: 1 });
    assert.equal(await txn.queryOne("none"), undefined);
    assert.deepEqual(await txn.run("x"), { changes: 3 });
    assert.equal(txn.finished, false);
    txn.close();
    assert.equal(txn.finished, true);
    await assert.rejects(txn.run("x").asPromise(), TransactionError);
  });
});
