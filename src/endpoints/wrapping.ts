/**
 * The bridge between the reactor's client-factory callbacks and an endpoint's Deferred.
 *
 * `connectTCP` and friends report progress to an `IClientFactory` (started, failed, lost);
 * endpoints promise a `Deferred<IProtocol>` instead. {@link WrappingFactory} turns the one into
 * the other around the user's plain `IProtocolFactory`, and {@link connectProtocol} connects a
 * single, already built protocol.
 *
 * @module
 */

import { Deferred } from "../defer/deferred.js";
import { ConnectingCancelledError, InvalidStateError, NoProtocolError } from "../errors/errors.js";
import type { Failure } from "../errors/failure.js";
import type { Address } from "../protocol/address.js";
import type {
  IClientFactory,
  IConnector,
  IProtocol,
  IProtocolFactory,
  ITransport,
} from "../protocol/interfaces.js";
import { isHalfCloseable } from "../protocol/interfaces.js";
import { Protocol } from "../protocol/protocol.js";
import type { IStreamClientEndpoint } from "./interfaces.js";

/**
 * Stands between the transport and the user's protocol: connects the user's protocol when the
 * transport connects, fires the endpoint's Deferred, then forwards every event.
 *
 * It offers the half-close methods only when the wrapped protocol has them, so transports see
 * the same capabilities as if the user's protocol were connected directly.
 *
 * @internal
 */
export class WrappingProtocol extends Protocol {
  declare readConnectionLost?: () => void;
  declare writeConnectionLost?: () => void;

  constructor(
    private readonly onConnection: Deferred<IProtocol>,
    /** The user's protocol. */
    readonly wrapped: IProtocol,
  ) {
    super();
    if (isHalfCloseable(wrapped)) {
      this.readConnectionLost = () => wrapped.readConnectionLost();
      this.writeConnectionLost = () => wrapped.writeConnectionLost();
    }
  }

  /** Connects the user's protocol; fires the Deferred, or fails it and drops the connection. */
  override connectionMade(): void {
    const transport = this.transport as ITransport;
    try {
      this.wrapped.makeConnection(transport);
    } catch (e) {
      if (!this.onConnection.called) this.onConnection.errback(e);
      transport.abortConnection();
      return;
    }
    if (!this.onConnection.called) this.onConnection.callback(this.wrapped);
  }

  /** Passed on to the user's protocol. */
  override dataReceived(data: Uint8Array): void {
    this.wrapped.dataReceived(data);
  }

  /** Passed on to the user's protocol. */
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    this.wrapped.connectionLost(reason);
  }
}

/**
 * The client factory an endpoint gives the reactor: builds the user's protocol inside a
 * {@link WrappingProtocol}, and turns the connector's callbacks into {@link onConnection}.
 *
 * @internal
 */
export class WrappingFactory implements IClientFactory {
  /** Fires with the user's protocol once connected; see `IStreamClientEndpoint.connect`. */
  readonly onConnection: Deferred<IProtocol>;
  /** The connector of the attempt, once the reactor has started it. */
  connector: IConnector | null = null;

  constructor(readonly wrapped: IProtocolFactory) {
    this.onConnection = new Deferred<IProtocol>((d) => this.cancel(d));
  }

  /** Fails the attempt with `ConnectingCancelledError`, then stops the connector. */
  private cancel(d: Deferred<IProtocol>): void {
    const connector = this.connector;
    d.errback(new ConnectingCancelledError(connector?.getDestination()));
    if (connector === null) return;
    try {
      connector.stopConnecting();
    } catch (e) {
      // Already connected or already failed: the Deferred has settled, nothing left to stop.
      if (!(e instanceof InvalidStateError)) throw e;
    }
  }

  /** Passed on to the user's factory. */
  doStart(): void {
    this.wrapped.doStart();
  }

  /** Passed on to the user's factory. */
  doStop(): void {
    this.wrapped.doStop();
  }

  /** Remembers the connector, so that cancelling can stop it. */
  startedConnecting(connector: IConnector): void {
    this.connector = connector;
  }

