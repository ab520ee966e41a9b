/**
 * UNIX-domain stream socket endpoints: `UNIXServerEndpoint` listens on a filesystem path,
 * `UNIXClientEndpoint` connects to one.
 *
 * @module
 */

import type { Deferred } from "../defer/deferred.js";
import type { IProtocol, IProtocolFactory } from "../protocol/interfaces.js";
import type { IListeningPort, IReactorUNIX } from "../reactor/interfaces.js";
import type { IStreamClientEndpoint, IStreamServerEndpoint } from "./interfaces.js";
import { execute } from "./tcp.js";
import { connectWrapped } from "./wrapping.js";

/** Options of {@link UNIXServerEndpoint}. */
export interface UNIXServerOptions {
  /** Size of the listen queue (default 50). */
  backlog?: number;
  /** Permissions of the socket file (default `0o666`, less the umask). */
  mode?: number;
  /**
   * Keep a `<path>.lock` file with the owner's PID, so that a stale socket left by a dead process
   * can be removed safely (default false).
   */
  wantPID?: boolean;
}

/**
 * Listens on the UNIX socket at `path`.
 *
 * @example
 * ```ts
 * await new UNIXServerEndpoint(reactor, "/run/app.sock", { mode: 0o660 }).listen(factory);
 * ```
 */
export class UNIXServerEndpoint implements IStreamServerEndpoint {
  /** Size of the listen queue. */
  readonly backlog: number;
  /** Permissions of the socket file. */
  readonly mode: number;
  /** Whether a PID lock file guards the path. */
  readonly wantPID: boolean;

  constructor(
    readonly reactor: IReactorUNIX,
    readonly path: string,
    options: UNIXServerOptions = {},
  ) {
    this.backlog = options.backlog ?? 50;
    this.mode = options.mode ?? 0o666;
    this.wantPID = options.wantPID ?? false;
  }

  /** Listens with `factory`; fails with `CannotListenError`. */
  listen(factory: IProtocolFactory): Deferred<IListeningPort> {
    return execute(() =>
      this.reactor.listenUNIX(this.path, factory, this.backlog, this.mode, this.wantPID),
    );
  }
}

/** Options of {@link UNIXClientEndpoint}. */
export interface UNIXClientOptions {
  /** Seconds before the attempt fails with `ConnectTimeoutError` (default 30). */
  timeout?: number;
}

/**
 * Connects to the UNIX socket at `path`.
 *
 * @example
 * ```ts
 * const proto = await new UNIXClientEndpoint(reactor, "/run/app.sock").connect(factory);
 * ```
 */
export class UNIXClientEndpoint implements IStreamClientEndpoint {
  /** Seconds before the attempt fails. */
  readonly timeout: number;

  constructor(
    readonly reactor: IReactorUNIX,
    readonly path: string,
    options: UNIXClientOptions = {},
  ) {
    this.timeout = options.timeout ?? 30;
  }

  /** See `IStreamClientEndpoint.connect`. */
  connect(factory: IProtocolFactory): Deferred<IProtocol> {
    return connectWrapped(factory, (w) => this.reactor.connectUNIX(this.path, w, this.timeout));
  }
}
