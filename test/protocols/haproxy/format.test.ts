/**
 * Writing PROXY headers: the exact v1 lines and v2 bytes of the specification's layouts, and
 * (property tests) every header written reads back through Braid's parsers as the addresses it
 * was written from.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { IPv4Address, IPv6Address, UNIXAddress } from "../../../src/protocol/address.js";
import { formatV1Header, formatV2Header } from "../../../src/protocols/haproxy/format.js";
import { formatIPv6 } from "../../../src/protocols/haproxy/info.js";
import { parseV1Header } from "../../../src/protocols/haproxy/v1parser.js";
import { parseV2Header, V2_SIGNATURE } from "../../../src/protocols/haproxy/v2parser.js";
import { ipv4Block, ipv6Block, unixBlock, v2Header } from "./helpers.js";

const text = (u: Uint8Array) => Buffer.from(u).toString("latin1");
const tcp4 = (host: string, port: number) => new IPv4Address("TCP", host, port);
const tcp6 = (host: string, port: number) => new IPv6Address("TCP", host, port);

const port = fc.integer({ min: 0, max: 65535 });
const ipv4 = fc.tuple(...Array.from({ length: 4 }, () => fc.integer({ min: 0, max: 255 })));
/** IPv6 text as Braid's parser writes it (RFC 5952), from 16 random bytes. */
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIPv6(b, 0));

describe("formatV1Header", () => {
  it("writes TCP4 and TCP6 lines", () => {
    assert.equal(
      text(formatV1Header(tcp4("192.0.2.1", 56324), tcp4("10.0.0.1", 443))),
      "PROXY TCP4 192.0.2.1 10.0.0.1 56324 443\r\n",
    );
    assert.equal(
      text(formatV1Header(tcp6("2001:db8::1", 1), tcp6("::1", 2))),
      "PROXY TCP6 2001:db8::1 ::1 1 2\r\n",
    );
  });

  it("writes UNKNOWN without both addresses, or for UNIX sockets", () => {
    assert.equal(text(formatV1Header(null, tcp4("10.0.0.1", 1))), "PROXY UNKNOWN\r\n");
    assert.equal(
      text(formatV1Header(new UNIXAddress("/a"), new UNIXAddress("/b"))),
      "PROXY UNKNOWN\r\n",
    );
  });

  it("puts mixed families in one: unmapped to IPv4 when both can be, else mapped to IPv6", () => {
    assert.equal(
      text(formatV1Header(tcp6("::ffff:192.0.2.1", 5), tcp4("10.0.0.1", 6))),
      "PROXY TCP4 192.0.2.1 10.0.0.1 5 6\r\n",
    );
    assert.equal(
      text(formatV1Header(tcp4("192.0.2.1", 5), tcp6("2001:db8::2", 6))),
      "PROXY TCP6 ::ffff:192.0.2.1 2001:db8::2 5 6\r\n",
    );
  });

  it("drops an IPv6 zone, which a header cannot carry", () => {
    assert.equal(
      text(formatV1Header(tcp6("fe80::1%eth0", 5), tcp6("fe80::2", 6))),
      "PROXY TCP6 fe80::1 fe80::2 5 6\r\n",
    );
  });

  it("refuses UDP, bad hosts and bad ports", () => {
    const udp = new IPv4Address("UDP", "10.0.0.1", 53);
    assert.throws(() => formatV1Header(udp, udp), /TCP connections only/);
    assert.throws(() => formatV1Header(tcp4("10.0.0.256", 1), tcp4("10.0.0.1", 1)), RangeError);
    assert.throws(() => formatV1Header(tcp4("10.0.0.1", 1), tcp6("2001:db8:::1", 1)), RangeError);
    assert.throws(() => formatV1Header(tcp4("10.0.0.1", 65536), tcp4("10.0.0.1", 1)), RangeError);
    assert.throws(() => formatV1Header(tcp4("10.0.0.1", 1.5), tcp4("10.0.0.1", 1)), RangeError);
  });

  it("reads back as the addresses it was written from (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(ipv4, ipv4).map(([a, b]) => ["IPv4", a.join("."), b.join(".")] as const),
          fc.tuple(ipv6, ipv6).map(([a, b]) => ["IPv6", a, b] as const),
        ),
        port,
        port,
        ([family, s, d], sp, dp) => {
          const make = family === "IPv4" ? tcp4 : tcp6;
          const header = formatV1Header(make(s, sp), make(d, dp));
          if (family === "IPv6" && (s.startsWith("::ffff:") || d.startsWith("::ffff:"))) {
            // Mapped addresses may be written unmapped; the parser must still accept the line.
            parseV1Header(header);
            return;
          }
          const info = parseV1Header(header);
          assert.deepEqual(info.source, make(s, sp));
          assert.deepEqual(info.destination, make(d, dp));
        },
      ),
    );
  });
});

