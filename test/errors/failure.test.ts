import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Failure } from "../../src/errors/failure.js";

class NotFound extends Error {}
class Denied extends Error {}

describe("Failure", () => {
  it("wraps an error with its type and stack", () => {
    const err = new NotFound("no such user");
    const f = new Failure(err);
    assert.equal(f.value, err);
    assert.equal(f.type, NotFound);
    assert.equal(f.stack, err.stack);
    assert.equal(f.getErrorMessage(), "no such user");
  });

  it("wraps non-errors, capturing the stack where it was made", () => {
    const f = new Failure("plain string");
    assert.equal(f.value, "plain string");
    assert.equal(f.type, null);
    assert.equal(f.getErrorMessage(), "plain string");
    assert.match(f.stack, /^plain string\n\s+at /);
    assert.equal(new Failure(42).getErrorMessage(), "42");
    assert.equal(new Failure({ message: "duck" }).getErrorMessage(), "duck");
    assert.equal(new Failure(null).type, null);
  });

  it("from() returns an existing Failure unchanged; the constructor copies it", () => {
    const f = new Failure(new NotFound());
    assert.equal(Failure.from(f), f);
    const copy = new Failure(f);
    assert.notEqual(copy, f);
    assert.equal(copy.value, f.value);
  });

  it("check returns the matching type or null", () => {
    const f = new Failure(new Denied());
    assert.equal(f.check(NotFound, Denied), Denied);
    assert.equal(f.check(Error), Error);
    assert.equal(f.check(NotFound), null);
    assert.equal(f.check(), null);
  });

  it("trap returns the match and rethrows the Failure itself otherwise", () => {
    const f = new Failure(new Denied());
    assert.equal(f.trap(Denied), Denied);
    assert.throws(
      () => f.trap(NotFound),
      (e) => e === f,
    );
  });

  it("raiseException throws the original value", () => {
    const err = new NotFound();
    assert.throws(
      () => new Failure(err).raiseException(),
      (e) => e === err,
    );
  });

  it("getTraceback follows causes, bounded for cycles", () => {
    const root = new Denied("root cause");
    const f = new Failure(new NotFound("outer", { cause: root }));
    const tb = f.getTraceback();
    assert.match(tb, /outer/);
    assert.match(tb, /Caused by: .*root cause/);
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    const cyclic = new Failure(a).getTraceback();
    assert.ok(cyclic.split("Caused by").length <= 18);
  });

  it("toString names the type and message", () => {
    assert.equal(new Failure(new NotFound("x")).toString(), "[Failure NotFound: x]");
    assert.equal(new Failure("s").toString(), "[Failure string: s]");
  });

  it("never throws while describing any value", () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const f = new Failure(v);
        assert.equal(typeof f.getErrorMessage(), "string");
        assert.equal(typeof f.getTraceback(), "string");
        assert.equal(typeof f.toString(), "string");
      }),
    );
    const hostile = {
      toString() {
        throw new Error("no");
      },
    };
    assert.equal(typeof new Failure(hostile).getErrorMessage(), "string");
  });
});
