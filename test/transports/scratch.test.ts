/**
 * The shared scratch write buffer: one holder at a time, the same memory again after a release,
 * and fresh memory once a holder's socket kept the bytes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  holdsScratch,
  releaseScratch,
  SCRATCH_SIZE,
  takeScratch,
} from "../../src/transports/scratch.js";

describe("scratch write buffer", () => {
  it("has one holder at a time", () => {
    const a = {};
    const b = {};
    const buf = takeScratch(a);
    assert.ok(buf !== null && buf.length === SCRATCH_SIZE);
    assert.ok(holdsScratch(a));
    assert.equal(takeScratch(b), null, "held by another");
    assert.ok(!holdsScratch(b));
    releaseScratch(b, true); // not the holder: no effect
    assert.ok(holdsScratch(a));
    releaseScratch(a, false);
    assert.ok(!holdsScratch(a));
  });

  it("lends the same memory again after a release, and new memory once it was kept", () => {
    const a = {};
    const first = takeScratch(a);
    releaseScratch(a, false);
    const again = takeScratch(a);
    assert.equal(again, first, "reused");
    releaseScratch(a, true); // a socket kept it
    const fresh = takeScratch(a);
    assert.ok(fresh !== null && fresh !== first, "given away: a new buffer");
    assert.notEqual(fresh.buffer, first?.buffer);
    releaseScratch(a, false);
  });
});
