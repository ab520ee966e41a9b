/**
 * The consumer's half of the producer contract, shared by every consumer that buffers writes
 * (TCP/TLS/UNIX transports, a child's stdin, a pseudo-terminal, the in-memory test transport):
 * one registered producer at a time, a push producer paused above the high-water mark of the
 * write buffer and resumed at the low one, a pull producer asked for more each time the buffer
 * empties, and the producer stopped when the consumer goes away. What the consumer buffers and
 * when it drains is its own business: it reports the buffered size, this decides whom to call.
 *
 * @module
 */

import { InvalidStateError } from "../errors/errors.js";
import { Logger } from "../logger/logger.js";
import type { IPullProducer, IPushProducer } from "./interfaces.js";

const defaultLog = new Logger("braid.producers");

/** The default high-water mark of a write buffer, in bytes (64 KiB); the low one is a quarter. */
export const DEFAULT_HIGH_WATER = 64 * 1024;

/** The high and low marks of a write buffer, as validated by {@link checkWriteBufferLimits}. */
export interface WriteBufferLimits {
  /** A push producer is paused when the buffer holds more than this many bytes. */
  readonly high: number;
  /** A paused push producer is resumed when the buffer holds this many bytes or fewer. */
  readonly low: number;
}

/**
 * Validates and fills in write-buffer marks as `ITransport.setWriteBufferLimits` takes them:
 * `high` defaults to 64 KiB, or to four times `low` when that is more; `low` defaults to a
 * quarter of `high`.
 *
 * @throws RangeError when a mark is negative or not a number, or `low > high`.
 */
export function checkWriteBufferLimits(high?: number, low?: number): WriteBufferLimits {
  const h =
    high ?? (low !== undefined ? Math.max(DEFAULT_HIGH_WATER, 4 * low) : DEFAULT_HIGH_WATER);
  const l = low ?? Math.floor(h / 4);
  if (!(h >= 0) || !(l >= 0)) {
    throw new RangeError(`write buffer limits must be non-negative numbers (high=${h}, low=${l})`);
  }
  if (l > h) throw new RangeError(`write buffer low mark ${l} is above the high mark ${h}`);
  return { high: h, low: l };
}

/** A method of the producer contract that a consumer calls. */
export type ProducerMethod = "pauseProducing" | "resumeProducing" | "stopProducing";

/**
 * Calls `producer[method]()`, logging what it throws instead of letting it through: a faulty
 * producer must not break the consumer that calls it (a socket's drain, a flush). A method the
 * producer lacks (a pull producer has no `pauseProducing`) is skipped.
 */
export function callProducer(
  producer: IPushProducer | IPullProducer,
  method: ProducerMethod,
  log: Logger = defaultLog,
): void {
  const fn = (producer as Partial<IPushProducer>)[method];
  if (typeof fn !== "function") return;
  try {
    fn.call(producer);
  } catch (e) {
    log.failure("Producer's {method} failed", e, { method });
  }
}

/**
 * The producer registered with a consumer, and the write-buffer marks that pace it. The consumer
 * forwards `registerProducer` / `unregisterProducer` / `setWriteBufferLimits` to it, reports its
 * buffered size after each write ({@link written}) and each time the buffer shrinks
 * ({@link drained}), and calls {@link stop} when it goes away.
 *
 * @example
 * ```ts
 * class Sink implements IConsumer {
 *   private readonly flow = new ProducerRegistration();
 *   registerProducer(p: IPushProducer | IPullProducer, streaming: boolean): void {
 *     this.flow.register(p, streaming, this.buffered, this.closed, "this sink");
 *   }
 *   unregisterProducer(): void {
 *     this.flow.unregister();
 *   }
 *   write(data: Uint8Array): void {
 *     this.queue(data);
 *     this.flow.written(this.buffered);
 *   }
 * }
 * ```
 */
