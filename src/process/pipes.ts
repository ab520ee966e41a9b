/**
 * The parent's ends of a child's pipes: `PipeWriter` for a descriptor the parent writes (`"w"`,
 * stdin) and `PipeReader` for one it reads (`"r"`, stdout, stderr). Each wraps the `net.Socket`
 * Node made for that descriptor and reports to the process transport that owns it.
 *
 * The writer follows the stream transport's write path (`transports/stream.ts`): writes of one
 * turn of the event loop are coalesced on the shared flush queue into one `socket.write`, a large
 * write with nothing pending goes straight to the socket, and a registered push producer is
 * paused above the high-water mark and resumed at the low one (a pull producer is asked for more
 * each time the buffer empties).
 *
 * The reader delivers Node's buffers as they come. Pausing it pauses the socket, so the pipe
 * fills and the child blocks. Node resumes every child output stream once the child has exited
 * (so that unread pipes drain); a chunk that arrives that way while the reader is paused is held
 * and delivered on resume, and the reader pauses the socket again.
 *
 * @module
 * @internal
 */

import type { Socket } from "node:net";
import { Logger } from "../logger/logger.js";
import type { IPullProducer, IPushProducer } from "../producers/interfaces.js";
import { ProducerRegistration } from "../producers/registration.js";
import { queueFlush } from "../transports/flushqueue.js";

/** The logger of the process area (namespace `"braid.process"`). @internal */
export const log = new Logger("braid.process");

/** Pending writes up to this many bytes are concatenated into one buffer; above, corked. */
const COALESCE_LIMIT = 64 * 1024;
/** A write at least this big, with nothing pending, goes straight to the socket. */
const DIRECT_WRITE = 16 * 1024;

/**
 * What the process transport asks of one of the parent's ends (a pipe here, or the terminal of
 * a PTY child in `pty.ts`). Readers have `pause` / `resume`.
 */
export interface Channel {
  /** Closes gracefully (a writer after what is queued). */
  loseConnection(): void;
  /** Closes at once, dropping what is queued. */
  abort(): void;
  /** Stops delivering what the child writes (readers only). */
  pause?(): void;
  /** Delivers what the child writes again (readers only). */
  resume?(): void;
}

/** A channel the parent writes: the child's stdin, a `"w"` pipe, or a PTY. */
export interface WriteChannel extends Channel {
  /** Queues `data`; dropped once the channel is closing or closed. */
  write(data: Uint8Array): void;
  /** Bytes queued and not yet handed on. */
  getWriteBufferSize(): number;
  /** See `IProcessTransport.setWriteBufferLimits`. */
  setWriteBufferLimits(high?: number, low?: number): void;
  /** See `IConsumer.registerProducer`. */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  /** See `IConsumer.unregisterProducer`. */
  unregisterProducer(): void;
}

/** What a pipe reports to the process transport that owns it. */
export interface PipeOwner {
  /** Bytes read from child descriptor `fd`. */
  _pipeData(fd: number, data: Uint8Array): void;
  /** The pipe on child descriptor `fd` is closed; called once per pipe. */
  _pipeLost(fd: number): void;
}

// Writer state bits.
const W_LOST = 1 << 0; // 'close' seen
const W_DISCONNECTING = 1 << 1; // loseConnection called
const W_ENDED = 1 << 2; // socket.end() called
const W_FLUSH_QUEUED = 1 << 3;

/** The parent's end of a pipe the child reads from. */
export class PipeWriter implements WriteChannel {
  /** The child descriptor this pipe is attached to. */
  readonly fd: number;
  /** Node's socket for the parent's end. */
  readonly socket: Socket;
  private readonly _owner: PipeOwner;
  private _flags = 0;
  private _first: Uint8Array | null = null;
  private _pending: Uint8Array[] | null = null;
  private _pendingBytes = 0;
  private readonly _flow = new ProducerRegistration(log);
  private _writeDone: ((err?: Error | null) => void) | null = null;

