/**
 * Type-level tests: the chain's type follows its callbacks. These assertions are checked by
 * `tsc --noEmit` (part of `npm test`); the runtime test only makes the file count as run.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import { Deferred, maybeDeferred, succeed } from "../../src/defer/deferred.js";
import type { Failure } from "../../src/errors/failure.js";

describe("Deferred types", () => {
  it("follow the callbacks", () => {
    const d = new Deferred<number>();
    const s = d.addCallback((n) => {
      expectTypeOf(n).toEqualTypeOf<number>();
      return `${n}`;
    });
    expectTypeOf(s).toEqualTypeOf<Deferred<string>>();

    // Deferreds and Promises returned from a callback are unwrapped.
    expectTypeOf(s.addCallback(() => succeed(true))).toEqualTypeOf<Deferred<boolean>>();
    expectTypeOf(s.addCallback(async () => 1n)).toEqualTypeOf<Deferred<bigint>>();

    // A returned Failure is not a value.
    const maybe = s.addCallback((v) => (v ? v.length : (null as unknown as Failure)));
    expectTypeOf(maybe).toEqualTypeOf<Deferred<number>>();

    // Errbacks widen the type with what they recover with.
    expectTypeOf(s.addErrback(() => 0)).toEqualTypeOf<Deferred<string | number>>();
    expectTypeOf(s.addErrback((f) => f.trap(Error))).toEqualTypeOf<
      Deferred<string | ErrorConstructor>
    >();
    expectTypeOf(
      s.addCallbacks(
        (v) => v.length,
        () => "fallback",
      ),
    ).toEqualTypeOf<Deferred<number | string>>();
    expectTypeOf(s.addBoth((r) => r)).toEqualTypeOf<Deferred<string>>();

    // Extra arguments are checked.
    s.addCallback((v, n: number) => v.repeat(n), 3);
    // @ts-expect-error wrong extra argument type
    s.addCallback((v, n: number) => v.repeat(n), "3");

    // Awaiting gives the value type.
    const awaited = async () => await s;
    expectTypeOf(awaited).returns.toEqualTypeOf<Promise<string>>();

    expectTypeOf(maybeDeferred((a: number) => `${a}`, 1)).toEqualTypeOf<Deferred<string>>();
    expectTypeOf(maybeDeferred(async () => 1)).toEqualTypeOf<Deferred<number>>();
    expectTypeOf(maybeDeferred(() => succeed("x"))).toEqualTypeOf<Deferred<string>>();

    // A Deferred of something is a Deferred of unknown (covariant use), e.g. in lists.
    expectTypeOf<Deferred<number>>().toExtend<Deferred<unknown>>();
    const list: Deferred<unknown>[] = [d, s];
    assert.equal(list.length, 2);

    // callback() only takes the declared type.
    // @ts-expect-error wrong result type
    d.callback("not a number");
    assert.ok(true);
  });
});
