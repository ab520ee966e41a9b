import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  InvalidNetworkProtocol,
  InvalidProxyHeader,
  MissingAddressData,
} from "../../../src/errors/haproxy.js";
import { IPv4Address, IPv6Address, UNIXAddress } from "../../../src/protocol/address.js";
import { parseV2Header, V2_SIGNATURE, V2Parser } from "../../../src/protocols/haproxy/v2parser.js";
import { b, cat, cutAt, cutPoints, standardChunkings, t } from "../helpers.js";
import { ipv4Block, ipv6Block, unixBlock, v2Header } from "./helpers.js";

const v4 = v2Header({
  family: 1,
  protocol: 1,
  addresses: ipv4Block([192, 0, 2, 1], [10, 0, 0, 1], 56324, 8080),
});

function feedAll(chunks: readonly Uint8Array[]) {
  const p = new V2Parser();
  let info = null;
  const rest: Uint8Array[] = [];
  for (const c of chunks) {
    if (info !== null) {
      rest.push(c);
      continue;
    }
    const r = p.feed(c);
    info = r.info;
    rest.push(r.remaining);
  }
  return { info, rest: t(cat(...rest)) };
}

describe("parseV2Header", () => {
  it("parses IPv4 over TCP and UDP", () => {
    const info = parseV2Header(v4);
    assert.ok(info.source?.equals(new IPv4Address("TCP", "192.0.2.1", 56324)));
    assert.ok(info.destination?.equals(new IPv4Address("TCP", "10.0.0.1", 8080)));
    const udp = parseV2Header(
      v2Header({ family: 1, protocol: 2, addresses: ipv4Block([1, 2, 3, 4], [5, 6, 7, 8], 1, 2) }),
    );
    assert.ok(udp.source?.equals(new IPv4Address("UDP", "1.2.3.4", 1)));
  });

  it("parses IPv6 and UNIX addresses", () => {
    const one = [...new Array(15).fill(0), 1];
    const doc = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 2];
    const info = parseV2Header(
      v2Header({ family: 2, protocol: 1, addresses: ipv6Block(doc, one, 443, 80) }),
    );
    assert.ok(info.source?.equals(new IPv6Address("TCP", "2001:db8::2", 443)));
    assert.ok(info.destination?.equals(new IPv6Address("TCP", "::1", 80)));
    const unix = parseV2Header(
      v2Header({ family: 3, protocol: 1, addresses: unixBlock("/tmp/a", "") }),
    );
    assert.ok(unix.source?.equals(new UNIXAddress("/tmp/a")));
    assert.ok(unix.destination?.equals(new UNIXAddress(null)));
  });

  it("skips TLVs after the addresses", () => {
    const tlvs = new Uint8Array([0x01, 0x00, 0x02, 0x68, 0x32, 0x04, 0x00, 0x00]);
    const info = parseV2Header(
      v2Header({
        family: 1,
        protocol: 1,
        addresses: ipv4Block([1, 1, 1, 1], [2, 2, 2, 2], 3, 4),
        tlvs,
      }),
    );
    assert.equal(info.source?.toString(), "1.1.1.1:3");
  });

  it("gives no addresses for LOCAL, UNSPEC family or UNSPEC protocol", () => {
    for (const h of [
      v2Header({
        command: 0,
        family: 1,
        protocol: 1,
        addresses: ipv4Block([1, 1, 1, 1], [2, 2, 2, 2], 3, 4),
      }),
      v2Header({ command: 0, family: 0, protocol: 0 }),
      v2Header({ family: 0, protocol: 0 }),
      v2Header({ family: 1, protocol: 0, addresses: new Uint8Array(5) }),
    ]) {
      const info = parseV2Header(h);
      assert.equal(info.source, null);
      assert.equal(info.destination, null);
    }
  });

  it("rejects bad headers with the right error", () => {
    const cases: [Uint8Array, new (...a: never[]) => Error][] = [
      [v2Header({ version: 1, family: 1, protocol: 1 }), InvalidProxyHeader],
      [v2Header({ command: 2, family: 1, protocol: 1 }), InvalidProxyHeader],
      [v2Header({ family: 4, protocol: 1 }), InvalidNetworkProtocol],
      [v2Header({ family: 1, protocol: 3 }), InvalidNetworkProtocol],
      [v2Header({ family: 1, protocol: 1, addresses: new Uint8Array(11) }), MissingAddressData],
      [v2Header({ family: 2, protocol: 1, addresses: new Uint8Array(35) }), MissingAddressData],
      [v2Header({ family: 3, protocol: 1, addresses: new Uint8Array(215) }), MissingAddressData],
      [
        v2Header({ family: 1, protocol: 1, addresses: new Uint8Array(12), length: 20 }),
        InvalidProxyHeader,
      ],
      [cat(b("\r\n\r\n\0\r\nQUIX\n"), v4.subarray(12)), InvalidProxyHeader],
      [v4.subarray(0, 10), InvalidProxyHeader],
    ];
    for (const [header, cls] of cases) assert.throws(() => parseV2Header(header), cls);
  });
});

