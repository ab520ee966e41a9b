/**
 * Bridges between Braid producers/consumers and Node streams, keeping backpressure both ways:
 *
 * - {@link fromReadable}: a `Readable` (or the readable side of a `Duplex`) as a push producer:
 *   `pauseProducing()` pauses the stream, `stopProducing()` destroys it.
 * - {@link WritableSink}: a `Writable` as a consumer that honours `write()`'s return value: it
 *   pauses its producer until `'drain'`; `finish()` ends the stream and waits for `'finish'`.
 * - {@link toReadable}: a Braid source exposed as a `Readable` (the producer is paused when
 *   `push()` says the buffer is full, resumed on `_read()`).
 * - {@link toWritable}: a Braid consumer exposed as a `Writable` (a write's callback waits while
 *   the consumer has paused it, so `write()` returns `false` and `'drain'` follows).
 * - {@link fromDuplex}: both directions of a `Duplex`.
 *
 * @module
 */

import {
  type Duplex,
  finished,
  Readable,
  type ReadableOptions,
  Writable,
  type WritableOptions,
} from "node:stream";
import { Deferred, isDeferred } from "../../defer/deferred.js";
import { InvalidStateError } from "../../errors/errors.js";
import { Failure } from "../../errors/failure.js";
import { PipelineStoppedError } from "../../errors/pipeline.js";
import type { IConsumer, IPullProducer, IPushProducer } from "../interfaces.js";
import { type IFinishableConsumer, type ISource, isFinishable } from "../pipeline.js";

/** A producer whose `stopProducing` may say why (pipeline stages accept a reason). */
type Stoppable = { stopProducing(reason?: unknown): void };

/**
 * A `Readable` as a source and push producer. Its end finishes the consumer; an error (or a close
 * before the end) fails it.
 *
 * Made by {@link fromReadable}.
 */
export class ReadableSource<T> implements ISource<T>, IPushProducer {
  /** The name in pipeline error reports. */
  readonly name: string;
  private _consumer: IFinishableConsumer<T> | null = null;
  private _stopped = false;

  constructor(
    /** The stream read from. */
    readonly readable: Readable,
    name = "readable",
  ) {
    this.name = name;
  }

  /** Registers on `consumer` and starts reading. */
  start(consumer: IFinishableConsumer<T>): void {
    if (this._consumer !== null) throw new InvalidStateError("ReadableSource.start called twice");
    this._consumer = consumer;
    const r = this.readable;
    consumer.registerProducer(this, true);
    r.on("data", (chunk: T) => {
      if (!this._stopped) consumer.write(chunk);
    });
    finished(r, { writable: false }, (err) => {
      if (this._stopped) return;
      this._stopped = true;
      if (err) {
        if (consumer.fail !== undefined) consumer.fail(new Failure(err));
        else consumer.unregisterProducer();
      } else consumer.finish();
    });
  }

  /** Pauses the stream. */
  pauseProducing(): void {
    if (!this._stopped) this.readable.pause();
  }

  /** Resumes the stream. */
  resumeProducing(): void {
    if (!this._stopped) this.readable.resume();
  }

  /** Destroys the stream; nothing more is written. */
  stopProducing(): void {
    if (this._stopped) return;
    this._stopped = true;
    this.readable.destroy();
  }
}

/**
 * A source over a Node `Readable` (bytes, strings or objects, as the stream gives them).
 *
 * @example
 * ```ts
 * await pipeline(fromReadable<Uint8Array>(createReadStream("in.log")))
 *   .through(splitLines())
 *   .into(new WritableSink(createWriteStream("out.log"))).done;
 * ```
 */
export function fromReadable<T = Uint8Array>(readable: Readable, name?: string): ReadableSource<T> {
  return new ReadableSource<T>(readable, name);
}

/**
 * A Node `Writable` as a consumer: a push producer is paused when `write()` returns `false` and
 * resumed on `'drain'`; a pull producer is asked for the next chunk after each accepted write.
 * `finish()` ends the stream and returns a Deferred that fires on `'finish'`; `fail()` destroys it.
 * A stream error stops the producer with the error as the reason.
 */
