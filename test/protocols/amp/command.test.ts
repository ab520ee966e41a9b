/** Tests of command declarations, at run time and at the type level (expect-type). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import type { Deferred } from "../../../src/defer/deferred.js";
import { AMP, command, Integer, optional, Unicode } from "../../../src/protocols/amp/index.js";
import { StringTransport } from "../../../src/testing/stringtransport.js";

class DivideByZero extends Error {}
const Sum = command("Sum", {
  arguments: { a: Integer, b: Integer },
  response: { total: Integer },
  errors: { ZERO_DIVISION: DivideByZero },
});
const Greet = command("Greet", { arguments: { name: Unicode, title: optional(Unicode) } });
const Ping = command("Ping");
const Notify = command("Notify", { arguments: { message: Unicode }, requiresAnswer: false });

describe("command", () => {
  it("keeps the declaration", () => {
    assert.equal(Sum.commandName, "Sum");
    assert.equal(Sum.requiresAnswer, true);
    assert.equal(Notify.requiresAnswer, false);
    assert.equal(Sum.errors.ZERO_DIVISION, DivideByZero);
    assert.deepEqual(Ping.arguments, {});
  });

  it("refuses reserved names, non-argument entries and bad error maps", () => {
    assert.throws(() => command("X", { arguments: { _ask: Integer } }), TypeError);
    assert.throws(
      () => command("X", { arguments: { a: 1 as unknown as typeof Integer } }),
      TypeError,
    );
    assert.throws(
      () => command("X", { errors: { E: "nope" as unknown as typeof DivideByZero } }),
      TypeError,
    );
    assert.throws(() => command(""), TypeError);
  });

  it("types callRemote from the declaration", () => {
    const amp = new AMP();
    amp.makeConnection(new StringTransport());
    expectTypeOf(amp.callRemote(Sum, { a: 1, b: 2 })).toEqualTypeOf<Deferred<{ total: number }>>();
    expectTypeOf(amp.callRemote(Greet, { name: "Ada" })).toEqualTypeOf<
      Deferred<Record<never, never>>
    >();
    expectTypeOf(amp.callRemote(Ping)).toEqualTypeOf<Deferred<Record<never, never>>>();
    expectTypeOf(amp.callRemote(Notify, { message: "hi" })).toEqualTypeOf<undefined>();
    if (Math.random() > 2) {
      // Type errors only; never run.
      // @ts-expect-error missing argument b
      amp.callRemote(Sum, { a: 1 });
      // @ts-expect-error extra argument c
      amp.callRemote(Sum, { a: 1, b: 2, c: 3 });
      // @ts-expect-error wrong type for a
      amp.callRemote(Sum, { a: "1", b: 2 });
      // @ts-expect-error arguments required
      amp.callRemote(Sum);
      // @ts-expect-error wrong type for the optional title
      amp.callRemote(Greet, { name: "Ada", title: 3 });
    }
  });

  it("types responders from the declaration", () => {
    const amp = new AMP();
    amp.responder(Sum, (args) => {
      expectTypeOf(args).toEqualTypeOf<{ a: number; b: number }>();
      return { total: args.a + args.b };
    });
    amp.responder(Greet, ({ title }) => {
      expectTypeOf(title).toEqualTypeOf<string | undefined>();
      return {};
    });
    amp.responder(Sum, async ({ a }) => ({ total: a }));
    if (Math.random() > 2) {
      // @ts-expect-error total must be a number
      amp.responder(Sum, () => ({ total: "3" }));
      // @ts-expect-error total is missing
      amp.responder(Sum, () => ({}));
    }
  });
});
