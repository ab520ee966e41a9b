/** Tests of task handles and the transfer marker. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import { defineTask, isTransfer, type TaskRef, task, transfer } from "../../src/threads/task.js";
import type { add, addLater, makeBuffer } from "../fixtures/workers/tasks.js";

describe("tasks", () => {
  it("defineTask infers argument and result types, unwrapping Promises and transfers", () => {
    const a = defineTask<typeof add>("file:///x/tasks.js", "add");
    expectTypeOf(a).toEqualTypeOf<TaskRef<[a: number, b: number], number>>();
    expectTypeOf(defineTask<typeof addLater>("file:///x.js", "addLater")).toEqualTypeOf<
      TaskRef<[a: number, b: number], number>
    >();
    expectTypeOf(defineTask<typeof makeBuffer>("file:///x.js", "makeBuffer")).toEqualTypeOf<
      TaskRef<[n: number], Uint8Array<ArrayBuffer>>
    >();
    assert.deepEqual({ ...a }, { moduleUrl: "file:///x/tasks.js", exportName: "add" });
    assert.ok(Object.isFrozen(a));
  });

  it("task takes a URL object or string and checks them", () => {
    const t = task<[string], number>(new URL("file:///a/b.js"), "len");
    assert.equal(t.moduleUrl, "file:///a/b.js");
    assert.throws(() => task("relative/path.js", "x"), TypeError);
    assert.throws(() => task("file:///a.js", ""), TypeError);
  });

  it("transfer marks a result with its transfer list", () => {
    const buf = new ArrayBuffer(8);
    const t = transfer(new Uint8Array(buf), [buf]);
    assert.ok(isTransfer(t));
    assert.equal(t.transferList[0], buf);
    assert.equal(isTransfer({ value: 1, transferList: [] }), false);
    assert.equal(isTransfer(null), false);
  });
});
