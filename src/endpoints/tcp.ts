/**
 * TCP endpoints: `TCP4ServerEndpoint` / `TCP6ServerEndpoint` to listen, `TCP4ClientEndpoint` /
 * `TCP6ClientEndpoint` to connect to one address.
 *
 * To connect to a host name that may have several addresses, prefer `HostnameEndpoint`, which
 * tries them all.
 *
 * @module
 */

import { isIPv6 } from "node:net";
import type { Deferred } from "../defer/deferred.js";
import { fail } from "../defer/deferred.js";
import { DNSLookupError } from "../errors/errors.js";
import type { IProtocol, IProtocolFactory } from "../protocol/interfaces.js";
import type {
  BindAddress,
  IListeningPort,
  IReactorPluggableResolver,
  IReactorTCP,
  ResolvedAddress,
} from "../reactor/interfaces.js";
import type { IStreamClientEndpoint, IStreamServerEndpoint } from "./interfaces.js";
import { connectInStages, connectWrapped } from "./wrapping.js";

/** Options of the TCP (and TLS) server endpoints. */
export interface TCPServerOptions {
  /** Size of the queue of connections not yet accepted (default 50). */
  backlog?: number;
  /**
   * The local address to listen on. Default: every IPv4 interface for `TCP4ServerEndpoint`
   * (`""`), every IPv6 interface (`"::"`) for `TCP6ServerEndpoint`.
   */
  interface?: string;
}

/** Options of the TCP (and TLS) client endpoints. */
export interface TCPClientOptions {
  /** Seconds before a connection attempt counts as failed (default 30). */
  timeout?: number;
  /** The local address (and optionally port) to connect from. */
  bindAddress?: BindAddress;
}

/**
 * Calls `f`, turning a synchronous throw into a failed Deferred, like Twisted's `execute`.
 *
 * @internal
 */
export function execute<T>(f: () => Deferred<T>): Deferred<T> {
  try {
    return f();
  } catch (e) {
    return fail(e);
  }
}

/**
 * Listens for TCP connections over IPv4 (or whatever `interface` names).
 *
 * @example
 * ```ts
 * const port = await new TCP4ServerEndpoint(reactor, 0, { interface: "127.0.0.1" }).listen(factory);
 * ```
 */
export class TCP4ServerEndpoint implements IStreamServerEndpoint {
  /** Size of the listen queue. */
  readonly backlog: number;
  /** The interface to bind; `""` means every IPv4 interface. */
  readonly interface: string;

  /**
   * @param reactor - the reactor to listen with.
   * @param port - the port number; 0 lets the system pick a free one.
   */
  constructor(
    readonly reactor: IReactorTCP,
    readonly port: number,
    options: TCPServerOptions = {},
  ) {
    this.backlog = options.backlog ?? 50;
    this.interface = options.interface ?? this.defaultInterface();
  }

  /** The interface used when none is given. */
  protected defaultInterface(): string {
    return "";
  }

  /** Listens with `factory`; fails with `CannotListenError`. */
  listen(factory: IProtocolFactory): Deferred<IListeningPort> {
    return execute(() =>
      this.reactor.listenTCP(this.port, factory, this.backlog, this.interface || undefined),
    );
  }
}

/** Listens for TCP connections over IPv6; the interface defaults to `"::"` (every one). */
export class TCP6ServerEndpoint extends TCP4ServerEndpoint {
  protected override defaultInterface(): string {
    return "::";
  }
}

/**
 * Connects over TCP to `host:port`. A host name is resolved by the reactor (`connectTCP`).
 *
 * @example
 * ```ts
 * const proto = await new TCP4ClientEndpoint(reactor, "127.0.0.1", 8080).connect(factory);
 * ```
 */
export class TCP4ClientEndpoint implements IStreamClientEndpoint {
  /** Seconds before the attempt fails with `ConnectTimeoutError`. */
  readonly timeout: number;
  /** Local address to connect from, if any. */
  readonly bindAddress: BindAddress | undefined;

  constructor(
    readonly reactor: IReactorTCP,
    readonly host: string,
    readonly port: number,
    options: TCPClientOptions = {},
  ) {
    this.timeout = options.timeout ?? 30;
    this.bindAddress = options.bindAddress;
  }

  /** See `IStreamClientEndpoint.connect`. */
  connect(factory: IProtocolFactory): Deferred<IProtocol> {
    return connectWrapped(factory, (w) =>
      this.reactor.connectTCP(this.host, this.port, w, this.timeout, this.bindAddress),
    );
  }
}

/**
 * Connects over TCP to `host:port` over IPv6. An IPv6 literal is used as is; a host name is
 * resolved with the reactor's resolver and its first IPv6 address is used (`DNSLookupError` when
 * it has none).
 */
export class TCP6ClientEndpoint implements IStreamClientEndpoint {
  /** Seconds before the attempt fails with `ConnectTimeoutError`. */
  readonly timeout: number;
  /** Local address to connect from, if any. */
  readonly bindAddress: BindAddress | undefined;

  constructor(
    readonly reactor: IReactorTCP & IReactorPluggableResolver,
    readonly host: string,
    readonly port: number,
    options: TCPClientOptions = {},
  ) {
    this.timeout = options.timeout ?? 30;
    this.bindAddress = options.bindAddress;
  }

  /** See `IStreamClientEndpoint.connect`. */
  connect(factory: IProtocolFactory): Deferred<IProtocol> {
    const connectTo = (address: string) =>
      connectWrapped(factory, (w) =>
        this.reactor.connectTCP(address, this.port, w, this.timeout, this.bindAddress),
      );
    if (isIPv6(this.host)) return connectTo(this.host);
    const resolution = execute(() => this.reactor.resolver.resolveHostName(this.host));
    return connectInStages(
      resolution,
      (addresses: ResolvedAddress[]) => {
        const v6 = addresses.find((a) => a.family === 6);
        if (v6 === undefined) throw new DNSLookupError(`no IPv6 address for ${this.host}`);
        return connectTo(v6.address);
      },
      `${this.host}:${this.port}`,
    );
  }
}