  constructor(owner: PipeOwner, fd: number, socket: Socket) {
    this._owner = owner;
    this.fd = fd;
    this.socket = socket;
    socket.on("error", ignoreError);
    socket.on("close", () => this._closed());
    socket.on("finish", () => socket.destroy());
    if (socket.readable) {
      // The child's end is a socket too: reading it tells when the child closes it (EOF).
      socket.on("data", ignoreData);
      socket.on("end", () => socket.destroy());
    }
  }

  /** Whether the pipe is gone. */
  get lost(): boolean {
    return (this._flags & W_LOST) !== 0;
  }

  /** Queues `data`; dropped once the pipe is closing or closed. */
  write(data: Uint8Array): void {
    const f = this._flags;
    if (f & (W_LOST | W_ENDED | W_DISCONNECTING)) return;
    const n = data.byteLength;
    if (n === 0) return;
    if (this._pendingBytes === 0 && n >= DIRECT_WRITE) {
      this.socket.write(data, this._flow.producer !== null ? this._writeCallback() : undefined);
    } else {
      const first = this._first;
      if (first === null) this._first = data;
      else if (this._pending === null) this._pending = [first, data];
      else this._pending.push(data);
      this._pendingBytes += n;
      if ((f & W_FLUSH_QUEUED) === 0) {
        this._flags = f | W_FLUSH_QUEUED;
        queueFlush(this);
      }
    }
    if (this._flow.watching) this._flow.written(this._pendingBytes + this.socket.writableLength);
  }

  /** Bytes queued and not yet handed to the operating system. */
  getWriteBufferSize(): number {
    if (this._flags & W_LOST) return 0;
    return this._pendingBytes + this.socket.writableLength;
  }

  /** See `IProcessTransport.setWriteBufferLimits`. */
  setWriteBufferLimits(high?: number, low?: number): void {
    this._flow.setLimits(high, low, this.getWriteBufferSize());
  }

  /** @internal called from the flush queue. */
  _flushQueued(): void {
    this._flags &= ~W_FLUSH_QUEUED;
    this._flush();
  }

  private _flush(): void {
    const first = this._first;
    if (first === null || this._flags & W_LOST) return;
    const pending = this._pending;
    const socket = this.socket;
    const bytes = this._pendingBytes;
    const cb = this._flow.producer !== null ? this._writeCallback() : undefined;
    this._first = null;
    this._pending = null;
    this._pendingBytes = 0;
    if (pending === null) {
      socket.write(first, cb);
    } else if (bytes <= COALESCE_LIMIT) {
      socket.write(Buffer.concat(pending, bytes), cb);
    } else {
      const last = pending.length - 1;
      socket.cork();
      for (let i = 0; i < last; i++) socket.write(pending[i] as Uint8Array);
      socket.write(pending[last] as Uint8Array, cb);
      socket.uncork();
    }
  }

  /**
   * Closes the pipe once everything queued is written and the registered producer, if any, has
   * unregistered: the child reads end-of-file.
   */
  loseConnection(): void {
    const f = this._flags;
    if (f & (W_LOST | W_DISCONNECTING)) return;
    this._flags = f | W_DISCONNECTING;
    if (this._flow.producer === null) this._end();
  }

  private _end(): void {
    const f = this._flags;
    if (f & (W_LOST | W_ENDED)) return;
    this._flags = f | W_ENDED;
    this._flush();
    this.socket.end();
  }

  /** Closes the pipe at once, dropping what is queued. */
  abort(): void {
    if (this._flags & W_LOST) return;
    this._first = null;
    this._pending = null;
    this._pendingBytes = 0;
    this.socket.destroy();
  }

  /** See `IConsumer.registerProducer`; on a lost pipe the producer is stopped at once. */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    this._flow.register(
      producer,
      streaming,
      this.getWriteBufferSize(),
      (this._flags & W_LOST) !== 0,
      "this process's stdin",
    );
  }

  /** See `IConsumer.unregisterProducer`. */
  unregisterProducer(): void {
    if (!this._flow.unregister()) return;
    if ((this._flags & (W_DISCONNECTING | W_LOST)) === W_DISCONNECTING) this._end();
  }

  private _checkProducer(pull: boolean): void {
    if (this._flags & W_LOST) return;
    this._flow.drained(this._pendingBytes + this.socket.writableLength, pull);
  }

  private _writeCallback(): (err?: Error | null) => void {
    let cb = this._writeDone;
    if (cb === null) {
      cb = this._writeDone = (err?: Error | null) => {
        if (!err) this._checkProducer(true);
      };
    }
    return cb;
  }

  private _closed(): void {
    if (this._flags & W_LOST) return;
    this._flags |= W_LOST;
    this._first = null;
    this._pending = null;
    this._pendingBytes = 0;
    this._flow.stop();
    this._owner._pipeLost(this.fd);
  }
}

