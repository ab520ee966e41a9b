import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  numericToSymbolic,
  symbolicName,
  symbolicToNumeric,
} from "../../../src/protocols/irc/numerics.js";

describe("numerics", () => {
  it("maps both ways", () => {
    assert.equal(symbolicToNumeric.RPL_WELCOME, "001");
    assert.equal(numericToSymbolic["433"], "ERR_NICKNAMEINUSE");
    for (const [name, num] of Object.entries(symbolicToNumeric)) {
      assert.match(num, /^\d{3}$/);
      assert.equal(numericToSymbolic[num], name);
    }
  });

  it("names known numerics and leaves the rest alone", () => {
    assert.equal(symbolicName("001"), "RPL_WELCOME");
    assert.equal(symbolicName("999"), "999");
    assert.equal(symbolicName("PRIVMSG"), "PRIVMSG");
    assert.equal(symbolicName("constructor"), "constructor");
  });
});
