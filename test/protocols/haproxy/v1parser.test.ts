import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  InvalidNetworkProtocol,
  InvalidProxyHeader,
  MissingAddressData,
} from "../../../src/errors/haproxy.js";
import { IPv4Address, IPv6Address } from "../../../src/protocol/address.js";
import { parseV1Header, V1_MAX_LENGTH, V1Parser } from "../../../src/protocols/haproxy/v1parser.js";
import { b, cat, cutAt, cutPoints, standardChunkings, t } from "../helpers.js";

/** Feeds chunks; returns the info and everything after the header. */
function feedAll(chunks: readonly Uint8Array[]) {
  const p = new V1Parser();
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

describe("parseV1Header", () => {
  it("parses TCP4 and TCP6 headers", () => {
    const v4 = parseV1Header(b("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"));
    assert.ok(v4.source?.equals(new IPv4Address("TCP", "192.0.2.1", 56324)));
    assert.ok(v4.destination?.equals(new IPv4Address("TCP", "198.51.100.2", 443)));
    const v6 = parseV1Header(b("PROXY TCP6 2001:db8::1 ::1 65535 0\r\n"));
    assert.ok(v6.source?.equals(new IPv6Address("TCP", "2001:db8::1", 65535)));
    assert.ok(v6.destination?.equals(new IPv6Address("TCP", "::1", 0)));
  });

  it("gives no addresses for UNKNOWN, whatever follows", () => {
    for (const line of ["PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"]) {
      const info = parseV1Header(b(line));
      assert.equal(info.source, null);
      assert.equal(info.destination, null);
    }
  });

  it("rejects bad headers with the right error", () => {
    const cases: [string, new (...a: never[]) => Error][] = [
      ["HELLO TCP4 1.2.3.4 1.2.3.4 1 2\r\n", InvalidProxyHeader],
      ["PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n", InvalidNetworkProtocol],
      ["PROXY \r\n", InvalidNetworkProtocol],
      ["PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n", MissingAddressData],
      ["PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n", MissingAddressData],
      ["PROXY TCP4 ::1 1.2.3.4 1 2\r\n", MissingAddressData],
      ["PROXY TCP6 1.2.3.4 ::1 1 2\r\n", MissingAddressData],
      ["PROXY TCP4 1.2.3.4 1.2.3.4 1 65536\r\n", MissingAddressData],
      ["PROXY TCP4 1.2.3.4 1.2.3.4 x 2\r\n", MissingAddressData],
    ];
    for (const [line, cls] of cases) assert.throws(() => parseV1Header(b(line)), cls, line);
  });
});

describe("V1Parser", () => {
  const header = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n";

  it("finds the header however the input is cut, and keeps what follows", () => {
    const input = b(`${header}GET / HTTP/1.0\r\n\r\n`);
    for (const chunks of standardChunkings(input)) {
      const { info, rest } = feedAll(chunks);
      assert.equal(info?.source?.toString(), "192.0.2.1:56324");
      assert.equal(t(info!.header), header);
      assert.equal(rest, "GET / HTTP/1.0\r\n\r\n");
    }
  });

  it("finds the header at random cut points (property)", () => {
    const input = b(`${header}payload`);
    fc.assert(
      fc.property(cutPoints(input.length), (points) => {
        const { info, rest } = feedAll(cutAt(input, points));
        assert.equal(info?.destination?.toString(), "198.51.100.2:443");
        assert.equal(rest, "payload");
      }),
    );
  });

  it("accepts a header of exactly 107 bytes and rejects a longer one", () => {
    const longest = `PROXY UNKNOWN ${"ffff:".repeat(7)}ffff ${"ffff:".repeat(7)}ffff 65535 65535\r\n`;
    assert.equal(longest.length, V1_MAX_LENGTH);
    assert.notEqual(new V1Parser().feed(b(longest)).info, null);
    const tooLong = b(`PROXY UNKNOWN ${"x".repeat(V1_MAX_LENGTH)}\r\n`);
    assert.throws(() => new V1Parser().feed(tooLong), InvalidProxyHeader);
    const p = new V1Parser();
    assert.throws(() => {
      for (const c of tooLong) p.feed(new Uint8Array([c]));
    }, InvalidProxyHeader);
  });

  it("fails early on a wrong prefix and on a bare LF", () => {
    assert.throws(() => new V1Parser().feed(b("PRX")), InvalidProxyHeader);
    assert.throws(() => new V1Parser().feed(b("PROXY UNKNOWN\n")), InvalidProxyHeader);
    assert.equal(new V1Parser().feed(b("PROX")).info, null);
  });

  it("throws only InvalidProxyHeader on garbage, and never buffers more than 107 bytes (property)", () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.string({ maxLength: 150 }).map((s) => b(`PROXY ${s}`)),
      fc.string({ maxLength: 150 }).map((s) => b(`PROXY TCP4 ${s}\r\n`)),
    );
    fc.assert(
      fc.property(garbage, cutPoints(300), (bytes, points) => {
        const p = new V1Parser();
        let fed = 0;
        try {
          for (const c of cutAt(bytes, points)) {
            fed += c.length;
            if (p.feed(c).info !== null) return;
          }
          assert.ok(fed < V1_MAX_LENGTH, "an unfinished header longer than the limit");
        } catch (e) {
          assert.ok(e instanceof InvalidProxyHeader, String(e));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
