import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as errors from "../../src/errors/errors.js";
import { Failure } from "../../src/errors/failure.js";

describe("errors", () => {
  const classes = Object.entries(errors).filter(
    (entry): entry is [string, typeof errors.BraidError] =>
      typeof entry[1] === "function" && entry[1].prototype instanceof Error,
  );

  it("every class is a BraidError with its own name and a stable, unique code", () => {
    const codes = new Set<string>();
    for (const [exportName, cls] of classes) {
      const e = Reflect.construct(
        cls,
        exportName === "FirstError" ? [new Failure(new Error("x")), 0] : [],
      );
      assert.ok(e instanceof errors.BraidError, exportName);
      assert.equal(e.name, exportName);
      assert.match(e.code, /^ERR_[A-Z_]+$/, exportName);
      assert.ok(!codes.has(e.code) || exportName === "BraidError", `duplicate code ${e.code}`);
      codes.add(e.code);
      assert.ok(
        e.message.length > 0 ||
          exportName === "BraidError" ||
          exportName === "AlreadyCalledError" ||
          exportName.startsWith("Already") ||
          exportName.startsWith("Queue") ||
          exportName === "ConnectionError" ||
          exportName === "InvalidStateError",
        exportName,
      );
    }
    assert.ok(classes.length >= 20);
  });

  it("keeps causes and details", () => {
    const sys = Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" });
    const e = new errors.CannotListenError("127.0.0.1", 8080, { cause: sys });
    assert.equal(e.cause, sys);
    assert.equal(e.port, 8080);
    assert.match(e.message, /Couldn't listen on 127\.0\.0\.1:8080: listen EADDRINUSE/);
    const t = new errors.TimeoutError(5);
    assert.equal(t.timeout, 5);
    assert.equal(t.message, "Timed out after 5 seconds");
    const first = new errors.FirstError(new Failure(new RangeError("bad")), 3);
    assert.equal(first.index, 3);
    assert.ok(first.cause instanceof RangeError);
    assert.match(first.message, /#3.*bad/);
  });

  it("subclass relations let handlers catch families", () => {
    assert.ok(new errors.ConnectionRefusedError() instanceof errors.ConnectError);
    assert.ok(new errors.ConnectionResetError() instanceof errors.ConnectionLost);
    assert.ok(new errors.ConnectionAborted() instanceof errors.ConnectionLost);
    assert.ok(new errors.ConnectionDone() instanceof errors.ConnectionError);
    assert.ok(!(new errors.ConnectionDone() instanceof errors.ConnectionLost));
  });
});
