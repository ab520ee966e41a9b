/**
 * `CooperativeProducer`: a push producer made from a synchronous iterator of chunks (a CPU-bound
 * generator: rendering, compression, a computed stream), run through a `Cooperator` so that long
 * production is cut into time slices and the reactor stays responsive between them.
 *
 * How it keeps the contract of `interfaces.ts`:
 * - {@link CooperativeProducer.startProducing} registers it with the consumer as a push producer
 *   (`streaming = true`).
 * - Each step of the Cooperator takes one chunk from the iterator and writes it with one
 *   `consumer.write`; the Cooperator runs steps until its time slice (10 ms by default) is used
 *   up, then yields to the event loop.
 * - `pauseProducing()` pauses the `CooperativeTask` (no step runs; a pause from inside a `write`
 *   takes effect before the next chunk), `resumeProducing()` resumes it; both are idempotent.
 * - When the iterator is exhausted the producer calls `consumer.unregisterProducer()` and fires
 *   its Deferred; when it throws, it unregisters and fails the Deferred with that error.
 * - `stopProducing()` stops the task, closes the iterator (`return()`), and fails the Deferred
 *   with {@link ProducerStopped}; nothing is written afterwards.
 *
 * @module
 */

import { Deferred } from "../defer/deferred.js";
import { InvalidStateError } from "../errors/errors.js";
import type { Failure } from "../errors/failure.js";
import { ProducerStopped } from "../errors/producers.js";
import { Logger } from "../logger/logger.js";
import { type CooperativeTask, type Cooperator, cooperatorFor } from "../time/cooperator.js";
import type { IReactorTime } from "../time/interfaces.js";
import type { IConsumer, IPushProducer } from "./interfaces.js";

const log = new Logger("braid.producers");

/** Options of a {@link CooperativeProducer}: it needs a `cooperator` or a `clock`. */
export interface CooperativeProducerOptions {
  /** The Cooperator that runs the production (takes precedence over `clock`). */
  cooperator?: Cooperator;
  /** Use the shared Cooperator of this clock (the reactor, or a `Clock` in tests). */
  clock?: IReactorTime;
}

const NOT_DONE: IteratorResult<undefined> = { done: false, value: undefined };
const DONE: IteratorResult<undefined> = { done: true, value: undefined };

/**
 * A push producer that writes the chunks of a synchronous iterator to a consumer, a few at a
 * time, through a Cooperator (see the module comment).
 *
 * @example
 * ```ts
 * function* report(rows: Row[]) {
 *   for (const row of rows) yield encoder.encode(`${render(row)}\n`);  // CPU-bound
 * }
 * const producer = new CooperativeProducer(report(rows), { clock: reactor });
 * producer.startProducing(transport).addCallback(() => transport.loseConnection());
 * ```
 */
export class CooperativeProducer<T = Uint8Array> implements IPushProducer {
  private readonly _source: Iterator<T>;
  private readonly _cooperator: Cooperator;
  private _consumer: IConsumer<T> | null = null;
  private _task: CooperativeTask<Iterator<undefined>> | null = null;
  private _deferred: Deferred<void> | null = null;
  private _paused = false;
  private _started = false;
  private _done = false;
  private _produced = 0;

  /**
   * @param source - the chunks, produced on demand; an iterable's iterator is taken at once.
   * @throws TypeError when neither `cooperator` nor `clock` is given.
   */
  constructor(source: Iterable<T> | Iterator<T>, options: CooperativeProducerOptions) {
    this._source =
      typeof (source as Iterable<T>)[Symbol.iterator] === "function"
        ? (source as Iterable<T>)[Symbol.iterator]()
        : (source as Iterator<T>);
    if (options.cooperator !== undefined) this._cooperator = options.cooperator;
    else if (options.clock !== undefined) this._cooperator = cooperatorFor(options.clock);
    else throw new TypeError("CooperativeProducer: give a cooperator or a clock");
  }

  /** Whether the consumer has paused production. */
  get paused(): boolean {
    return this._paused;
  }

  /** Whether production is over: finished, failed or stopped. */
  get done(): boolean {
    return this._done;
  }

  /** How many chunks were written so far. */
  get produced(): number {
    return this._produced;
  }

  /**
   * Registers with `consumer` as a push producer and starts writing.
   *
   * @returns a Deferred that fires once every chunk was written (and the producer unregistered),
   *   fails with the error the iterator threw, or with {@link ProducerStopped} when the consumer
   *   stops production. Cancelling it stops production and unregisters the producer.
   * @throws InvalidStateError when called twice, or what `consumer.registerProducer` throws.
   */
  startProducing(consumer: IConsumer<T>): Deferred<void> {
    if (this._started) throw new InvalidStateError("CooperativeProducer was already started");
    this._started = true;
    this._consumer = consumer;
    const d = new Deferred<void>(() => this._cancel());
    this._deferred = d;
    try {
      consumer.registerProducer(this, true);
    } catch (e) {
      this._done = true;
      this._deferred = null;
      this._consumer = null;
      this._closeSource();
      throw e;
    }
    // The consumer may have stopped (a lost connection) or paused us while registering.
    if (this._done) return d;
    const task = this._cooperator.cooperate<Iterator<undefined>>({ next: this._step });
    this._task = task;
    if (this._paused) task.pause();
    task.whenDone().addCallbacks(
      () => this._finish(),
      (f: Failure) => this._fail(f),
    );
    return d;
  }

  /** Stops writing until {@link resumeProducing}. */
  pauseProducing(): void {
    if (this._paused || this._done) return;
    this._paused = true;
    this._task?.pause();
  }

  /** Writing goes on after {@link pauseProducing}. */
  resumeProducing(): void {
    if (!this._paused || this._done) return;
    this._paused = false;
    this._task?.resume();
  }

  /** Stops for good: closes the iterator and fails the Deferred with {@link ProducerStopped}. */
  stopProducing(): void {
    if (this._done) return;
    this._end();
    const d = this._deferred;
    this._deferred = null;
    d?.errback(new ProducerStopped());
  }

  /** One step of the task: one chunk written. */
  private readonly _step = (): IteratorResult<undefined> => {
    if (this._done) return DONE;
    const r = this._source.next();
    if (r.done) return DONE;
    this._produced++;
    this._consumer!.write(r.value);
    return NOT_DONE;
  };

  private _finish(): void {
    if (this._done) return;
    this._done = true;
    const consumer = this._consumer;
    this._consumer = null;
    this._task = null;
    const d = this._deferred;
    this._deferred = null;
    consumer?.unregisterProducer();
    d?.callback(undefined);
  }

  private _fail(f: Failure): void {
    if (this._done) return; // stopped or cancelled: already reported
    this._done = true;
    const consumer = this._consumer;
    this._consumer = null;
    this._task = null;
    const d = this._deferred;
    this._deferred = null;
    consumer?.unregisterProducer();
    d?.errback(f);
  }

  private _cancel(): void {
    if (this._done) return;
    const consumer = this._consumer;
    this._end();
    consumer?.unregisterProducer();
  }

  /** Stops the task and closes the iterator. */
  private _end(): void {
    this._done = true;
    this._consumer = null;
    const task = this._task;
    this._task = null;
    // A paused task can be stopped too; its whenDone then fails with TaskStopped, which _fail
    // ignores.
    if (task !== null && !task.done) task.stop();
    this._closeSource();
  }

  private _closeSource(): void {
    try {
      this._source.return?.();
    } catch (e) {
      log.failure("CooperativeProducer: closing the iterator failed", e, undefined, "warn");
    }
  }
}
