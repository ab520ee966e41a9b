/**
 * `HostnameEndpoint`: connect to a host name the way RFC 8305 ("Happy Eyeballs") asks, by trying
 * its addresses in a staggered race instead of one after the other.
 *
 * The name is resolved with the reactor's resolver; IPv6 and IPv4 addresses are interleaved; a new
 * attempt starts every `attemptDelay` seconds, or at once when the previous one fails; the first
 * connection made wins and every other attempt is cancelled.
 *
 * @module
 */

import { isIP } from "node:net";
import { Deferred, succeed } from "../defer/deferred.js";
import { DNSLookupError } from "../errors/errors.js";
import type { Failure } from "../errors/failure.js";
import type { IProtocol, IProtocolFactory } from "../protocol/interfaces.js";
import type {
  BindAddress,
  IReactorPluggableResolver,
  IReactorTCP,
  ResolvedAddress,
} from "../reactor/interfaces.js";
import type { IDelayedCall, IReactorTime } from "../time/interfaces.js";
import type { IStreamClientEndpoint } from "./interfaces.js";
import { execute, TCP4ClientEndpoint, TCP6ClientEndpoint } from "./tcp.js";
import { connectInStages, dropProtocol } from "./wrapping.js";

/** The destination of a {@link HostnameEndpoint}: a name and a port, before resolution. */
export class HostnameAddress {
  readonly family = "hostname" as const;
  constructor(
    /** The host name as given. */
    readonly host: string,
    /** The port number. */
    readonly port: number,
  ) {}

  /** `"example.com:80"`, or `"[::1]:80"` for an IPv6 literal. */
  toString(): string {
    return isIP(this.host) === 6 ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }
}

/** Options of {@link HostnameEndpoint}. */
export interface HostnameEndpointOptions {
  /** Seconds before each single connection attempt fails (default 30). */
  timeout?: number;
  /** The local address to connect from. */
  bindAddress?: BindAddress;
  /** Seconds between the starts of two attempts (default 0.3, as RFC 8305 suggests). */
  attemptDelay?: number;
}

/** What {@link HostnameEndpoint} needs from a reactor. */
export type HostnameEndpointReactor = IReactorTCP & IReactorTime & IReactorPluggableResolver;

/**
 * Orders resolved addresses for the race: the family of the first address (the resolver's
 * preference) first, then alternating between the families, each family in the resolver's order.
 */
export function interleaveAddresses(addresses: readonly ResolvedAddress[]): ResolvedAddress[] {
  const first = addresses[0];
  if (first === undefined) return [];
  const preferred = addresses.filter((a) => a.family === first.family);
  const other = addresses.filter((a) => a.family !== first.family);
  const out: ResolvedAddress[] = [];
  for (let i = 0; i < Math.max(preferred.length, other.length); i++) {
    const p = preferred[i];
    const o = other[i];
    if (p !== undefined) out.push(p);
    if (o !== undefined) out.push(o);
  }
  return out;
}

/**
 * Connects to a host name over TCP, racing its IPv6 and IPv4 addresses (RFC 8305).
 *
 * - An IP literal is used as is; a name is resolved with `reactor.resolver.resolveHostName`. A
 *   name that does not resolve, or resolves to nothing, fails with `DNSLookupError`.
 * - Attempts start in {@link interleaveAddresses} order, one every `attemptDelay` seconds, and the
 *   next one starts at once when an attempt fails.
 * - The first attempt to connect wins; the attempts still in flight are cancelled.
 * - When every attempt fails, the Deferred fails with the error of the last one to fail.
 * - Cancelling the Deferred fails it with `ConnectingCancelledError` (its `address` a
 *   {@link HostnameAddress}) and cancels the lookup or every attempt in flight.
 *
 * @example
 * ```ts
 * const endpoint = new HostnameEndpoint(reactor, "example.com", 80, { timeout: 10 });
 * const proto = await endpoint.connect(Factory.forProtocol(HttpClient));
 * ```
 */
export class HostnameEndpoint implements IStreamClientEndpoint {
  /** Seconds before each attempt fails. */
  readonly timeout: number;
  /** Local address to connect from, if any. */
  readonly bindAddress: BindAddress | undefined;
  /** Seconds between the starts of two attempts. */
  readonly attemptDelay: number;

  /**
   * @throws RangeError when `attemptDelay` is negative or not a number.
   */
  constructor(
    readonly reactor: HostnameEndpointReactor,
    readonly host: string,
    readonly port: number,
    options: HostnameEndpointOptions = {},
  ) {
    this.timeout = options.timeout ?? 30;
    this.bindAddress = options.bindAddress;
    this.attemptDelay = options.attemptDelay ?? 0.3;
    if (!(this.attemptDelay >= 0)) {
      throw new RangeError(`attemptDelay must be a non-negative number, not ${this.attemptDelay}`);
    }
  }

  /** See the class description and `IStreamClientEndpoint.connect`. */
  connect(factory: IProtocolFactory): Deferred<IProtocol> {
    const destination = new HostnameAddress(this.host, this.port);
    const family = isIP(this.host);
    const resolution: Deferred<ResolvedAddress[]> =
      family === 4 || family === 6
        ? succeed([{ address: this.host, family }])
        : execute(() => this.reactor.resolver.resolveHostName(this.host));
    return connectInStages(
      resolution,
      (addresses) => this.race(interleaveAddresses(addresses), factory),
      destination,
      (f) =>
        f.check(DNSLookupError)
          ? f
          : new DNSLookupError(`Couldn't find the hostname '${this.host}'`, { cause: f.value }),
    );
  }

  /** One attempt's endpoint. */
  private endpointFor(address: ResolvedAddress): IStreamClientEndpoint {
    const options = { timeout: this.timeout, bindAddress: this.bindAddress };
    return address.family === 6
      ? new TCP6ClientEndpoint(this.reactor, address.address, this.port, options)
      : new TCP4ClientEndpoint(this.reactor, address.address, this.port, options);
  }

  /** The staggered race over `addresses`; cancelling its Deferred stops every attempt. */
  private race(addresses: ResolvedAddress[], factory: IProtocolFactory): Deferred<IProtocol> {
    if (addresses.length === 0) {
      throw new DNSLookupError(`no results for hostname lookup: ${this.host}`);
    }
    const winner = new Deferred<IProtocol>();
    const pending = new Set<Deferred<IProtocol>>();
    let next = 0;
    let timer: IDelayedCall | null = null;
    let lastFailure: Failure | null = null;
    let done = false;

    const stopTimer = () => {
      if (timer?.active()) timer.cancel();
      timer = null;
    };

    const startNext = (): void => {
      stopTimer();
      const address = addresses[next];
      if (done || address === undefined) return;
      next++;
      const attempt = this.endpointFor(address).connect(factory);
      pending.add(attempt);
      if (next < addresses.length) timer = this.reactor.callLater(this.attemptDelay, startNext);
      attempt.addCallbacks(
        (proto) => {
          pending.delete(attempt);
          if (done) dropProtocol(proto);
          else winner.callback(proto);
        },
        (f) => {
          pending.delete(attempt);
          if (done) return;
          lastFailure = f;
          if (next < addresses.length) startNext();
          else if (pending.size === 0) winner.errback(lastFailure);
        },
      );
    };

    winner.addBoth((result) => {
      done = true;
      stopTimer();
      const inFlight = [...pending];
      pending.clear();
      for (const d of inFlight) d.cancel();
      return result;
    });
    startNext();
    return winner;
  }
}