describe("formatV2Header", () => {
  it("writes the specification's layouts, byte for byte", () => {
    const same = (u: Uint8Array, v: Uint8Array) => assert.ok(Buffer.from(u).equals(v));
    same(
      formatV2Header(tcp4("192.0.2.1", 56324), tcp4("10.0.0.1", 8080)),
      v2Header({
        family: 1,
        protocol: 1,
        addresses: ipv4Block([192, 0, 2, 1], [10, 0, 0, 1], 56324, 8080),
      }),
    );
    const loopback = [...new Array<number>(15).fill(0), 1];
    const doc = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 7];
    same(
      formatV2Header(
        new IPv6Address("UDP", "2001:db8::7", 53),
        new IPv6Address("UDP", "::1", 5353),
      ),
      v2Header({ family: 2, protocol: 2, addresses: ipv6Block(doc, loopback, 53, 5353) }),
    );
    same(
      formatV2Header(new UNIXAddress("/run/client"), new UNIXAddress("/run/server")),
      v2Header({ family: 3, protocol: 1, addresses: unixBlock("/run/client", "/run/server") }),
    );
  });

  it("writes a LOCAL header without both addresses", () => {
    const h = formatV2Header(null, null);
    assert.equal(h.length, 16);
    assert.ok(Buffer.from(h.subarray(0, 12)).equals(V2_SIGNATURE));
    assert.deepEqual([...h.subarray(12)], [0x20, 0x00, 0x00, 0x00]);
    const info = parseV2Header(h);
    assert.equal(info.source, null);
    assert.equal(info.destination, null);
  });

  it("refuses mixed kinds and overlong socket paths", () => {
    assert.throws(() => formatV2Header(new UNIXAddress("/a"), tcp4("10.0.0.1", 1)), /UNIX socket/);
    assert.throws(
      () => formatV2Header(tcp4("10.0.0.1", 1), new IPv4Address("UDP", "10.0.0.1", 1)),
      /TCP address with a UDP/,
    );
    assert.throws(
      () => formatV2Header(new UNIXAddress("x".repeat(109)), new UNIXAddress("/b")),
      /at most 108 bytes/,
    );
  });

  it("writes IPv6 forms with an embedded dotted quad", () => {
    for (const [host, expect] of [
      ["::1.2.3.4", "::102:304"],
      ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
      ["1:2:3:4:5:6:7.8.9.10", "1:2:3:4:5:6:708:90a"],
      ["::ffff:1.2.3.4", "::ffff:1.2.3.4"],
    ] as const) {
      const info = parseV2Header(formatV2Header(tcp6(host, 1), tcp6("2001:db8::1", 2)));
      assert.equal((info.source as IPv6Address).host, expect, host);
    }
  });

  it("reads back as the addresses it was written from (property)", () => {
    const ip = fc.oneof(
      fc.tuple(ipv4, ipv4).map(([a, b]) => ["IPv4", a.join("."), b.join(".")] as const),
      fc
        .tuple(ipv6, ipv6)
        // Mapped IPv4 pairs are written as IPv4: tested above.
        .filter(([a, b]) => !(a.startsWith("::ffff:") && b.startsWith("::ffff:")))
        .map(([a, b]) => ["IPv6", a, b] as const),
    );
    fc.assert(
      fc.property(ip, port, port, fc.constantFrom("TCP", "UDP"), ([family, s, d], sp, dp, type) => {
        const make = (host: string, p: number) =>
          family === "IPv4" ? new IPv4Address(type, host, p) : new IPv6Address(type, host, p);
        const info = parseV2Header(formatV2Header(make(s, sp), make(d, dp)));
        assert.deepEqual(info.source, make(s, sp));
        assert.deepEqual(info.destination, make(d, dp));
      }),
    );
    const path = fc.string({ minLength: 1, maxLength: 108 }).filter((p) => !p.includes("\0"));
    fc.assert(
      fc.property(path, path, (s, d) => {
        const latin = (p: string) => Buffer.from(p, "latin1").toString("latin1");
        const info = parseV2Header(formatV2Header(new UNIXAddress(s), new UNIXAddress(d)));
        assert.deepEqual(info.source, new UNIXAddress(latin(s)));
        assert.deepEqual(info.destination, new UNIXAddress(latin(d)));
      }),
    );
  });
});
