/**
 * Protocol factories: `Factory`, `ServerFactory`, `ClientFactory` and
 * `ReconnectingClientFactory`.
 *
 * A factory holds what its connections share (configuration, a user database, the set of chat
 * participants) and builds one protocol per connection.
 *
 * @module
 */

import { InvalidStateError } from "../errors/errors.js";
import type { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";
import type { IDelayedCall, IReactorTime } from "../time/interfaces.js";
import type { Address } from "./address.js";
import type { IClientFactory, IConnector, IProtocol, IProtocolFactory } from "./interfaces.js";

const log = new Logger("braid.factory");

/** A protocol class a factory can instantiate (no constructor arguments). */
export type ProtocolClass<P extends IProtocol> = new () => P;

/**
 * Builds an instance of `protocol` per connection, and sets its `factory` property when it has
 * one. Subclass it to share state, or to override {@link buildProtocol}.
 *
 * `startFactory` / `stopFactory` run once around all the ports and connections that use the
 * factory, however many there are.
 *
 * @example
 * ```ts
 * reactor.listenTCP(8000, Factory.forProtocol(Echo));
 * ```
 */
export class Factory<P extends IProtocol = IProtocol> implements IProtocolFactory {
  /** The protocol class {@link buildProtocol} instantiates. */
  protocol: ProtocolClass<P> | null = null;
  /** How many ports or connections use this factory right now. */
  numPorts = 0;
  /** Whether starting and stopping are logged (at info level). */
  noisy = true;

  /**
   * A factory of `protocol`, with `props` assigned to it (for configuration the protocols read
   * through `this.factory`).
   */
  static forProtocol<F extends Factory<IProtocol>>(
    this: new () => F,
    protocol: ProtocolClass<IProtocol>,
    props?: Partial<F>,
  ): F {
    const f = new this();
    f.protocol = protocol;
    if (props) Object.assign(f, props);
    return f;
  }

  /** Called by ports and connectors before they use the factory; runs {@link startFactory} the first time. */
  doStart(): void {
    if (this.numPorts === 0) {
      if (this.noisy) log.info("Starting factory {factory}", { factory: this.logName() });
      this.startFactory();
    }
    this.numPorts++;
  }

  /** Called when a port or connector is done with the factory; runs {@link stopFactory} after the last. */
  doStop(): void {
    if (this.numPorts === 0) return;
    this.numPorts--;
    if (this.numPorts === 0) {
      if (this.noisy) log.info("Stopping factory {factory}", { factory: this.logName() });
      this.stopFactory();
    }
  }

  /** Override to set up shared resources (open a database, start a timer). */
  startFactory(): void {}

  /** Override to release what {@link startFactory} set up. */
  stopFactory(): void {}

  /**
   * Makes the protocol for a connection with `addr`, or returns `null` to refuse it.
   *
   * @throws InvalidStateError when no `protocol` class is set and the method is not overridden.
   */
  buildProtocol(_addr: Address): P | null {
    if (this.protocol === null) {
      throw new InvalidStateError(
        `${this.constructor.name} has no protocol class: set factory.protocol or override buildProtocol`,
      );
    }
    const p = new this.protocol();
    if ("factory" in p) (p as { factory: unknown }).factory = this;
    return p;
  }

  /** The name used in log messages: the class name, and the protocol's when set. */
  logName(): string {
    return this.protocol
      ? `${this.constructor.name} (${this.protocol.name})`
      : this.constructor.name;
  }
}

/** A factory for servers (a `Factory`; the name tells readers which side it serves). */
export class ServerFactory<P extends IProtocol = IProtocol> extends Factory<P> {}

/**
 * A factory for client connections, told about each stage of the connection attempt.
 *
 * @example
 * ```ts
 * class Reporting extends ClientFactory<Echo> {
 *   override clientConnectionFailed(_c: IConnector, reason: Failure) {
 *     console.log("connection failed:", reason.getErrorMessage());
 *   }
 * }
 * ```
 */
export class ClientFactory<P extends IProtocol = IProtocol>
  extends Factory<P>
  implements IClientFactory
{
  /** A connection attempt started. */
  startedConnecting(_connector: IConnector): void {}
  /** The attempt failed (refused, timed out, unresolvable, stopped). `connector.connect()` retries. */
  clientConnectionFailed(_connector: IConnector, _reason: Failure): void {}
  /** An established connection was lost. `connector.connect()` reconnects. */
  clientConnectionLost(_connector: IConnector, _reason: Failure): void {}
}

/** Settings of a {@link ReconnectingClientFactory}; each is also a public property. */
export interface ReconnectOptions {
  /** First delay, in seconds (default 1). */
  initialDelay?: number;
  /** Each retry multiplies the delay by this (default e, as Twisted). */
  factor?: number;
  /** Standard deviation of the delay, as a fraction of it (default 0.1196…, as Twisted). */
  jitter?: number;
  /** The longest delay, in seconds (default 3600). */
  maxDelay?: number;
  /** Give up after this many retries; `null` (default) never gives up. */
  maxRetries?: number | null;
  /** The clock to schedule retries on; defaults to the connector's. */
  clock?: IReactorTime | null;
  /** Source of randomness for the jitter (default `Math.random`); tests make it deterministic. */
  random?: () => number;
}

/**
 * A client factory that reconnects after a failed attempt or a lost connection, waiting longer
 * each time (exponential backoff with jitter). Call {@link resetDelay} once a connection works
 * (typically in the protocol's `connectionMade`), and {@link stopTrying} to give up.
 *
 * @example
 * ```ts
 * class EchoClient extends Protocol {
 *   override connectionMade() {
 *     (this.factory as ReconnectingClientFactory).resetDelay();
 *   }
 * }
 * reactor.connectTCP("127.0.0.1", 8000, ReconnectingClientFactory.forProtocol(EchoClient));
 * ```
 */
export class ReconnectingClientFactory<P extends IProtocol = IProtocol> extends ClientFactory<P> {
  initialDelay = 1.0;
  factor = Math.E;
  jitter = 0.11962656472;
  maxDelay = 3600;
  maxRetries: number | null = null;
  clock: IReactorTime | null = null;
  random: () => number = Math.random;
  /** The delay before the next retry, in seconds. */
  delay: number;
  /** How many retries have been made since the last {@link resetDelay}. */
  retries = 0;
  /** Whether retries will be made. */
  continueTrying = true;
  /** The connector of the last attempt. */
  connector: IConnector | null = null;
  /** The scheduled retry, if one is pending. */
  protected callID: IDelayedCall | null = null;

  constructor(options: ReconnectOptions = {}) {
    super();
    Object.assign(this, options);
    this.delay = this.initialDelay;
  }

  override clientConnectionFailed(connector: IConnector, _reason: Failure): void {
    if (this.continueTrying) {
      this.connector = connector;
      this.retry();
    }
  }

  override clientConnectionLost(connector: IConnector, _reason: Failure): void {
    if (this.continueTrying) {
      this.connector = connector;
      this.retry();
    }
  }

  /** Schedules the next attempt, with a longer delay than the last, unless retries ran out. */
  retry(connector: IConnector | null = this.connector): void {
    if (!this.continueTrying) return;
    if (connector === null) {
      throw new InvalidStateError("ReconnectingClientFactory.retry() has no connector to retry");
    }
    this.retries++;
    if (this.maxRetries !== null && this.retries > this.maxRetries) {
      if (this.noisy)
        log.info("Abandoning {connector} after {retries} retries", {
          connector: String(connector.getDestination()),
          retries: this.maxRetries,
        });
      return;
    }
    this.delay = Math.min(this.delay * this.factor, this.maxDelay);
    if (this.jitter)
      this.delay = Math.max(0, normal(this.delay, this.delay * this.jitter, this.random));
    if (this.noisy)
      log.info("Will retry {connector} in {delay} seconds", {
        connector: String(connector.getDestination()),
        delay: this.delay.toFixed(3),
      });
    const clock = this.clock ?? connector.clock;
    this.callID = clock.callLater(this.delay, () => {
      this.callID = null;
      connector.connect();
    });
  }

  /** Cancels a pending retry and stops retrying; an attempt in progress is stopped too. */
  stopTrying(): void {
    if (this.callID !== null) {
      this.callID.cancel();
      this.callID = null;
    }
    this.continueTrying = false;
    if (this.connector !== null) {
      try {
        this.connector.stopConnecting();
      } catch (e) {
        if (!(e instanceof InvalidStateError)) throw e;
      }
    }
  }

  /** Back to the initial delay and zero retries; call it when a connection succeeds. */
  resetDelay(): void {
    this.delay = this.initialDelay;
    this.retries = 0;
    this.callID = null;
    this.continueTrying = true;
  }
}

/** A normally distributed sample (Box–Muller) from uniform samples of `random`. */
function normal(mean: number, stddev: number, random: () => number): number {
  let u = 0;
  while (u === 0) u = random();
  const v = random();
  return mean + stddev * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
