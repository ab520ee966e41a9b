import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  formatIPv4,
  formatIPv6,
  isIPv4,
  isIPv6,
  parsePort,
} from "../../../src/protocols/haproxy/info.js";

describe("address helpers", () => {
  it("checks IPv4 text", () => {
    for (const ok of ["0.0.0.0", "127.0.0.1", "255.255.255.255", "10.20.30.40"]) {
      assert.ok(isIPv4(ok), ok);
    }
    for (const bad of [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.1.1.1",
      "a.b.c.d",
      "1..2.3",
      " 1.2.3.4",
    ]) {
      assert.ok(!isIPv4(bad), bad);
    }
  });

  it("checks IPv6 text", () => {
    for (const ok of [
      "::",
      "::1",
      "fe80::1",
      "2001:db8::8:800:200c:417a",
      "::ffff:1.2.3.4",
      "1:2:3:4:5:6:7:8",
      "1:2:3:4:5:6:1.2.3.4",
      "1::",
    ]) {
      assert.ok(isIPv6(ok), ok);
    }
    for (const bad of [
      "",
      ":",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::",
      "g::1",
      "1:2:3:4:5:6:7:1.2.3.4",
      "::1.2.3",
      "1.2.3.4",
    ]) {
      assert.ok(!isIPv6(bad), bad);
    }
  });

  it("agrees with node:net on IP-like strings (property)", () => {
    const ipLike = fc.string({
      unit: fc.constantFrom(..."0123456789abcdefABCDEF:."),
      maxLength: 45,
    });
    fc.assert(
      fc.property(ipLike, (s) => {
        assert.equal(isIPv4(s), net.isIPv4(s), `IPv4 ${s}`);
        assert.equal(isIPv6(s), net.isIPv6(s), `IPv6 ${s}`);
      }),
      { numRuns: 5000 },
    );
  });

  it("formats IPv4 and IPv6 bytes", () => {
    assert.equal(formatIPv4(new Uint8Array([0, 1, 2, 3, 4]), 1), "1.2.3.4");
    const v6 = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));
    assert.equal(formatIPv6(v6("00000000000000000000000000000001"), 0), "::1");
    assert.equal(formatIPv6(v6("00000000000000000000000000000000"), 0), "::");
    assert.equal(formatIPv6(v6("20010db8000000000001000000000001"), 0), "2001:db8::1:0:0:1");
    assert.equal(formatIPv6(v6("20010db8000100010001000100010001"), 0), "2001:db8:1:1:1:1:1:1");
    assert.equal(formatIPv6(v6("00000000000000000000ffff7f000001"), 0), "::ffff:127.0.0.1");
  });

  it("formats every 16 bytes as valid IPv6 text that names the same address (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatIPv6(bytes, 0);
        assert.ok(isIPv6(text) && net.isIPv6(text), text);
        const sock = new net.SocketAddress({ address: text, family: "ipv6" });
        assert.equal(sock.address, text);
      }),
      { numRuns: 500 },
    );
  });

  it("parses ports", () => {
    assert.equal(parsePort("0"), 0);
    assert.equal(parsePort("65535"), 65535);
    for (const bad of ["65536", "-1", "", "1e3", "123456", " 80"])
      assert.equal(parsePort(bad), null, bad);
  });
});
