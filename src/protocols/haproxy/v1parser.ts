/**
 * The PROXY protocol, version 1: one text line before the proxied bytes,
 * `PROXY TCP4 <src> <dst> <sport> <dport>\r\n` (or `TCP6`, or `PROXY UNKNOWN …\r\n`), at most
 * 107 bytes with its CR LF (HAProxy's proxy-protocol.txt, §2.1).
 *
 * @module
 */

import {
  InvalidNetworkProtocol,
  InvalidProxyHeader,
  MissingAddressData,
} from "../../errors/haproxy.js";
import { IPv4Address, IPv6Address } from "../../protocol/address.js";
import { type FeedResult, isIPv4, isIPv6, type ProxyInfo, parsePort } from "./info.js";

/** The longest v1 header, CR LF included. */
export const V1_MAX_LENGTH = 107;

const PREFIX = new Uint8Array([0x50, 0x52, 0x4f, 0x58, 0x59, 0x20]); // "PROXY "
const EMPTY = new Uint8Array(0);
const latin1 = new TextDecoder("latin1");

/**
 * Parses the text of a v1 header (the whole line, CR LF included or not).
 *
 * @throws {@link InvalidProxyHeader} when it is not a PROXY line, {@link InvalidNetworkProtocol}
 *   for a protocol other than `TCP4`, `TCP6` or `UNKNOWN`, {@link MissingAddressData} for
 *   missing or malformed addresses and ports.
 *
 * @example
 * ```ts
 * const info = parseV1Header(new TextEncoder().encode("PROXY TCP4 1.2.3.4 10.0.0.1 5678 80\r\n"));
 * info.source; // IPv4Address("TCP", "1.2.3.4", 5678)
 * ```
 */
export function parseV1Header(header: Uint8Array): ProxyInfo {
  let text = latin1.decode(header);
  if (text.endsWith("\r\n")) text = text.slice(0, -2);
  if (!text.startsWith("PROXY "))
    throw new InvalidProxyHeader('A v1 PROXY header must start with "PROXY "');
  const parts = text.split(" ");
  const protocol = parts[1] ?? "";
  if (protocol === "UNKNOWN") return { header, source: null, destination: null };
  if (protocol !== "TCP4" && protocol !== "TCP6") {
    throw new InvalidNetworkProtocol(
      `Unsupported network protocol ${JSON.stringify(protocol)} in a v1 PROXY header`,
    );
  }
  if (parts.length !== 6) {
    throw new MissingAddressData(
      `A v1 ${protocol} PROXY header needs 4 address fields, got ${parts.length - 2}`,
    );
  }
  const [, , src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const valid = protocol === "TCP4" ? isIPv4 : isIPv6;
  if (!valid(src) || !valid(dst)) {
    throw new MissingAddressData(`Malformed ${protocol} address in a v1 PROXY header`);
  }
  const sourcePort = parsePort(sport);
  const destinationPort = parsePort(dport);
  if (sourcePort === null || destinationPort === null) {
    throw new MissingAddressData("Malformed port in a v1 PROXY header");
  }
  if (protocol === "TCP4") {
    return {
      header,
      source: new IPv4Address("TCP", src, sourcePort),
      destination: new IPv4Address("TCP", dst, destinationPort),
    };
  }
  return {
    header,
    source: new IPv6Address("TCP", src, sourcePort),
    destination: new IPv6Address("TCP", dst, destinationPort),
  };
}

/**
 * Collects the bytes of a v1 header as they arrive, and parses it once its CR LF is in.
 * It never holds more than {@link V1_MAX_LENGTH} bytes of an unfinished header.
 */
export class V1Parser {
  #buffer: Uint8Array = EMPTY;

  /**
   * Adds `data`; returns the header once complete (with the bytes that followed it).
   *
   * @throws {@link InvalidProxyHeader} (or a subclass, see {@link parseV1Header}) as soon as the
   *   bytes cannot start a valid header: wrong prefix, a bare LF, no CR LF within 107 bytes.
   */
  feed(data: Uint8Array): FeedResult {
    const buf = this.#buffer.length === 0 ? data : concat(this.#buffer, data);
    const checked = Math.min(buf.length, PREFIX.length);
    for (let i = 0; i < checked; i++) {
      if (buf[i] !== PREFIX[i])
        throw new InvalidProxyHeader('A v1 PROXY header must start with "PROXY "');
    }
    const limit = Math.min(buf.length, V1_MAX_LENGTH);
    let lf = -1;
    for (let i = 0; i < limit; i++) {
      if (buf[i] === 10) {
        lf = i;
        break;
      }
    }
    if (lf < 0) {
      if (buf.length >= V1_MAX_LENGTH) {
        throw new InvalidProxyHeader(`No CR LF within ${V1_MAX_LENGTH} bytes of a v1 PROXY header`);
      }
      this.#buffer = buf === data ? data.slice() : buf;
      return { info: null, remaining: EMPTY };
    }
    if (lf === 0 || buf[lf - 1] !== 13)
      throw new InvalidProxyHeader("A v1 PROXY header must end with CR LF");
    this.#buffer = EMPTY;
    return { info: parseV1Header(buf.subarray(0, lf + 1)), remaining: buf.subarray(lf + 1) };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
