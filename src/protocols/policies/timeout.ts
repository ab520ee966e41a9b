/**
 * Idle timeouts: Twisted's `TimeoutMixin`, `TimeoutProtocol` and `TimeoutFactory`.
 *
 * TypeScript has no multiple inheritance, so the mixin comes in two forms built on one small
 * class:
 *
 * - {@link IdleTimeout}: a timer that runs a function after a period without activity. Compose it
 *   into any class (`readonly idle = new IdleTimeout(clock, () => …)`): this keeps the class's
 *   own generic parameters, and is the form to prefer in library code.
 * - {@link withTimeout}: a class-mixin function giving a protocol class Twisted's
 *   `setTimeout(seconds | null)` / `resetTimeout()` / `timeoutConnection()` methods
 *   (`class Session extends withTimeout(LineReceiver) { … }`), for code ported from Twisted.
 * - {@link TimeoutFactory}: the policy as a wrapping factory, for protocols that were not written
 *   with a timeout: any protocol, idle for `timeoutPeriod`, is disconnected.
 *
 * Time goes through an injected `IReactorTime` (the reactor, or a `Clock` in tests).
 *
 * @module
 */

import { InvalidStateError } from "../../errors/errors.js";
import type { Failure } from "../../errors/failure.js";
import type { Address } from "../../protocol/address.js";
import type { IProtocol, IProtocolFactory, ITransport } from "../../protocol/interfaces.js";
import type { IDelayedCall, IReactorTime } from "../../time/interfaces.js";
import { ProtocolWrapper, WrappingFactory } from "./wrapper.js";

function checkPeriod(seconds: number | null, where: string): void {
  if (seconds !== null && !(seconds >= 0)) {
    throw new RangeError(`${where}: the timeout must be null or a number >= 0, not ${seconds}`);
  }
}

/**
 * A timer that calls `onTimeout` once a period passes with no {@link reset}: the state machine
 * behind every idle timeout here.
 *
 * @example
 * ```ts
 * class Session extends LineReceiver {
 *   readonly idle: IdleTimeout;
 *   constructor(clock: IReactorTime) {
 *     super();
 *     this.idle = new IdleTimeout(clock, () => this.transport?.loseConnection());
 *   }
 *   override connectionMade(): void {
 *     this.idle.set(60);
 *   }
 *   override lineReceived(line: Uint8Array): void {
 *     this.idle.reset();
 *     this.sendLine(line);
 *   }
 *   override connectionLost(reason: Failure): void {
 *     this.idle.set(null);
 *     super.connectionLost(reason);
 *   }
 * }
 * ```
 */
export class IdleTimeout {
  #period: number | null = null;
  #call: IDelayedCall | null = null;

  /**
   * @param clock - where the timer is scheduled.
   * @param onTimeout - called when the period runs out (once; `set` or `reset` arms it again).
   */
  constructor(
    readonly clock: IReactorTime,
    readonly onTimeout: () => void,
  ) {}

  /** The period in seconds, or `null` when there is none. */
  get period(): number | null {
    return this.#period;
  }

  /** Whether the timer is armed: a period is set and has not run out. */
  get pending(): boolean {
    return this.#call !== null;
  }

  /**
   * Sets the period and (re)starts the timer from now; `null` cancels it.
   *
   * @returns the previous period.
   * @throws RangeError when `seconds` is negative or NaN.
   */
  set(seconds: number | null): number | null {
    checkPeriod(seconds, "IdleTimeout.set");
    const previous = this.#period;
    this.#period = seconds;
    if (seconds === null) {
      this.#cancel();
    } else if (this.#call !== null) {
      this.#call.reset(seconds);
    } else {
      this.#call = this.clock.callLater(seconds, this.#fire);
    }
    return previous;
  }

  /**
   * There was activity: the period starts again from now. Does nothing when no period is set,
   * or when it has already run out.
   */
  reset(): void {
    if (this.#call !== null && this.#period !== null) this.#call.reset(this.#period);
  }

  #cancel(): void {
    const call = this.#call;
    this.#call = null;
    if (call?.active()) call.cancel();
  }

  readonly #fire = (): void => {
    this.#call = null;
    this.onTimeout();
  };
}

/** What {@link withTimeout} needs of the class it extends. */
export interface TimeoutBase {
  transport: ITransport | null;
  connectionLost(reason: Failure): void;
}

/** The methods {@link withTimeout} adds. */
export interface ITimeoutProtocol {
  /** The current period in seconds, or `null`. */
  readonly timeOut: number | null;
  /** The clock the timer runs on: set it before {@link setTimeout}. */
  clock: IReactorTime | null;
  /** Sets (or with `null`, cancels) the timeout, restarting it from now; returns the previous period. */
  setTimeout(seconds: number | null): number | null;
  /** Restarts the period from now; call it on activity. */
  resetTimeout(): void;
  /** The period ran out. The default closes the connection with `transport.loseConnection()`. */
  timeoutConnection(): void;
}

/** A constructor of `T` (possibly abstract), as mixins take. */
// biome-ignore lint/suspicious/noExplicitAny: TypeScript requires any[] for mixin constructors.
export type MixinBase<T> = abstract new (...args: any[]) => T;

