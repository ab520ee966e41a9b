/**
 * `SystemResolver`: the default {@link IResolver}, on the system's resolver (`dns.lookup`, which
 * reads `/etc/hosts` and follows `nsswitch.conf` like other programs on the host).
 *
 * @module
 */

import { promises as dns } from "node:dns";
import { isIP } from "node:net";
import { Deferred } from "../defer/deferred.js";
import { DNSLookupError, TimeoutError } from "../errors/errors.js";
import type { IDelayedCall, IReactorTime } from "../time/interfaces.js";
import type { IResolver, ResolvedAddress } from "./interfaces.js";

/** How long a lookup may take by default, in seconds (the sum of Twisted's 1, 3, 11, 45). */
export const DEFAULT_RESOLVE_TIMEOUT = 60;

/** Looks `name` up and returns every address found (the shape of `dns.promises.lookup` with `all`). */
export type LookupFunction = (
  name: string,
) => PromiseLike<ReadonlyArray<{ address: string; family: number }>>;

const systemLookup: LookupFunction = (name) => dns.lookup(name, { all: true, verbatim: true });

/**
 * Resolves host names with the system resolver, in the order it gives (`verbatim`: IPv6 and IPv4
 * addresses as the system prefers them). An IP address resolves to itself without a lookup.
 *
 * The system lookup runs in Node's thread pool and cannot be stopped: on timeout or cancellation
 * the Deferred stops waiting and the lookup's eventual answer is ignored.
 *
 * @example
 * ```ts
 * const resolver = new SystemResolver(reactor);
 * const addresses = await resolver.resolveHostName("localhost", 5);
 * // [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }]
 * ```
 */
export class SystemResolver implements IResolver {
  private readonly _time: IReactorTime;
  private readonly _lookup: LookupFunction;

  /**
   * @param time - schedules the timeouts (the reactor, or a `Clock` in tests).
   * @param lookup - the lookup to use instead of `dns.promises.lookup(name, { all: true,
   *   verbatim: true })`; tests give a fake one.
   */
  constructor(time: IReactorTime, lookup: LookupFunction = systemLookup) {
    this._time = time;
    this._lookup = lookup;
  }

  /**
   * The first address of `name`.
   *
   * @param timeoutSeconds - how long to wait (default {@link DEFAULT_RESOLVE_TIMEOUT});
   *   `Infinity` waits as long as the lookup takes.
   * @returns a Deferred failing with `DNSLookupError`: its `cause` is the system error, or a
   *   `TimeoutError` when the time ran out. Cancelling it stops waiting.
   * @throws RangeError when `timeoutSeconds` is negative or NaN.
   */
  getHostByName(name: string, timeoutSeconds?: number): Deferred<string> {
    return this.resolveHostName(name, timeoutSeconds).addCallback((addresses) => {
      // resolveHostName never succeeds with an empty list.
      return addresses[0]!.address;
    });
  }

  /**
   * Every address of `name`, in the system's order of preference.
   *
   * @param timeoutSeconds - how long to wait (default {@link DEFAULT_RESOLVE_TIMEOUT}).
   * @returns a Deferred failing with `DNSLookupError` (no address, lookup error, or timeout with a
   *   `TimeoutError` as `cause`). Cancelling it stops waiting (it fails with `CancelledError`).
   * @throws RangeError when `timeoutSeconds` is negative or NaN.
   */
  resolveHostName(
    name: string,
    timeoutSeconds: number = DEFAULT_RESOLVE_TIMEOUT,
  ): Deferred<ResolvedAddress[]> {
    if (Number.isNaN(timeoutSeconds) || timeoutSeconds < 0) {
      throw new RangeError(`Invalid DNS lookup timeout: ${timeoutSeconds}`);
    }
    const literal = isIP(name);
    if (literal !== 0) {
      const d = new Deferred<ResolvedAddress[]>();
      d.callback([{ address: name, family: literal as 4 | 6 }]);
      return d;
    }

    let settled = false;
    let timer: IDelayedCall | undefined;
    const stopTimer = (): void => {
      if (timer?.active()) timer.cancel();
      timer = undefined;
    };
    const d = new Deferred<ResolvedAddress[]>(() => {
      settled = true;
      stopTimer();
    });
    const failWith = (cause: unknown): void => {
      if (settled) return;
      settled = true;
      stopTimer();
      const why = cause instanceof Error ? cause.message : String(cause);
      d.errback(new DNSLookupError(`address ${JSON.stringify(name)} not found: ${why}`, { cause }));
    };

    if (timeoutSeconds !== Number.POSITIVE_INFINITY) {
      timer = this._time.callLater(timeoutSeconds, () => {
        timer = undefined;
        failWith(new TimeoutError(timeoutSeconds));
      });
    }

    let lookup: PromiseLike<ReadonlyArray<{ address: string; family: number }>>;
    try {
      lookup = this._lookup(name);
    } catch (e) {
      failWith(e);
      return d;
    }
    lookup.then(
      (found) => {
        if (settled) return;
        const addresses: ResolvedAddress[] = [];
        for (const { address, family } of found) {
          if (family === 4 || family === 6) addresses.push({ address, family });
        }
        if (addresses.length === 0) {
          failWith(new Error("no address"));
          return;
        }
        settled = true;
        stopTimer();
        d.callback(addresses);
      },
      (err: unknown) => failWith(err),
    );
    return d;
  }
}
