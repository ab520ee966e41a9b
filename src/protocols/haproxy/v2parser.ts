/**
 * The PROXY protocol, version 2: a binary header before the proxied bytes (HAProxy's
 * proxy-protocol.txt, §2.2): a 12-byte signature, version and command, address family and
 * transport protocol, the length of what follows, the addresses, then TLVs (skipped here).
 *
 * @module
 */

import {
  InvalidNetworkProtocol,
  InvalidProxyHeader,
  MissingAddressData,
} from "../../errors/haproxy.js";
import {
  type Address,
  type IPAddressType,
  IPv4Address,
  IPv6Address,
  UNIXAddress,
} from "../../protocol/address.js";
import { type FeedResult, formatIPv4, formatIPv6, type ProxyInfo } from "./info.js";

/** The 12 bytes every v2 header starts with: `\r\n\r\n\0\r\nQUIT\n`. */
export const V2_SIGNATURE: Uint8Array = new Uint8Array([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);

/** The fixed part of a v2 header: signature, version/command, family/protocol, length. */
export const V2_FIXED_LENGTH = 16;

const EMPTY = new Uint8Array(0);
const latin1 = new TextDecoder("latin1");

/** Checks the fixed part and returns the length of the whole header. */
function checkFixed(fixed: Uint8Array): number {
  const version = fixed[12]! >> 4;
  const command = fixed[12]! & 0x0f;
  if (version !== 2) throw new InvalidProxyHeader(`Unsupported PROXY header version ${version}`);
  if (command > 1) throw new InvalidProxyHeader(`Unknown v2 PROXY command ${command}`);
  const family = fixed[13]! >> 4;
  const protocol = fixed[13]! & 0x0f;
  if (family > 3)
    throw new InvalidNetworkProtocol(`Unknown address family ${family} in a v2 PROXY header`);
  if (protocol > 2)
    throw new InvalidNetworkProtocol(`Unknown transport protocol ${protocol} in a v2 PROXY header`);
  return V2_FIXED_LENGTH + ((fixed[14]! << 8) | fixed[15]!);
}

/**
 * Parses a complete v2 header. A `LOCAL` command (health checks from the proxy itself), the
 * `UNSPEC` family or the `UNSPEC` protocol give `null` addresses: the connection is used as is.
 *
 * @throws {@link InvalidProxyHeader} for a bad signature, version or command or a wrong length,
 *   {@link InvalidNetworkProtocol} for an unknown family or protocol, {@link MissingAddressData}
 *   when the address block is too short.
 *
 * @example
 * ```ts
 * const info = parseV2Header(header);
 * if (info.source?.family === "IPv4") console.log(info.source.host, info.source.port);
 * ```
 */
export function parseV2Header(header: Uint8Array): ProxyInfo {
  if (header.length < V2_FIXED_LENGTH)
    throw new InvalidProxyHeader("A v2 PROXY header is at least 16 bytes");
  for (let i = 0; i < V2_SIGNATURE.length; i++) {
    if (header[i] !== V2_SIGNATURE[i])
      throw new InvalidProxyHeader("Bad v2 PROXY header signature");
  }
  const total = checkFixed(header);
  if (header.length !== total) {
    throw new InvalidProxyHeader(
      `A v2 PROXY header announcing ${total} bytes has ${header.length}`,
    );
  }
  const command = header[12]! & 0x0f;
  const family = header[13]! >> 4;
  const protocol = header[13]! & 0x0f;
  const none = { header, source: null, destination: null };
  if (command === 0 || family === 0 || protocol === 0) return none;
  const body = V2_FIXED_LENGTH;
  const size = total - body;
  const type: IPAddressType = protocol === 1 ? "TCP" : "UDP";
  const need = family === 1 ? 12 : family === 2 ? 36 : 216;
  if (size < need) {
    throw new MissingAddressData(`A v2 PROXY header needs ${need} bytes of addresses, has ${size}`);
  }
  const port = (at: number) => (header[at]! << 8) | header[at + 1]!;
  let source: Address;
  let destination: Address;
  if (family === 1) {
    source = new IPv4Address(type, formatIPv4(header, body), port(body + 8));
    destination = new IPv4Address(type, formatIPv4(header, body + 4), port(body + 10));
  } else if (family === 2) {
    source = new IPv6Address(type, formatIPv6(header, body), port(body + 32));
    destination = new IPv6Address(type, formatIPv6(header, body + 16), port(body + 34));
  } else {
    source = new UNIXAddress(unixPath(header, body));
    destination = new UNIXAddress(unixPath(header, body + 108));
  }
  return { header, source, destination };
}

/** A 108-byte, NUL-padded socket path; `null` when empty. */
function unixPath(bytes: Uint8Array, offset: number): string | null {
  let end = offset;
  while (end < offset + 108 && bytes[end] !== 0) end++;
  return end === offset ? null : latin1.decode(bytes.subarray(offset, end));
}

/**
 * Collects the bytes of a v2 header as they arrive (into one buffer of the announced size, so a
 * header sent byte by byte costs no repeated copying) and parses it once complete. The fixed
 * part is checked as soon as it is in, before waiting for the rest.
 */
export class V2Parser {
  #fixed = new Uint8Array(V2_FIXED_LENGTH);
  #fixedLength = 0;
  #header: Uint8Array | null = null;
  #headerLength = 0;

  /**
   * Adds `data`; returns the header once complete (with the bytes that followed it).
   *
   * @throws {@link InvalidProxyHeader} (or a subclass) as soon as the bytes cannot start a
   *   valid header.
   */
  feed(data: Uint8Array): FeedResult {
    let at = 0;
    if (this.#header === null) {
      const n = Math.min(V2_FIXED_LENGTH - this.#fixedLength, data.length);
      for (let i = 0; i < n; i++) {
        const pos = this.#fixedLength + i;
        if (pos < V2_SIGNATURE.length && data[i] !== V2_SIGNATURE[pos]) {
          throw new InvalidProxyHeader("Bad v2 PROXY header signature");
        }
        this.#fixed[pos] = data[i]!;
      }
      this.#fixedLength += n;
      at = n;
      if (this.#fixedLength < V2_FIXED_LENGTH) return { info: null, remaining: EMPTY };
      const header = new Uint8Array(checkFixed(this.#fixed));
      header.set(this.#fixed, 0);
      this.#header = header;
      this.#headerLength = V2_FIXED_LENGTH;
    }
    const header = this.#header;
    const n = Math.min(header.length - this.#headerLength, data.length - at);
    header.set(data.subarray(at, at + n), this.#headerLength);
    this.#headerLength += n;
    at += n;
    if (this.#headerLength < header.length) return { info: null, remaining: EMPTY };
    return { info: parseV2Header(header), remaining: data.subarray(at) };
  }
}
