/**
 * TLS endpoints: `SSL4ServerEndpoint` listens for TLS over TCP, `SSL4ClientEndpoint` connects with
 * TLS from the first byte. Certificates are checked by default; see `TLSClientOptions`.
 *
 * @module
 */

import type { Deferred } from "../defer/deferred.js";
import type { IProtocol, IProtocolFactory } from "../protocol/interfaces.js";
import type {
  BindAddress,
  IListeningPort,
  IReactorSSL,
  TLSClientOptions,
  TLSServerOptions,
} from "../reactor/interfaces.js";
import type { IStreamClientEndpoint, IStreamServerEndpoint } from "./interfaces.js";
import { execute, type TCPClientOptions, type TCPServerOptions } from "./tcp.js";
import { connectWrapped } from "./wrapping.js";

/**
 * Listens for TLS connections on a TCP port.
 *
 * @example
 * ```ts
 * const tls = { key: readFileSync("key.pem"), cert: readFileSync("cert.pem") };
 * await new SSL4ServerEndpoint(reactor, 8443, tls).listen(factory);
 * ```
 */
export class SSL4ServerEndpoint implements IStreamServerEndpoint {
  /** Size of the listen queue. */
  readonly backlog: number;
  /** The interface to bind; `""` means every IPv4 interface. */
  readonly interface: string;

  constructor(
    readonly reactor: IReactorSSL,
    readonly port: number,
    /** Key, certificate chain and the other server-side TLS settings. */
    readonly tlsOptions: TLSServerOptions,
    options: TCPServerOptions = {},
  ) {
    this.backlog = options.backlog ?? 50;
    this.interface = options.interface ?? "";
  }

  /** Listens with `factory`; fails with `CannotListenError`. */
  listen(factory: IProtocolFactory): Deferred<IListeningPort> {
    return execute(() =>
      this.reactor.listenSSL(
        this.port,
        factory,
        this.tlsOptions,
        this.backlog,
        this.interface || undefined,
      ),
    );
  }
}

/**
 * Connects with TLS to `host:port`. The peer's certificate is verified against `host` (or
 * `tlsOptions.hostname`) unless the options say otherwise; the Deferred fires once the
 * connection is up (see `IStreamClientEndpoint`).
 *
 * @example
 * ```ts
 * const proto = await new SSL4ClientEndpoint(reactor, "example.com", 443, {}).connect(factory);
 * ```
 */
export class SSL4ClientEndpoint implements IStreamClientEndpoint {
  /** Seconds before the attempt fails with `ConnectTimeoutError`. */
  readonly timeout: number;
  /** Local address to connect from, if any. */
  readonly bindAddress: BindAddress | undefined;

  constructor(
    readonly reactor: IReactorSSL,
    readonly host: string,
    readonly port: number,
    /** Trust roots, client certificate, SNI name and the other client-side TLS settings. */
    readonly tlsOptions: TLSClientOptions = {},
    options: TCPClientOptions = {},
  ) {
    this.timeout = options.timeout ?? 30;
    this.bindAddress = options.bindAddress;
  }

  /** See `IStreamClientEndpoint.connect`. */
  connect(factory: IProtocolFactory): Deferred<IProtocol> {
    return connectWrapped(factory, (w) =>
      this.reactor.connectSSL(
        this.host,
        this.port,
        w,
        this.tlsOptions,
        this.timeout,
        this.bindAddress,
      ),
    );
  }
}
