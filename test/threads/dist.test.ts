/**
 * The built package, as users get it: plain `node` (no TypeScript loader) runs a task on a worker,
 * a call back into the main thread, and a SQLite pool, all from `dist/`. Builds `dist/` first when
 * it is missing or older than the sources of the threads and database areas.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tempDir } from "./helpers.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dist = join(root, "dist");
const dir = tempDir("braid-dist-");

function newestSource(): number {
  let newest = 0;
  for (const area of ["threads", "enterprise", "errors"]) {
    for (const f of readdirSync(join(root, "src", area))) {
      newest = Math.max(newest, statSync(join(root, "src", area, f)).mtimeMs);
    }
  }
  return newest;
}

before(() => {
  const built = join(dist, "enterprise", "sqlite-worker.js");
  if (!existsSync(built) || statSync(built).mtimeMs < newestSource()) {
    try {
      execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root, stdio: "pipe" });
    } catch {
      // Type errors elsewhere in the tree do not stop tsc from emitting.
    }
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("the built package under plain node", { timeout: 18_000 }, () => {
  it("runs tasks, blocking calls and a SQLite pool from dist/", async () => {
    const threads = pathToFileURL(join(dist, "threads", "index.js")).href;
    const enterprise = pathToFileURL(join(dist, "enterprise", "index.js")).href;
    writeFileSync(
      join(dir, "work.mjs"),
      `import { blockingCallFromThread, defineTask } from ${JSON.stringify(threads)};
export function twice(x) { return blockingCallFromThread("double", x) + 0.5; }
export const twiceTask = defineTask(import.meta.url, "twice");
export function boom() { throw new TypeError("from the worker"); }
export const boomTask = defineTask(import.meta.url, "boom");
`,
    );
    writeFileSync(
      join(dir, "main.mjs"),
      `import { ThreadPool } from ${JSON.stringify(threads)};
import { ConnectionPool, SQLiteDriver } from ${JSON.stringify(enterprise)};
import { twiceTask, boomTask } from "./work.mjs";
const pool = new ThreadPool({ maxThreads: 2 });
pool.expose("double", (x) => x * 2);
const out = { execArgv: process.execArgv };
out.twice = await pool.deferToThread(twiceTask, 21);
out.error = await pool.deferToThread(boomTask).then(() => null, (e) => [e.name, e.message, /work\\.mjs/.test(e.stack)]);
await pool.stop();
const db = new ConnectionPool(new SQLiteDriver({ filename: ${JSON.stringify(join(dir, "d.db"))} }), { max: 2 });
await db.runOperation("CREATE TABLE t (x INTEGER)");
out.sum = await db.runInteraction(async (txn) => {
  await txn.run("INSERT INTO t VALUES (?), (?)", [2, 3]);
  return (await txn.queryOne("SELECT sum(x) AS s FROM t")).s;
});
await db.close();
console.log(JSON.stringify(out));
`,
    );
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [join(dir, "main.mjs")],
        { timeout: 15_000 },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
      );
    });
    assert.deepEqual(JSON.parse(stdout), {
      execArgv: [],
      twice: 42.5,
      error: ["TypeError", "from the worker", true],
      sum: 5,
    });
  });
});
