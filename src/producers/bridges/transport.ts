/**
 * Connections at either end of a pipeline.
 *
 * - {@link PipelineProtocol}: a protocol that is a pipeline source: what the peer sends flows
 *   into the pipeline, and the transport (a push producer of what it reads) is paused when the
 *   pipeline is, so a slow pipeline backs up the peer. A clean close or a half-close by the peer
 *   finishes the pipeline's input; any other close fails it. A pipeline that writes back to the
 *   same connection completes when the peer half-closes; when the peer closes the whole
 *   connection instead, the transport stops the pipeline (done fails with
 *   `PipelineStoppedError` at the sink), since nothing more can be sent.
 * - {@link TransportSink}: a transport as a pipeline sink that closes the connection when the
 *   stream finishes (and aborts it when the stream fails). A bare transport is a sink too (it is an
 *   `IConsumer<Uint8Array>`); it is then only unregistered from at the end.
 *
 * Only the protocol contract's types are used here, so this module does not depend on the
 * protocol layer's code.
 *
 * @module
 */

import { ConnectionDone } from "../../errors/errors.js";
import { Failure } from "../../errors/failure.js";
import type { IProtocol, ITransport } from "../../protocol/interfaces.js";
import type { IPullProducer, IPushProducer } from "../interfaces.js";
import type { IFinishableConsumer, ISource } from "../pipeline.js";

/**
 * A protocol feeding a pipeline from a connection.
 *
 * `onConnect` (if given) runs when the connection is made, with the transport: the usual place to
 * build the pipeline, e.g. `pipeline(source).through(…).into(new TransportSink(transport))` for a
 * server that answers on the same connection. Until the pipeline starts this source, the transport
 * is paused.
 *
 * @example
 * ```ts
 * const factory = new Factory();
 * factory.buildProtocol = () =>
 *   new PipelineProtocol((source, transport) => {
 *     pipeline(source).through(splitLines()).through(map(upper)).into(new TransportSink(transport));
 *   });
 * ```
 */
export class PipelineProtocol implements IProtocol, ISource<Uint8Array> {
  /** The name in pipeline error reports. */
  readonly name: string;
  /** The transport, once connected. */
  transport: ITransport | null = null;
  /** Whether the connection is up. */
  connected = false;
  private _consumer: IFinishableConsumer<Uint8Array> | null = null;
  private _attached = false;
  private _heldBack = false;
  private _early: Uint8Array[] = [];
  private _lost: Failure | null = null;

  constructor(
    private readonly _onConnect?: (source: PipelineProtocol, transport: ITransport) => void,
    name = "connection",
  ) {
    this.name = name;
  }

  /** {@inheritDoc ISource.start} */
  start(consumer: IFinishableConsumer<Uint8Array>): void {
    if (this._consumer !== null) throw new TypeError("PipelineProtocol.start called twice");
    this._consumer = consumer;
    this._attach();
  }

  /** Sets the transport, calls `onConnect`, and attaches the transport to the pipeline. */
  makeConnection(transport: ITransport): void {
    this.transport = transport;
    this.connected = true;
    if (this._consumer === null) {
      this._heldBack = true;
      transport.pauseProducing();
    }
    this.connectionMade();
  }

  /** Calls `onConnect`. Subclasses that override it call `super.connectionMade()`. */
  connectionMade(): void {
    this._onConnect?.(this, this.transport as ITransport);
    this._attach();
  }

  /** Writes `data` into the pipeline. */
  dataReceived(data: Uint8Array): void {
    if (this._attached) (this._consumer as IFinishableConsumer<Uint8Array>).write(data);
    else this._early.push(data);
  }

  /** Finishes the pipeline's input on a clean close, fails it otherwise. */
  connectionLost(reason: Failure): void {
    this.connected = false;
    const c = this._consumer;
    if (c === null || !this._attached) {
      this._lost = reason;
      return;
    }
    this._end(c, reason);
  }

  /**
   * The peer half-closed (it will send nothing more): the pipeline's input is finished while the
   * connection stays open for writing, so a pipeline answering on the same connection (through a
   * {@link TransportSink}) completes and then closes it.
   */
  readConnectionLost(): void {
    const c = this._consumer;
    if (c === null || !this._attached) {
      this._lost = new Failure(new ConnectionDone("The peer half-closed"));
      return;
    }
    this._lost = null;
    c.finish();
  }

  /** This side's write direction closed; nothing to do for the input. */
  writeConnectionLost(): void {}

  private _end(c: IFinishableConsumer<Uint8Array>, reason: Failure): void {
    if (reason.check(ConnectionDone) !== null) c.finish();
    else if (c.fail !== undefined) c.fail(reason);
    else c.unregisterProducer();
  }

  private _attach(): void {
    const t = this.transport;
    const c = this._consumer;
    if (t === null || c === null || this._attached) return;
    this._attached = true;
    const lost = this._lost;
    if (lost === null) {
      if (this._heldBack) {
        this._heldBack = false;
        t.resumeProducing();
      }
      c.registerProducer(t, true);
    }
    const early = this._early;
    this._early = [];
    for (const chunk of early) c.write(chunk);
    if (lost !== null) this._end(c, lost);
  }
}

/** Options of a {@link TransportSink}. */
export interface TransportSinkOptions {
  /** Close the connection (`loseConnection`) when the stream finishes (default `true`). */
  readonly closeOnFinish?: boolean;
  /** Abort the connection when the stream fails (default `true`; else `loseConnection`). */
  readonly abortOnFail?: boolean;
}

/**
 * A transport as the end of a pipeline: writes go to the connection with the transport's own flow
 * control (it pauses the pipeline above its high-water mark), and the end of the stream closes the
 * connection. The transport stopping the pipeline (the connection was lost) fails it.
 */
export class TransportSink implements IFinishableConsumer<Uint8Array> {
  /** The name in pipeline error reports. */
  readonly name = "transport";
  private readonly _close: boolean;
  private readonly _abort: boolean;

  constructor(
    /** The connection written to. */
    readonly transport: ITransport,
    options: TransportSinkOptions = {},
  ) {
    this._close = options.closeOnFinish ?? true;
    this._abort = options.abortOnFail ?? true;
  }

  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    this.transport.registerProducer(producer, streaming);
  }

  unregisterProducer(): void {
    this.transport.unregisterProducer();
  }

  write(data: Uint8Array): void {
    this.transport.write(data);
  }

  /** Closes the connection after what is queued, unless `closeOnFinish` is off. */
  finish(): void {
    if (this._close) this.transport.loseConnection();
  }

  /** Aborts (or closes) the connection. */
  fail(_failure: Failure): void {
    if (this._abort) this.transport.abortConnection();
    else this.transport.loseConnection();
  }
}