// Reader state bits.
const R_LOST = 1 << 0;
const R_PAUSED = 1 << 1;
const R_CLOSING = 1 << 2; // loseConnection called: discard what comes
const R_CLOSE_HELD = 1 << 3; // 'close' arrived while held chunks wait for resume

/** The parent's end of a pipe the child writes to. */
export class PipeReader implements Channel {
  /** The child descriptor this pipe is attached to. */
  readonly fd: number;
  /** Node's socket for the parent's end. */
  readonly socket: Socket;
  private readonly _owner: PipeOwner;
  private _flags = 0;
  /** Chunks that arrived while paused (Node resumed the socket behind our back). */
  private _held: Buffer[] | null = null;

  constructor(owner: PipeOwner, fd: number, socket: Socket) {
    this._owner = owner;
    this.fd = fd;
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => this._data(chunk));
    socket.on("end", () => socket.destroy());
    socket.on("error", ignoreError);
    socket.on("close", () => this._closed());
  }

  /** Whether the pipe is gone. */
  get lost(): boolean {
    return (this._flags & R_LOST) !== 0;
  }

  private _data(chunk: Buffer): void {
    const f = this._flags;
    if (f & (R_LOST | R_CLOSING)) return;
    if (f & R_PAUSED) {
      (this._held ??= []).push(chunk);
      this.socket.pause();
      return;
    }
    this._owner._pipeData(this.fd, chunk);
  }

  /** Stops reading; the pipe fills up and the child blocks writing. */
  pause(): void {
    const f = this._flags;
    if (f & (R_LOST | R_PAUSED)) return;
    this._flags = f | R_PAUSED;
    this.socket.pause();
  }

  /** Reads again: first what was held while paused, then from the socket. */
  resume(): void {
    let f = this._flags;
    if ((f & R_PAUSED) === 0 || f & R_LOST) return;
    this._flags = f &= ~R_PAUSED;
    const held = this._held;
    if (held !== null) {
      this._held = null;
      for (const chunk of held) {
        if (this._flags & (R_LOST | R_CLOSING | R_PAUSED)) break;
        this._owner._pipeData(this.fd, chunk);
      }
      if (this._flags & R_PAUSED) return;
      if (this._flags & R_CLOSE_HELD) {
        this._lost();
        return;
      }
    }
    this.socket.resume();
  }

  /** Stops reading and closes the pipe; `childConnectionLost` follows on a later turn. */
  loseConnection(): void {
    const f = this._flags;
    if (f & (R_LOST | R_CLOSING)) return;
    this._flags = f | R_CLOSING;
    this._held = null;
    if (f & R_CLOSE_HELD) this._lost();
    else this.socket.destroy();
  }

  /** Same as {@link loseConnection}: a read pipe has nothing queued to drop. */
  abort(): void {
    this.loseConnection();
  }

  private _closed(): void {
    if (this._flags & R_LOST) return;
    if (this._held !== null && (this._flags & R_CLOSING) === 0) {
      this._flags |= R_CLOSE_HELD; // delivered after the held chunks, on resume
      return;
    }
    this._lost();
  }

  private _lost(): void {
    if (this._flags & R_LOST) return;
    this._flags |= R_LOST;
    this._held = null;
    this._owner._pipeLost(this.fd);
  }
}

/** Pipe errors (EPIPE when the child closed its end, …) end in 'close', which is reported. */
function ignoreError(): void {}

/** A child writing to a descriptor it should only read: discarded. */
function ignoreData(): void {}
