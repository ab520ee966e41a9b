/** Tests of error serialization across threads. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CancelledError } from "../../src/errors/errors.js";
import { ThreadTaskError } from "../../src/errors/threads.js";
import { deserializeThrown, serializeThrown } from "../../src/threads/serialize.js";

const roundTrip = (e: unknown) => deserializeThrown(structuredClone(serializeThrown(e)));

describe("serializeThrown / deserializeThrown", () => {
  it("rebuilds built-in errors as their class, with stack, own properties and cause", () => {
    const e = Object.assign(new RangeError("out", { cause: new TypeError("why") }), {
      code: "E_X",
      fn: () => 1,
    });
    const back = roundTrip(e) as RangeError & { code?: string; fn?: unknown };
    assert.ok(back instanceof RangeError);
    assert.equal(back.message, "out");
    assert.equal(back.stack, e.stack);
    assert.equal(back.code, "E_X");
    assert.equal(back.fn, undefined, "uncloneable properties are dropped");
    assert.ok(back.cause instanceof TypeError);
  });

  it("rebuilds other classes as ThreadTaskError with the original name and code", () => {
    const back = roundTrip(new CancelledError("stop"));
    assert.ok(back instanceof ThreadTaskError);
    assert.equal(back.name, "CancelledError");
    assert.equal(back.remoteCode, "ERR_CANCELLED");
    assert.equal(back.code, "ERR_THREAD_TASK");
    assert.match(back.stack ?? "", /CancelledError: stop/);
  });

  it("passes cloneable non-errors through and turns the rest into text", () => {
    assert.deepEqual(roundTrip({ reason: 1 }), { reason: 1 });
    assert.equal(roundTrip("plain"), "plain");
    assert.equal(typeof roundTrip(() => 1), "string");
  });
});
