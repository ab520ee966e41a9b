/**
 * What the transport and port modules need from the reactor that owns them. Not exported from the
 * package: users see only the interfaces in `interfaces.ts`.
 *
 * @module
 * @internal
 */

import type { IReactorTime } from "../time/interfaces.js";
import type { IListeningPort, IReactorPluggableResolver } from "./interfaces.js";

/** A live connection the reactor closes when it stops. */
export interface ShutdownConnection {
  /** Closes after queued data is sent. */
  loseConnection(): void;
  /** Closes at once. */
  abortConnection(): void;
}

/**
 * The reactor as its own modules see it: time, name resolution, and registries of live ports and
 * connections so that `stop()` can close them ("during shutdown").
 */
export interface IReactorInternals extends IReactorTime, IReactorPluggableResolver {
  /** Records a port that is listening; `stopListening` is called on it at shutdown. */
  trackPort(port: IListeningPort): void;
  /** Forgets a port that stopped listening. */
  untrackPort(port: IListeningPort): void;
  /** Records a live connection; it is closed at shutdown. */
  trackConnection(connection: ShutdownConnection): void;
  /** Forgets a connection that is gone. */
  untrackConnection(connection: ShutdownConnection): void;
}