export class WritableSink<T = Uint8Array> implements IFinishableConsumer<T> {
  /** The name in pipeline error reports. */
  readonly name = "writable";
  private _producer: IPushProducer | IPullProducer | null = null;
  private _streaming = false;
  private _paused = false;
  private _ended = false;

  constructor(
    /** The stream written to. */
    readonly writable: Writable,
  ) {
    writable.on("drain", () => this._drained());
    writable.on("error", (err: Error) => {
      const p = this._producer;
      this._producer = null;
      if (p !== null) (p as Stoppable).stopProducing(err);
    });
  }

  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this._producer !== null) throw new InvalidStateError("WritableSink already has a producer");
    this._producer = producer;
    this._streaming = streaming;
    this._paused = false;
    if (this.writable.writableNeedDrain) {
      if (streaming) {
        this._paused = true;
        (producer as IPushProducer).pauseProducing();
      }
    } else if (!streaming) producer.resumeProducing();
  }

  unregisterProducer(): void {
    this._producer = null;
    this._paused = false;
  }

  write(data: T): void {
    const ok = this.writable.write(data);
    const p = this._producer;
    if (p === null) return;
    if (this._streaming) {
      if (!ok && !this._paused) {
        this._paused = true;
        (p as IPushProducer).pauseProducing();
      }
    } else if (ok) {
      queueMicrotask(() => {
        if (this._producer === p) p.resumeProducing();
      });
    }
  }

  /** Ends the stream; the Deferred fires once everything is flushed (`'finish'`). */
  finish(): Deferred<void> {
    this._ended = true;
    const d = new Deferred<void>();
    finished(this.writable, { readable: false }, (err) =>
      err ? d.errback(err) : d.callback(undefined),
    );
    this.writable.end();
    return d;
  }

  /** Destroys the stream with the failure's error. */
  fail(failure: Failure): void {
    this._ended = true;
    const v = failure.value;
    this.writable.destroy(v instanceof Error ? v : new Error(String(v)));
  }

  private _drained(): void {
    const p = this._producer;
    if (p === null || this._ended) return;
    if (this._streaming) {
      if (this._paused) {
        this._paused = false;
        (p as IPushProducer).resumeProducing();
      }
    } else p.resumeProducing();
  }
}

/**
 * The consumer behind {@link toReadable}: pushes into a `Readable`, pausing its producer when the
 * stream's buffer is full and resuming it when the stream is read.
 */
export class ReadableSink<T = Uint8Array> implements IFinishableConsumer<T> {
  /** The name in pipeline error reports. */
  readonly name = "readable";
  /** The stream to read from. */
  readonly readable: Readable;
  private _producer: IPushProducer | IPullProducer | null = null;
  private _streaming = false;
  private _paused = false;
  private _wanted = false;
  private _ended = false;

  constructor(options: ReadableOptions = {}) {
    this.readable = new Readable({
      ...options,
      read: () => this._read(),
      destroy: (err, cb) => {
        const p = this._producer;
        this._producer = null;
        if (p !== null && !this._ended) {
          (p as Stoppable).stopProducing(
            new PipelineStoppedError(
              "The Readable was destroyed",
              err ? { cause: err } : undefined,
            ),
          );
        }
        cb(err);
      },
    });
  }

  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this._producer !== null) throw new InvalidStateError("ReadableSink already has a producer");
    this._producer = producer;
    this._streaming = streaming;
    this._paused = false;
    if (!streaming && this._wanted) {
      this._wanted = false;
      producer.resumeProducing();
    }
  }

  unregisterProducer(): void {
    this._producer = null;
  }

  write(data: T): void {
    if (this._ended) return;
    const more = this.readable.push(data);
    const p = this._producer;
    if (!more && p !== null && this._streaming && !this._paused) {
      this._paused = true;
      (p as IPushProducer).pauseProducing();
    }
  }

  /** Ends the stream (`push(null)`). */
  finish(): void {
    if (this._ended) return;
    this._ended = true;
    this._producer = null;
    this.readable.push(null);
  }

  /** Destroys the stream with the failure's error. */
  fail(failure: Failure): void {
    if (this._ended) return;
    this._ended = true;
    this._producer = null;
    const v = failure.value;
    this.readable.destroy(v instanceof Error ? v : new Error(String(v)));
  }

  private _read(): void {
    const p = this._producer;
    if (p === null) {
      this._wanted = true;
      return;
    }
    if (this._streaming) {
      if (this._paused) {
        this._paused = false;
        (p as IPushProducer).resumeProducing();
      }
    } else p.resumeProducing();
  }
}

