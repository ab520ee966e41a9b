/**
 * The producer/consumer contract: how data flows between a source and a sink in bounded memory.
 *
 * ```text
 *            write(data)                       registerProducer(p, streaming)
 *  producer ───────────────▶ consumer     consumer ◀───────────────────────── whoever wires them
 *     ▲                          │
 *     │  pauseProducing()        │   push producer (streaming = true): produces until paused;
 *     │  resumeProducing()  ◀────┘   the consumer pauses it when its buffer passes a high-water
 *     │  stopProducing()              mark and resumes it when the buffer drains.
 *     │
 *     │  resumeProducing()  ◀──────  pull producer (streaming = false): produces one chunk per
 *                                    resumeProducing(), which the consumer calls each time it
 *                                    is ready for more.
 * ```
 *
 * Rules every implementation keeps:
 * - A consumer has at most one producer; `registerProducer` throws when one is registered.
 * - `stopProducing()` means the rest is not wanted: the producer releases its resources and
 *   writes nothing more. It is called when the consumer goes away (a connection is lost).
 * - A producer that finishes calls `consumer.unregisterProducer()`.
 * - Exceptions thrown from `pauseProducing` / `resumeProducing` / `stopProducing` are logged by
 *   the caller, never propagated into the caller's own work.
 * - A consumer never buffers without bound: it pauses its producer instead.
 *
 * The interfaces are generic: bytes are only the default. Consumers of rows, messages or parsed
 * lines use the same contract.
 *
 * @module
 */

/** Anything that produces data for a consumer and can be told to stop. */
export interface IProducer {
  /**
   * The consumer does not want any more data: stop producing for good and release resources.
   * Called at most once by a well-behaved consumer; implementations tolerate repeats.
   */
  stopProducing(): void;
}

/**
 * A producer that writes on its own initiative (data arriving from a socket, a timer) until it is
 * paused: it is registered with `streaming = true`.
 */
export interface IPushProducer extends IProducer {
  /** Stop writing to the consumer until {@link resumeProducing}. Repeated calls are harmless. */
  pauseProducing(): void;
  /** Writing may go on. Called after {@link pauseProducing}; repeated calls are harmless. */
  resumeProducing(): void;
}

/**
 * A producer that writes exactly when asked: each `resumeProducing()` writes one chunk (or, when
 * the data is exhausted, unregisters itself). Registered with `streaming = false`.
 */
export interface IPullProducer extends IProducer {
  /** Produce the next chunk now, by calling the consumer's `write` once. */
  resumeProducing(): void;
}

/** A consumer of `T` (bytes by default): the other end of a producer. */
export interface IConsumer<T = Uint8Array> {
  /**
   * Attaches `producer` to this consumer. With `streaming = true` it is a push producer the
   * consumer will pause and resume; with `false` a pull producer the consumer will ask for each
   * chunk (its `resumeProducing` is called once right away, and again each time the consumer is
   * ready for more).
   *
   * @throws when a producer is already registered.
   */
  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;

  /** Detaches the current producer: it is done. A no-op when none is registered. */
  unregisterProducer(): void;

  /** Takes `data`. Never blocks; the consumer applies backpressure through its producer. */
  write(data: T): void;
}
