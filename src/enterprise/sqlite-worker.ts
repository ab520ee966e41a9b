/**
 * The program of a SQLite connection's worker thread: owns one better-sqlite3 `Database` and runs
 * the statements the main thread sends (one piscina pool of one thread per connection, so the
 * statements of a transaction all reach the same database handle, in order).
 *
 * Each message names the connection it is for. A worker that did not open that connection (it
 * replaced one that died) answers with `DatabaseConnectionLost`, so a transaction never continues
 * silently on a fresh handle.
 *
 * Not part of the public API.
 *
 * @module
 */

import Database from "better-sqlite3";
import { DatabaseConnectionLost } from "../errors/database.js";
import { type SerializedThrown, serializeThrown } from "../threads/serialize.js";

/** @internal a request to the worker. */
export type SQLiteRequest =
  | {
      readonly op: "open";
      readonly id: number;
      readonly filename: string;
      readonly options: Database.Options;
      readonly pragmas: readonly string[];
    }
  | {
      readonly op: "query" | "run";
      readonly id: number;
      readonly sql: string;
      readonly params: unknown;
    }
  | { readonly op: "exec"; readonly id: number; readonly sql: string }
  | { readonly op: "close"; readonly id: number };

/** @internal the worker's answer. */
export type SQLiteReply =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: SerializedThrown };

let db: Database.Database | undefined;
let openId = -1;
const statements = new Map<string, Database.Statement>();
const MAX_STATEMENTS = 200;

function prepare(sql: string): Database.Statement {
  let stmt = statements.get(sql);
  if (stmt === undefined) {
    stmt = db!.prepare(sql);
    if (statements.size >= MAX_STATEMENTS) {
      const first = statements.keys().next();
      if (first.done !== true) statements.delete(first.value);
    }
    statements.set(sql, stmt);
  }
  return stmt;
}

function bind(params: unknown): unknown[] {
  if (params === undefined || params === null) return [];
  return Array.isArray(params) ? params : [params];
}

function handle(request: SQLiteRequest): unknown {
  if (request.op === "open") {
    db?.close();
    statements.clear();
    db = new Database(request.filename, request.options);
    for (const pragma of request.pragmas) db.pragma(pragma);
    openId = request.id;
    return null;
  }
  if (db === undefined || request.id !== openId) {
    if (request.op === "close") return null;
    throw new DatabaseConnectionLost("The SQLite connection's worker thread was replaced");
  }
  switch (request.op) {
    case "query": {
      const stmt = prepare(request.sql);
      if (stmt.reader) return stmt.all(...bind(request.params));
      stmt.run(...bind(request.params));
      return [];
    }
    case "run": {
      const stmt = prepare(request.sql);
      if (stmt.reader) {
        stmt.all(...bind(request.params));
        return { changes: 0 };
      }
      const info = stmt.run(...bind(request.params));
      const id = info.lastInsertRowid;
      const lastInsertId =
        typeof id === "bigint" && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : id;
      return { changes: info.changes, lastInsertId };
    }
    case "exec":
      db.exec(request.sql);
      return null;
    case "close":
      statements.clear();
      db.close();
      db = undefined;
      openId = -1;
      return null;
  }
}

/** Runs one request; piscina calls it on the worker. */
export default function onRequest(request: SQLiteRequest): SQLiteReply {
  try {
    return { ok: true, value: handle(request) };
  } catch (e) {
    return { ok: false, error: serializeThrown(e) };
  }
}