/**
 * Exposes a Braid source as a Node `Readable`. Pass `{ objectMode: true }` for items other than
 * bytes and strings.
 *
 * @example
 * ```ts
 * toReadable(fromIterable(rows)).pipe(process.stdout);
 * ```
 */
export function toReadable<T>(source: ISource<T>, options?: ReadableOptions): Readable {
  const sink = new ReadableSink<T>(options);
  source.start(sink);
  return sink.readable;
}

/**
 * Exposes a Braid consumer as a Node `Writable`: each write goes to `consumer.write`; while the
 * consumer has paused the stream, write callbacks wait (so `write()` returns `false` and
 * `'drain'` follows). Ending the stream calls `consumer.finish()` (waiting for what it returns) or,
 * for a plain consumer, `unregisterProducer()`; destroying it with an error calls `fail`. The
 * consumer stopping the stream destroys it with a {@link PipelineStoppedError}.
 *
 * @example
 * ```ts
 * const p = pipeline<Uint8Array>().through(splitLines()).into(collect());
 * await stream.promises.pipeline(createReadStream("in.txt"), toWritable(p.input));
 * ```
 */
export function toWritable<T>(consumer: IConsumer<T>, options: WritableOptions = {}): Writable {
  let paused = false;
  let held: (() => void) | null = null;
  let done = false;
  const release = () => {
    const cb = held;
    held = null;
    cb?.();
  };
  const producer: IPushProducer & Stoppable = {
    pauseProducing: () => {
      paused = true;
    },
    resumeProducing: () => {
      paused = false;
      release();
    },
    stopProducing: (reason?: unknown) => {
      if (done) return;
      done = true;
      w.destroy(
        reason instanceof PipelineStoppedError
          ? reason
          : new PipelineStoppedError(
              undefined,
              reason === undefined ? undefined : { cause: reason },
            ),
      );
    },
  };
  const w = new Writable({
    ...options,
    write: (chunk: T, _enc, cb) => {
      try {
        consumer.write(chunk);
      } catch (e) {
        cb(e as Error);
        return;
      }
      if (paused) held = () => cb();
      else cb();
    },
    final: (cb) => {
      done = true;
      try {
        consumer.unregisterProducer();
        const r = isFinishable(consumer) ? consumer.finish() : undefined;
        if (
          r !== undefined &&
          r !== null &&
          typeof (r as PromiseLike<unknown>).then === "function"
        ) {
          const d = isDeferred(r) ? r : Deferred.fromPromise(r as PromiseLike<unknown>);
          d.addCallbacks(
            () => cb(),
            (f: Failure) => cb(f.value instanceof Error ? f.value : new Error(String(f.value))),
          );
          return;
        }
      } catch (e) {
        cb(e as Error);
        return;
      }
      cb();
    },
    destroy: (err, cb) => {
      if (!done) {
        done = true;
        // fail() ends the stream; unregistering first would finish it instead.
        if (isFinishable(consumer) && consumer.fail !== undefined) {
          consumer.fail(new Failure(err ?? new PipelineStoppedError("The Writable was destroyed")));
        } else consumer.unregisterProducer();
      }
      cb(err);
    },
  });
  consumer.registerProducer(producer, true);
  return w;
}

/** Both directions of a `Duplex`: a source of what it reads and a sink for what it writes. */
export interface DuplexBridge<R, W> {
  /** The readable side as a source. */
  readonly source: ReadableSource<R>;
  /** The writable side as a sink. */
  readonly sink: WritableSink<W>;
}

/**
 * Bridges a `Duplex` (a socket, a transform stream): read from `source`, write to `sink`.
 *
 * @example
 * ```ts
 * const { source, sink } = fromDuplex<Uint8Array, Uint8Array>(zlib.createGzip());
 * ```
 */
export function fromDuplex<R = Uint8Array, W = Uint8Array>(duplex: Duplex): DuplexBridge<R, W> {
  return { source: new ReadableSource<R>(duplex, "duplex"), sink: new WritableSink<W>(duplex) };
}
