/** Tests of the worker program's task runner, called directly on this thread. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import runTask, { load } from "../../src/threads/worker.js";

const url = new URL("../fixtures/workers/tasks.ts", import.meta.url).href;

describe("worker runTask", () => {
  it("answers with the result, or the error as a record", async () => {
    assert.deepEqual(await runTask({ moduleUrl: url, exportName: "add", args: [1, 2] }), {
      ok: true,
      value: 3,
    });
    const failed = (await runTask({ moduleUrl: url, exportName: "failType", args: [] })) as {
      ok: false;
      error: { kind: string; name: string };
    };
    assert.equal(failed.ok, false);
    assert.equal(failed.error.name, "TypeError");
    const missing = (await runTask({ moduleUrl: url, exportName: "nope", args: [] })) as {
      error: { name: string };
    };
    assert.equal(missing.error.name, "TaskNotFoundError");
  });

  it("loads a module by URL", async () => {
    const mod = await load(url);
    assert.equal(typeof mod.add, "function");
  });
});