describe("V2Parser", () => {
  it("finds the header however the input is cut, and keeps what follows", () => {
    const input = cat(v4, b("hello"));
    for (const chunks of standardChunkings(input)) {
      const { info, rest } = feedAll(chunks);
      assert.equal(info?.source?.toString(), "192.0.2.1:56324");
      assert.equal(rest, "hello");
    }
  });

  it("finds the header at random cut points, with TLVs (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (tlvs, payloadLength, points) => {
          const header = v2Header({
            family: 1,
            protocol: 1,
            addresses: ipv4Block([9, 8, 7, 6], [5, 4, 3, 2], 1, 65535),
            tlvs,
          });
          const payload = new Uint8Array(payloadLength).fill(0x61);
          const input = cat(header, payload);
          const { info, rest } = feedAll(
            cutAt(
              input,
              points.map((p) => p % (input.length + 1)),
            ),
          );
          assert.equal(info?.destination?.toString(), "5.4.3.2:65535");
          assert.equal(info?.header.length, header.length);
          assert.equal(rest.length, payloadLength);
        },
      ),
    );
  });

  it("checks the signature byte by byte and the fixed part before the body arrives", () => {
    const p = new V2Parser();
    assert.equal(p.feed(V2_SIGNATURE.subarray(0, 5)).info, null);
    assert.throws(() => p.feed(b("x")), InvalidProxyHeader);
    const q = new V2Parser();
    const bad = v2Header({ family: 5, protocol: 1, length: 1000 });
    assert.throws(() => q.feed(bad.subarray(0, 16)), InvalidNetworkProtocol);
  });

  it("accepts the largest announced length (65535 bytes of TLVs and addresses)", () => {
    const header = v2Header({
      family: 1,
      protocol: 1,
      addresses: ipv4Block([1, 1, 1, 1], [2, 2, 2, 2], 3, 4),
      tlvs: new Uint8Array(65535 - 12),
    });
    assert.equal(header.length, 16 + 65535);
    const { info } = feedAll([header.subarray(0, 1000), header.subarray(1000)]);
    assert.equal(info?.source?.toString(), "1.1.1.1:3");
  });

  it("throws only InvalidProxyHeader on garbage (property)", () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.uint8Array({ maxLength: 400 }).map((x) => cat(V2_SIGNATURE, x)),
      fc
        .tuple(fc.nat(255), fc.nat(255), fc.uint8Array({ maxLength: 300 }))
        .map(([vc, fp, rest]) =>
          cat(V2_SIGNATURE, new Uint8Array([vc, fp, rest.length >> 8, rest.length & 0xff]), rest),
        ),
    );
    fc.assert(
      fc.property(garbage, cutPoints(400), (bytes, points) => {
        const p = new V2Parser();
        try {
          for (const c of cutAt(bytes, points)) if (p.feed(c).info !== null) return;
        } catch (e) {
          assert.ok(e instanceof InvalidProxyHeader, String(e));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
