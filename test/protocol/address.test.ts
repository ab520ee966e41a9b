import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IPv4Address, IPv6Address, ipAddress, UNIXAddress } from "../../src/protocol/address.js";

describe("addresses", () => {
  it("format and compare", () => {
    const a = new IPv4Address("TCP", "127.0.0.1", 80);
    assert.equal(a.toString(), "127.0.0.1:80");
    assert.ok(a.equals(new IPv4Address("TCP", "127.0.0.1", 80)));
    assert.ok(!a.equals(new IPv4Address("UDP", "127.0.0.1", 80)));
    const b = new IPv6Address("TCP", "::1", 443);
    assert.equal(b.toString(), "[::1]:443");
    assert.ok(b.equals(new IPv6Address("TCP", "::1", 443)));
    assert.ok(!b.equals(a));
    const u = new UNIXAddress("/tmp/s");
    assert.equal(u.toString(), "/tmp/s");
    assert.equal(new UNIXAddress(null).toString(), "<unnamed>");
    assert.ok(u.equals(new UNIXAddress("/tmp/s")));
  });

  it("narrow by family", () => {
    const addrs = [
      new IPv4Address("TCP", "1.2.3.4", 1),
      new IPv6Address("UDP", "::1", 2),
      new UNIXAddress("/s"),
    ];
    const described = addrs.map((a) => {
      switch (a.family) {
        case "IPv4":
        case "IPv6":
          return `${a.type} ${a.port}`;
        default:
          return a.name;
      }
    });
    assert.deepEqual(described, ["TCP 1", "UDP 2", "/s"]);
  });

  it("ipAddress picks the family from Node's report or the host's form", () => {
    assert.ok(ipAddress("TCP", "::1", 1, "IPv6") instanceof IPv6Address);
    assert.ok(ipAddress("TCP", "::ffff:127.0.0.1", 1, 6) instanceof IPv6Address);
    assert.ok(ipAddress("TCP", "127.0.0.1", 1, "IPv4") instanceof IPv4Address);
    assert.ok(ipAddress("UDP", "fe80::1", 1) instanceof IPv6Address);
    assert.ok(ipAddress("UDP", "10.0.0.1", 1) instanceof IPv4Address);
  });
});
