import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ServerSupportedFeatures } from "../../../src/protocols/irc/support.js";

describe("ServerSupportedFeatures", () => {
  it("records, reads and removes features", () => {
    const s = new ServerSupportedFeatures();
    s.parse(["NICKLEN=30", "SAFELIST", "chantypes=#&", "BAD=x", ""]);
    assert.equal(s.getInt("NICKLEN", 9), 30);
    assert.equal(s.getInt("BAD", 9), 9);
    assert.equal(s.getInt("MISSING", 9), 9);
    assert.equal(s.getFeature("SAFELIST"), "");
    assert.equal(s.getFeature("CHANTYPES"), "#&");
    assert.equal(s.getFeature("NONE", "dflt"), "dflt");
    s.parse(["-SAFELIST"]);
    assert.equal(s.has("safelist"), false);
  });
});
