/**
 * Producer-consumer proxies (Twisted's `twisted.protocols.pcp`): a stage that sits between a
 * producer and a consumer, is a consumer to the first and a producer to the second, and passes
 * flow control through.
 *
 * How they keep the contract of `interfaces.ts`:
 * - Built with a consumer, a proxy registers itself with it at once: as a push producer by
 *   default, or as a pull producer with `{ streaming: false }` (Twisted's `iAmStreaming`).
 * - Upstream, a producer registers with the proxy (`registerProducer` throws when one is
 *   already registered) and unregisters when done; the proxy unregisters from its consumer in
 *   turn, once its buffer is empty.
 * - What arrives while the proxy may not write (it is paused, or, as a pull producer, nobody
 *   asked for data) is buffered and written in one `write` on the next `resumeProducing()`.
 * - {@link BasicProducerConsumerProxy} relays `pauseProducing` / `resumeProducing` to its
 *   producer and buffers what it gets meanwhile (bounded by how well the producer obeys).
 *   {@link ProducerConsumerProxy} keeps its own bounded buffer instead: a pause only stops the
 *   proxy writing; the producer is paused when the buffer reaches `bufferSize` (64 KiB) and
 *   resumed once it has room again. A pull producer upstream is asked for more only when the
 *   consumer asked the proxy for data that it did not have (`outstandingPull`).
 * - `stopProducing()` is relayed to the producer; the proxy writes nothing afterwards.
 * - Exceptions from the upstream producer's methods are logged, never thrown into the caller.
 *
 * @module
 */

import { InvalidStateError } from "../errors/errors.js";
import type { IConsumer, IPullProducer, IPushProducer } from "./interfaces.js";
import { callProducer } from "./registration.js";

/** Twisted's `2**2**2**2`: 64 KiB. */
const DEFAULT_BUFFER_SIZE = 64 * 1024;

/** Options of a producer-consumer proxy. */
export interface ProducerConsumerProxyOptions {
  /**
   * Whether the proxy registers with its consumer as a push producer (`true`, the default) or a
   * pull producer (`false`): Twisted's `iAmStreaming`.
   */
  streaming?: boolean;
}

/** Options of a {@link ProducerConsumerProxy}. */
export interface BoundedProxyOptions extends ProducerConsumerProxyOptions {
  /** Buffered bytes at which a push producer upstream is paused (default 64 KiB). */
  bufferSize?: number;
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * A proxy that relays pauses and resumes to its producer and buffers whatever arrives while it
 * is paused (see the module comment).
 *
 * @example
 * ```ts
 * const proxy = new BasicProducerConsumerProxy(transport);  // registered as a push producer
 * source.registerConsumer(proxy);                            // whatever writes to `proxy`
 * // transport pauses proxy → proxy pauses source; transport resumes proxy → buffered data
 * // is written, then source resumes.
 * ```
 */
export class BasicProducerConsumerProxy implements IPushProducer, IConsumer<Uint8Array> {
  /** Where the data goes; `null` once stopped (or when built without one). */
  consumer: IConsumer<Uint8Array> | null = null;
  /** The producer registered upstream, or `null`. */
  producer: IPushProducer | IPullProducer | null = null;
  /** Whether {@link producer} is a push producer; `null` when none is registered. */
  producerIsStreaming: boolean | null = null;
  /** Whether this proxy is a push (`true`) or pull producer to its consumer. */
  readonly iAmStreaming: boolean;
  /** As a pull producer: the consumer asked for data the proxy did not have yet. */
  outstandingPull = false;
  /** The consumer paused this proxy. */
  paused = false;
  /** The consumer stopped this proxy. */
  stopped = false;

  /** What arrived while the proxy could not write, oldest first. */
  protected _buffer: Uint8Array[] = [];
  /** Bytes in {@link _buffer}. */
  protected _buffered = 0;

  /**
   * @param consumer - where the data goes; the proxy registers itself with it at once (as a
   *   push producer unless `options.streaming` is false).
   */
  constructor(consumer: IConsumer<Uint8Array> | null, options: ProducerConsumerProxyOptions = {}) {
    this.iAmStreaming = options.streaming ?? true;
    if (consumer !== null) {
      this.consumer = consumer;
      consumer.registerProducer(this, this.iAmStreaming);
    }
  }

  /** Bytes buffered, waiting for the consumer. */
  get bufferedBytes(): number {
    return this._buffered;
  }

  // --- producer side (called by the consumer) ------------------------------------------------

  /** Stops writing, and pauses the producer upstream. */
  pauseProducing(): void {
    this.paused = true;
    if (this.producer !== null) callProducer(this.producer, "pauseProducing");
  }

  /**
   * Writes what was buffered (one `write`), or as a pull producer records the request when there
   * is nothing; then resumes the producer upstream.
   */
  resumeProducing(): void {
    this.paused = false;
    if (this._buffered > 0 || this._buffer.length > 0) {
      const data = this._takeBuffer();
      this.consumer?.write(data);
    } else if (!this.iAmStreaming) {
      this.outstandingPull = true;
    }
    if (this.producer !== null) callProducer(this.producer, "resumeProducing");
  }

