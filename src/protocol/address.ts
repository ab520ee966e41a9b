/**
 * Typed socket addresses, as returned by `getPeer()` / `getHost()` and given to
 * `buildProtocol`.
 *
 * `Address` is a discriminated union on `family`, so `switch (addr.family)` narrows it.
 *
 * @module
 */

/** The transport kind an IP address belongs to. */
export type IPAddressType = "TCP" | "UDP";

/**
 * An IPv4 address and port.
 *
 * @example
 * ```ts
 * const peer = transport.getPeer();
 * if (peer.family === "IPv4") console.log(`${peer.host}:${peer.port}`);
 * ```
 */
export class IPv4Address {
  readonly family = "IPv4" as const;
  constructor(
    /** `"TCP"` or `"UDP"`. */
    readonly type: IPAddressType,
    /** Dotted-quad host, e.g. `"127.0.0.1"`. */
    readonly host: string,
    /** Port number. */
    readonly port: number,
  ) {}

  /** `"127.0.0.1:8080"`. */
  toString(): string {
    return `${this.host}:${this.port}`;
  }

  /** Whether `other` is the same address. */
  equals(other: unknown): boolean {
    return (
      other instanceof IPv4Address &&
      other.type === this.type &&
      other.host === this.host &&
      other.port === this.port
    );
  }
}

/** An IPv6 address and port, with the flow label and scope of the socket API. */
export class IPv6Address {
  readonly family = "IPv6" as const;
  constructor(
    /** `"TCP"` or `"UDP"`. */
    readonly type: IPAddressType,
    /** Host in textual form, e.g. `"::1"`; a scoped address keeps its `%zone` here. */
    readonly host: string,
    /** Port number. */
    readonly port: number,
    /** The IPv6 flow label (usually 0). */
    readonly flowInfo = 0,
    /** The scope id (interface index) of a link-local address, else 0. */
    readonly scopeID: number | string = 0,
  ) {}

  /** `"[::1]:8080"`. */
  toString(): string {
    return `[${this.host}]:${this.port}`;
  }

  /** Whether `other` is the same address. */
  equals(other: unknown): boolean {
    return (
      other instanceof IPv6Address &&
      other.type === this.type &&
      other.host === this.host &&
      other.port === this.port &&
      other.flowInfo === this.flowInfo &&
      other.scopeID === this.scopeID
    );
  }
}

/** The path of a UNIX-domain socket (`null` for an unnamed one, such as a client's own end). */
export class UNIXAddress {
  readonly family = "UNIX" as const;
  constructor(
    /** Filesystem path, or `null` when the socket has no name. */
    readonly name: string | null,
  ) {}

  /** The path, or `"<unnamed>"`. */
  toString(): string {
    return this.name ?? "<unnamed>";
  }

  /** Whether `other` is the same address. */
  equals(other: unknown): boolean {
    return other instanceof UNIXAddress && other.name === this.name;
  }
}

/** Any address a Braid transport reports. */
export type Address = IPv4Address | IPv6Address | UNIXAddress;

/**
 * Makes the typed address for a host and port as Node reports them (`family` 4/6 or
 * `"IPv4"`/`"IPv6"`; when missing it is guessed from the host's form).
 */
export function ipAddress(
  type: IPAddressType,
  host: string,
  port: number,
  family?: string | number,
): IPv4Address | IPv6Address {
  const v6 = family === undefined ? host.includes(":") : family === 6 || family === "IPv6";
  return v6 ? new IPv6Address(type, host, port) : new IPv4Address(type, host, port);
}