  /**
   * The user's protocol, wrapped; `null` (refusing the connection) when the attempt was already
   * cancelled, or when the user's factory refused or threw, which fails the Deferred.
   */
  buildProtocol(addr: Address): IProtocol | null {
    if (this.onConnection.called) return null;
    let proto: IProtocol | null;
    try {
      proto = this.wrapped.buildProtocol(addr);
    } catch (e) {
      this.onConnection.errback(e);
      return null;
    }
    if (proto === null) {
      this.onConnection.errback(new NoProtocolError());
      return null;
    }
    return new WrappingProtocol(this.onConnection, proto);
  }

  /** Fails the Deferred with `reason`, unless it has already fired (or been cancelled). */
  clientConnectionFailed(_connector: IConnector, reason: Failure): void {
    if (!this.onConnection.called) this.onConnection.errback(reason);
  }

  /** Nothing to do: the user's protocol is told through its own `connectionLost`. */
  clientConnectionLost(_connector: IConnector, _reason: Failure): void {
    // The user's protocol hears of it through connectionLost.
  }
}

/**
 * Runs `start(factory)` (a reactor `connect*` call) with a new {@link WrappingFactory} around
 * `factory` and returns its Deferred; a synchronous throw becomes a failed Deferred.
 *
 * @internal
 */
export function connectWrapped(
  factory: IProtocolFactory,
  start: (wrapper: WrappingFactory) => IConnector,
): Deferred<IProtocol> {
  const wrapper = new WrappingFactory(factory);
  try {
    const connector = start(wrapper);
    if (wrapper.connector === null) wrapper.connector = connector;
  } catch (e) {
    if (!wrapper.onConnection.called) wrapper.onConnection.errback(e);
  }
  return wrapper.onConnection;
}

/**
 * A connection made in stages (name resolution, then connection attempts) as one cancellable
 * Deferred: `first` runs, then `then(its result)`. Cancelling the result fails it with
 * `ConnectingCancelledError(destination)` at once and cancels whichever stage is in flight.
 * A failure of `first` goes through `mapFirstError`.
 *
 * @internal
 */
export function connectInStages<A>(
  first: Deferred<A>,
  then: (value: A) => Deferred<IProtocol>,
  destination: unknown,
  mapFirstError: (f: Failure) => unknown = (f) => f,
): Deferred<IProtocol> {
  let stage: Deferred<unknown> = first;
  const result = new Deferred<IProtocol>((d) => {
    d.errback(new ConnectingCancelledError(destination));
    stage.cancel();
  });
  first.addCallbacks(
    (value) => {
      if (result.called) return;
      let next: Deferred<IProtocol>;
      try {
        next = then(value);
      } catch (e) {
        result.errback(e);
        return;
      }
      stage = next;
      next.addCallbacks(
        (proto) => {
          if (result.called) dropProtocol(proto);
          else result.callback(proto);
        },
        (f) => {
          if (!result.called) result.errback(f);
        },
      );
    },
    (f) => {
      if (!result.called) result.errback(mapFirstError(f));
    },
  );
  return result;
}

/** Closes the connection of a protocol nobody wants any more (it connected after a cancel). */
export function dropProtocol(proto: IProtocol): void {
  const transport = (proto as { transport?: ITransport | null }).transport;
  transport?.abortConnection();
}

/** A factory that hands out one protocol, once. */
class SingleProtocolFactory implements IProtocolFactory {
  constructor(private readonly protocol: IProtocol) {}
  doStart(): void {}
  doStop(): void {}
  buildProtocol(_addr: Address): IProtocol {
    return this.protocol;
  }
}

/**
 * Connects `protocol`, an instance you built yourself, through `endpoint`: for protocols that
 * take constructor arguments and need no factory.
 *
 * @returns the endpoint's Deferred: it fires with `protocol` once its `connectionMade` has run.
 *
 * @example
 * ```ts
 * const endpoint = clientFromString(reactor, "tcp:host=127.0.0.1:port=8080");
 * const client = await connectProtocol(endpoint, new Greeter("hello"));
 * client.transport!.write(new TextEncoder().encode("ping\n"));
 * ```
 */
export function connectProtocol<P extends IProtocol>(
  endpoint: IStreamClientEndpoint,
  protocol: P,
): Deferred<P> {
  return endpoint.connect(new SingleProtocolFactory(protocol)) as Deferred<P>;
}
