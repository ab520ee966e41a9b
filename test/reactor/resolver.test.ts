/**
 * Tests of `SystemResolver`: IP literals, the system lookup of "localhost", failures and
 * timeouts (with a fake lookup and a `Clock`), and cancellation.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CancelledError, DNSLookupError, TimeoutError } from "../../src/errors/errors.js";
import type { Failure } from "../../src/errors/failure.js";
import type { IResolver, ResolvedAddress } from "../../src/reactor/interfaces.js";
import { type LookupFunction, SystemResolver } from "../../src/reactor/resolver.js";
import { Clock } from "../../src/time/clock.js";
import { ReactorTime } from "../../src/time/reactortime.js";

/** A lookup whose answers the test gives by hand. */
function manualLookup(): {
  lookup: LookupFunction;
  calls: string[];
  answer(addresses: Array<{ address: string; family: number }>): void;
  refuse(error: Error): void;
} {
  const calls: string[] = [];
  let resolve: (v: Array<{ address: string; family: number }>) => void = () => {};
  let reject: (e: Error) => void = () => {};
  return {
    calls,
    lookup(name) {
      calls.push(name);
      return new Promise((res, rej) => {
        resolve = res;
        reject = rej;
      });
    },
    answer: (addresses) => resolve(addresses),
    refuse: (error) => reject(error),
  };
}

/** Waits for the promise callbacks of the fake lookup to run. */
function settle(): Promise<void> {
  return new Promise<void>((resolve) => queueMicrotask(() => resolve()));
}

/** A test double, as the brief asks: an in-memory resolver with a fixed table. */
class StaticResolver implements IResolver {
  constructor(private readonly table: Record<string, ResolvedAddress[]>) {}
  resolveHostName(name: string) {
    return new SystemResolver(new Clock(), async (n) => this.table[n] ?? []).resolveHostName(name);
  }
  getHostByName(name: string) {
    return new SystemResolver(new Clock(), async (n) => this.table[n] ?? []).getHostByName(name);
  }
}

describe("SystemResolver", () => {
  it("resolves IP literals at once, without a lookup", () => {
    const fake = manualLookup();
    const resolver = new SystemResolver(new Clock(), fake.lookup);
    let v4: ResolvedAddress[] | undefined;
    let v6: string | undefined;
    resolver.resolveHostName("192.0.2.7").addCallback((r) => {
      v4 = r;
    });
    resolver.getHostByName("::1").addCallback((r) => {
      v6 = r;
    });
    assert.deepEqual(v4, [{ address: "192.0.2.7", family: 4 }]);
    assert.equal(v6, "::1");
    assert.deepEqual(fake.calls, []);
  });

  it("resolves localhost with the system resolver", async () => {
    const time = new ReactorTime();
    const resolver = new SystemResolver(time);
    const all = await resolver.resolveHostName("localhost", 10);
    assert.ok(all.length > 0);
    for (const a of all) assert.ok(a.family === 4 || a.family === 6);
    assert.ok(all.some((a) => a.address === "127.0.0.1" || a.address === "::1"));
    const first = await resolver.getHostByName("localhost", 10);
    assert.equal(first, all[0]!.address);
    assert.equal(time.getDelayedCalls().length, 0, "the timeout was cancelled");
  });

  it("keeps the lookup's order and families, first address for getHostByName", async () => {
    const fake = manualLookup();
    const resolver = new SystemResolver(new Clock(), fake.lookup);
    const d = resolver.getHostByName("example.test");
    fake.answer([
      { address: "2001:db8::1", family: 6 },
      { address: "192.0.2.1", family: 4 },
    ]);
    assert.equal(await d, "2001:db8::1");
    assert.deepEqual(fake.calls, ["example.test"]);
  });

  it("fails with DNSLookupError whose cause is the system error", async () => {
    const fake = manualLookup();
    const resolver = new SystemResolver(new Clock(), fake.lookup);
    const d = resolver.resolveHostName("nowhere.test");
    const system = Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.test"), {
      code: "ENOTFOUND",
    });
    fake.refuse(system);
    await assert.rejects(Promise.resolve(d), (e: unknown) => {
      assert.ok(e instanceof DNSLookupError);
      assert.equal(e.cause, system);
      assert.match(e.message, /nowhere\.test/);
      return true;
    });
  });

  it("fails with DNSLookupError when the lookup finds no address", async () => {
    const fake = manualLookup();
    const resolver = new SystemResolver(new Clock(), fake.lookup);
    const d = resolver.getHostByName("empty.test");
    fake.answer([]);
    await assert.rejects(Promise.resolve(d), DNSLookupError);
  });

  it("fails a real lookup of an .invalid name with DNSLookupError", async () => {
    const resolver = new SystemResolver(new ReactorTime());
    await assert.rejects(
      Promise.resolve(resolver.getHostByName("no-such-host.invalid", 10)),
      DNSLookupError,
    );
  });

  it("times out with a TimeoutError-caused DNSLookupError, ignoring a late answer", async () => {
    const clock = new Clock();
    const fake = manualLookup();
    const resolver = new SystemResolver(clock, fake.lookup);
    const got: { failure?: Failure } = {};
    resolver.resolveHostName("slow.test", 5).addErrback((f) => {
      got.failure = f;
    });
    clock.advance(4.9);
    assert.equal(got.failure === undefined, true);
    clock.advance(0.1);
    const error = got.failure?.value;
    assert.ok(error instanceof DNSLookupError);
    assert.ok(error.cause instanceof TimeoutError);
    fake.answer([{ address: "192.0.2.1", family: 4 }]);
    await settle();
  });

  it("uses 60 seconds by default and Infinity for no timeout", () => {
    const clock = new Clock();
    const fake = manualLookup();
    const resolver = new SystemResolver(clock, fake.lookup);
    resolver.getHostByName("a.test").addErrback(() => {});
    assert.equal(clock.getDelayedCalls()[0]?.getTime(), 60);
    const d = resolver.getHostByName("b.test", Number.POSITIVE_INFINITY);
    assert.equal(clock.getDelayedCalls().length, 1);
    d.addErrback(() => {});
    d.cancel();
    assert.throws(() => resolver.getHostByName("c.test", -1), RangeError);
  });

  it("stops waiting when cancelled: CancelledError, timeout gone, late answer ignored", async () => {
    const clock = new Clock();
    const fake = manualLookup();
    const resolver = new SystemResolver(clock, fake.lookup);
    let failure = undefined as Failure | undefined;
    const d = resolver.getHostByName("cancel.test", 5);
    d.addErrback((f) => {
      failure = f;
    });
    d.cancel();
    assert.ok(failure?.value instanceof CancelledError);
    assert.equal(clock.getDelayedCalls().length, 0);
    fake.answer([{ address: "192.0.2.1", family: 4 }]);
    await settle();
  });

  it("turns a lookup that throws into DNSLookupError", async () => {
    const resolver = new SystemResolver(new Clock(), () => {
      throw new TypeError("bad name");
    });
    await assert.rejects(Promise.resolve(resolver.getHostByName("x")), DNSLookupError);
  });

  it("serves a test double built on a fixed table", async () => {
    const resolver = new StaticResolver({ "db.test": [{ address: "192.0.2.9", family: 4 }] });
    assert.equal(await resolver.getHostByName("db.test"), "192.0.2.9");
    await assert.rejects(Promise.resolve(resolver.getHostByName("other.test")), DNSLookupError);
  });
});