  /** Stops the producer upstream and lets go of the consumer. */
  stopProducing(): void {
    this.stopped = true;
    if (this.producer !== null) callProducer(this.producer, "stopProducing");
    this.consumer = null;
  }

  // --- consumer side (called by the producer) -----------------------------------------------

  /** Passes `data` on, or buffers it while the proxy is paused or (pulling) nobody asked. */
  write(data: Uint8Array): void {
    if (this.paused || (!this.iAmStreaming && !this.outstandingPull)) {
      this._buffer.push(data);
      this._buffered += data.byteLength;
    } else if (this.consumer !== null) {
      this.consumer.write(data);
      this.outstandingPull = false;
    }
  }

  /**
   * Attaches the producer upstream.
   *
   * @throws InvalidStateError when one is already registered.
   */
  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.producer !== null) {
      throw new InvalidStateError("A producer is already registered with this proxy");
    }
    this.producer = producer;
    this.producerIsStreaming = streaming;
  }

  /** Detaches the producer upstream, and unregisters this proxy from its consumer. */
  unregisterProducer(): void {
    this.producer = null;
    this.producerIsStreaming = null;
    this.consumer?.unregisterProducer();
  }

  /** Empties the buffer into one chunk. */
  protected _takeBuffer(): Uint8Array {
    const data = concat(this._buffer, this._buffered);
    this._buffer = [];
    this._buffered = 0;
    return data;
  }
}

/**
 * A proxy with a bounded buffer of its own: pausing it does not pause the producer upstream
 * until the buffer holds `bufferSize` bytes (see the module comment).
 *
 * @example
 * ```ts
 * const proxy = new ProducerConsumerProxy(transport, { bufferSize: 256 * 1024 });
 * new FileSender().beginFileTransfer(path, proxy); // a pull producer upstream
 * ```
 */
export class ProducerConsumerProxy extends BasicProducerConsumerProxy {
  /** Buffered bytes at which the push producer upstream is paused. */
  readonly bufferSize: number;
  /** This proxy paused the producer upstream because its buffer was full. */
  producerPaused = false;
  /** The producer upstream has unregistered; the proxy unregisters once its buffer is empty. */
  unregistered = false;

  /** @throws RangeError when `bufferSize` is not a positive number. */
  constructor(consumer: IConsumer<Uint8Array> | null, options: BoundedProxyOptions = {}) {
    const size = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    if (!(size > 0)) throw new RangeError(`bufferSize must be positive, not ${size}`);
    super(consumer, options);
    this.bufferSize = size;
  }

  /** Stops writing; the producer upstream is paused only once the buffer fills up. */
  override pauseProducing(): void {
    this.paused = true;
  }

  /**
   * Writes what was buffered; then resumes the producer upstream if the buffer had made the
   * proxy pause it, or (pulling) asks it for data when there was nothing to send.
   */
  override resumeProducing(): void {
    this.paused = false;
    let sent = 0;
    if (this._buffered > 0 || this._buffer.length > 0) {
      sent = this._buffered;
      const data = this._takeBuffer();
      this.consumer?.write(data);
    }
    if (this.unregistered && sent > 0 && this.consumer !== null) {
      this.consumer.unregisterProducer();
    }
    if (!this.iAmStreaming) this.outstandingPull = sent === 0;
    const producer = this.producer;
    if (producer !== null) {
      if (this.producerPaused && this._buffered < this.bufferSize) {
        this.producerPaused = false;
        callProducer(producer, "resumeProducing");
      } else if (this.outstandingPull) {
        callProducer(producer, "resumeProducing");
      }
    }
  }

  /** Passes `data` on or buffers it; pauses a push producer upstream when the buffer is full. */
  override write(data: Uint8Array): void {
    super.write(data);
    const producer = this.producer;
    if (
      producer !== null &&
      this.producerIsStreaming === true &&
      !this.producerPaused &&
      this._buffered >= this.bufferSize
    ) {
      this.producerPaused = true;
      callProducer(producer, "pauseProducing");
    }
  }

  /**
   * Attaches the producer upstream; a pull producer is asked for its first chunk at once.
   *
   * @throws InvalidStateError when one is already registered.
   */
  override registerProducer(producer: IPushProducer, streaming: true): void;
  override registerProducer(producer: IPullProducer, streaming: false): void;
  override registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  override registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    super.registerProducer(producer, streaming);
    this.unregistered = false;
    this.producerPaused = false;
    if (!streaming) callProducer(producer, "resumeProducing");
  }

  /** Detaches the producer upstream; the proxy unregisters from its consumer once drained. */
  override unregisterProducer(): void {
    this.producer = null;
    this.producerIsStreaming = null;
    this.unregistered = true;
    if (this.consumer !== null && this._buffered === 0 && this._buffer.length === 0) {
      this.consumer.unregisterProducer();
    }
  }
}