/**
 * Twisted's `TimeoutMixin` as a class-mixin function: a subclass of `Base` with an idle timeout.
 *
 * Set {@link ITimeoutProtocol.clock} (the reactor, or a `Clock` in tests; there is no global
 * default, since protocols do not import the reactor), call `setTimeout(seconds)` to start it,
 * `resetTimeout()` on each sign of activity, and override `timeoutConnection()` to do something
 * other than `transport.loseConnection()` (Twisted's default; call `transport.abortConnection()`
 * instead for a peer that may have stopped reading). Unlike Twisted's, the timer is also
 * cancelled when the connection is lost.
 *
 * The subclass loses `Base`'s generic parameters (a TypeScript limit of mixins): where they
 * matter, compose an {@link IdleTimeout} instead.
 *
 * @throws InvalidStateError from `setTimeout(seconds)` when no clock is set.
 *
 * @example
 * ```ts
 * class Prompt extends withTimeout(LineReceiver) {
 *   override connectionMade(): void {
 *     this.clock = (this.factory as { clock: IReactorTime }).clock;
 *     this.setTimeout(30);
 *   }
 *   override lineReceived(line: Uint8Array): void {
 *     this.resetTimeout();
 *     this.sendLine(line);
 *   }
 * }
 * ```
 */
export function withTimeout<B extends MixinBase<TimeoutBase>>(Base: B) {
  abstract class WithTimeout extends Base implements ITimeoutProtocol {
    /** @internal the timer, created on the first `setTimeout`. */
    timeoutTimer: IdleTimeout | null = null;
    clock: IReactorTime | null = null;

    get timeOut(): number | null {
      return this.timeoutTimer?.period ?? null;
    }

    setTimeout(seconds: number | null): number | null {
      checkPeriod(seconds, "setTimeout");
      if (this.timeoutTimer === null) {
        if (seconds === null) return null;
        if (this.clock === null) {
          throw new InvalidStateError(
            `${this.constructor.name}.setTimeout: set this.clock (the reactor, or a Clock) first`,
          );
        }
        this.timeoutTimer = new IdleTimeout(this.clock, () => this.timeoutConnection());
      }
      return this.timeoutTimer.set(seconds);
    }

    resetTimeout(): void {
      this.timeoutTimer?.reset();
    }

    timeoutConnection(): void {
      this.transport?.loseConnection();
    }

    override connectionLost(reason: Failure): void {
      this.timeoutTimer?.set(null);
      super.connectionLost(reason);
    }
  }
  return WithTimeout;
}

/**
 * The wrapper {@link TimeoutFactory} puts around each protocol: data received and data written
 * both count as activity; after `timeoutPeriod` seconds of neither, {@link timeoutFunc} runs.
 *
 * @example
 * ```ts
 * const p = new TimeoutProtocol(null, new Echo(), 5, clock);
 * p.makeConnection(new StringTransport());
 * clock.advance(5); // p.transport.disconnecting === true
 * ```
 */
export class TimeoutProtocol<P extends IProtocol = IProtocol> extends ProtocolWrapper<P> {
  /** The idle timer; `idle.set(seconds | null)` changes the period while connected. */
  readonly idle: IdleTimeout;

  /**
   * @param timeoutPeriod - seconds of inactivity allowed (`null`: no timeout until `idle.set`).
   * @throws RangeError when `timeoutPeriod` is negative or NaN.
   */
  constructor(
    factory: WrappingFactory | null,
    wrappedProtocol: P,
    readonly timeoutPeriod: number | null,
    clock: IReactorTime,
  ) {
    super(factory, wrappedProtocol);
    checkPeriod(timeoutPeriod, "TimeoutProtocol");
    this.idle = new IdleTimeout(clock, () => this.timeoutFunc());
  }

  /** Starts the timer, then connects the wrapped protocol. */
  override connectionMade(): void {
    this.idle.set(this.timeoutPeriod);
    super.connectionMade();
  }

  /** Counts as activity, then forwards. */
  override dataReceived(data: Uint8Array): void {
    this.idle.reset();
    super.dataReceived(data);
  }

  /** Counts as activity, then forwards. */
  override write(data: Uint8Array): void {
    this.idle.reset();
    super.write(data);
  }

  /** Counts as activity, then forwards. */
  override writeSequence(data: Iterable<Uint8Array>): void {
    this.idle.reset();
    super.writeSequence(data);
  }

  /** Cancels the timer, then forwards. */
  override connectionLost(reason: Failure): void {
    this.idle.set(null);
    super.connectionLost(reason);
  }

  /** The period ran out: closes the connection with `loseConnection()` (as Twisted). */
  timeoutFunc(): void {
    this.loseConnection();
  }
}

/**
 * Disconnects the connections of any factory after `timeoutPeriod` seconds without data in
 * either direction.
 *
 * @example
 * ```ts
 * await serverFromString(reactor, "tcp:8000").listen(
 *   new TimeoutFactory(Factory.forProtocol(Echo), 300, reactor),
 * );
 * ```
 */
export class TimeoutFactory extends WrappingFactory {
  /**
   * @param timeoutPeriod - seconds of inactivity allowed per connection.
   * @param clock - where the timers run (the reactor, or a `Clock` in tests).
   * @throws RangeError when `timeoutPeriod` is negative or NaN.
   */
  constructor(
    wrappedFactory: IProtocolFactory,
    readonly timeoutPeriod: number,
    readonly clock: IReactorTime,
  ) {
    super(wrappedFactory);
    checkPeriod(timeoutPeriod, "TimeoutFactory");
  }

  /** A {@link TimeoutProtocol} around `protocol`. */
  override wrapProtocol(protocol: IProtocol, _addr: Address): TimeoutProtocol {
    return new TimeoutProtocol(this, protocol, this.timeoutPeriod, this.clock);
  }
}