export class ProducerRegistration {
  /** The registered producer, or `null`. */
  producer: IPushProducer | IPullProducer | null = null;
  /** Whether the registered producer is a push producer (`false` when none is registered). */
  streaming = false;
  /** Whether the push producer is paused by this consumer, its buffer being above the mark. */
  paused = false;
  /** See {@link WriteBufferLimits.high}. */
  high = DEFAULT_HIGH_WATER;
  /** See {@link WriteBufferLimits.low}. */
  low = DEFAULT_HIGH_WATER / 4;
  private readonly _log: Logger;

  /** @param log - where a producer's exceptions are logged (the consumer's logger). */
  constructor(log: Logger = defaultLog) {
    this._log = log;
  }

  /**
   * Registers `producer`. A push producer is paused at once if the buffer is already above the
   * high mark; a pull producer is asked for its first chunk. On a consumer already gone
   * (`closed`), the producer is stopped instead.
   *
   * @param where - names the consumer in the error, e.g. `"this transport"`.
   * @throws InvalidStateError when a producer is already registered.
   */
  register(
    producer: IPushProducer | IPullProducer,
    streaming: boolean,
    buffered: number,
    closed: boolean,
    where: string,
  ): void {
    if (this.producer !== null) {
      throw new InvalidStateError(
        `Cannot register a producer: one is already registered on ${where}`,
      );
    }
    if (closed) {
      callProducer(producer, "stopProducing", this._log);
      return;
    }
    this.producer = producer;
    this.streaming = streaming;
    this.paused = false;
    if (streaming) this.written(buffered);
    else callProducer(producer, "resumeProducing", this._log);
  }

  /** Forgets the producer, without calling it. Returns whether one was registered. */
  unregister(): boolean {
    if (this.producer === null) return false;
    this.producer = null;
    this.streaming = false;
    this.paused = false;
    return true;
  }

  /** Sets the marks, then pauses or resumes the push producer if the buffer now calls for it. */
  setLimits(high: number | undefined, low: number | undefined, buffered: number): void {
    const limits = checkWriteBufferLimits(high, low);
    this.high = limits.high;
    this.low = limits.low;
    if (this.paused) this.drained(buffered, false);
    else this.written(buffered);
  }

  /**
   * Whether writes must be reported with {@link written}: a push producer is registered and not
   * paused. Cheap enough to test on every write.
   */
  get watching(): boolean {
    return this.streaming && !this.paused;
  }

  /**
   * Whether the consumer must report its buffer shrinking ({@link drained}): a pull producer
   * waits for the buffer to empty, or a push producer for it to fall to the low mark. A push
   * producer that is not paused needs nothing, so a consumer may skip its completion callbacks.
   */
  get waiting(): boolean {
    return this.producer !== null && (!this.streaming || this.paused);
  }

  /** After a write: pauses the push producer when `buffered` is above the high mark. */
  written(buffered: number): void {
    const p = this.producer;
    if (p === null || !this.streaming || this.paused || buffered <= this.high) return;
    this.paused = true;
    callProducer(p, "pauseProducing", this._log);
  }

  /**
   * After the buffer shrank to `buffered` bytes: resumes a paused push producer at the low mark,
   * or, with `pull`, asks a pull producer for more once the buffer is empty. (`pull` is false
   * where the consumer asks its pull producer elsewhere, e.g. after its own writes complete.)
   */
  drained(buffered: number, pull: boolean): void {
    const p = this.producer;
    if (p === null) return;
    if (this.streaming) {
      if (this.paused && buffered <= this.low) {
        this.paused = false;
        callProducer(p, "resumeProducing", this._log);
      }
    } else if (pull && buffered === 0) {
      callProducer(p, "resumeProducing", this._log);
    }
  }

  /** The consumer is gone: forgets the producer and stops it. */
  stop(): void {
    const p = this.producer;
    if (p === null) return;
    this.unregister();
    callProducer(p, "stopProducing", this._log);
  }
}
