/**
 * `PTYChannel`: the parent's side of a child's pseudo-terminal, which `PTYProcessTransport`
 * (`pty.ts`) plugs into `ProcessTransport` where the pipes go. `PTYHandle` is the part of
 * node-pty's terminal object it uses.
 *
 * @module
 * @internal
 */

import type { IPullProducer, IPushProducer } from "../producers/interfaces.js";
import { ProducerRegistration } from "../producers/registration.js";
import { queueFlush } from "../transports/flushqueue.js";
import { log, type PipeOwner, type WriteChannel } from "./pipes.js";

/** The part of node-pty's `IPty` Braid uses (kept structural so Braid's types need no node-pty). */
export interface PTYHandle {
  /** The child's process id. */
  readonly pid: number;
  /** Adds a listener for what the child writes (a `Buffer` with `encoding: null`). */
  onData(listener: (data: Uint8Array | string) => void): unknown;
  /** Adds a listener for the child's exit, fired once the terminal has closed too. */
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): unknown;
  /** Writes to the terminal (node-pty queues what the terminal cannot take yet). */
  write(data: Buffer): void;
  /** Resizes the terminal. */
  resize(cols: number, rows: number): void;
  /** Stops reading the terminal. */
  pause(): void;
  /** Reads the terminal again. */
  resume(): void;
  /** Closes the terminal, then sends `SIGHUP` (a node-pty method missing from its typings). */
  destroy?(): void;
}

/** The descriptor the terminal's output is delivered on (Twisted: `childDataReceived(1, …)`). */
export const PTY_FD = 1;

const C_LOST = 1 << 0; // the terminal is closed (or aborted)
const C_CLOSING = 1 << 1; // loseConnection called: writes dropped, hang up once flushed
const C_FLUSH_QUEUED = 1 << 2;
const C_PAUSED = 1 << 3; // reading paused
const C_CLOSE_HELD = 1 << 4; // the terminal closed while held chunks wait for resume

/**
 * The parent's side of a pseudo-terminal: one channel both read (what the child writes, delivered
 * as descriptor 1) and written (the child's input, descriptor 0).
 *
 * Writes of one turn of the event loop are coalesced on the shared flush queue and handed to
 * node-pty in one `write`. node-pty writes them to the terminal itself, queueing what the kernel
 * cannot take yet, out of sight: so `getWriteBufferSize` counts only what waits for the end of
 * the turn, a push producer is paused only when one turn writes more than the high-water mark
 * (and resumed once it is handed on), and a pull producer is asked for more on the turn after
 * each write (`setImmediate`, so that I/O runs in between).
 *
 * @internal
 */
export class PTYChannel implements WriteChannel {
  private readonly _owner: PipeOwner;
  private readonly _pty: PTYHandle;
  private _flags = 0;
  private _pending: Uint8Array[] = [];
  private _pendingBytes = 0;
  private readonly _flow = new ProducerRegistration(log);
  private _pull: ReturnType<typeof setImmediate> | null = null;
  /** Chunks that arrived while paused. */
  private _held: Buffer[] | null = null;

  constructor(owner: PipeOwner, pty: PTYHandle) {
    this._owner = owner;
    this._pty = pty;
    pty.onData((d) => this._data(d));
  }

  /** Whether the terminal is gone. */
  get lost(): boolean {
    return (this._flags & C_LOST) !== 0;
  }

  // --- writing ---------------------------------------------------------------------------------

  /** Queues `data` for the terminal; dropped once closing or closed. */
  write(data: Uint8Array): void {
    const f = this._flags;
    if (f & (C_LOST | C_CLOSING) || data.byteLength === 0) return;
    this._pending.push(data);
    this._pendingBytes += data.byteLength;
    if ((f & C_FLUSH_QUEUED) === 0) {
      this._flags = f | C_FLUSH_QUEUED;
      queueFlush(this);
    }
    if (this._flow.watching) this._flow.written(this._pendingBytes);
  }

  /** Bytes written this turn, not yet handed to node-pty. */
  getWriteBufferSize(): number {
    return this._flags & C_LOST ? 0 : this._pendingBytes;
  }

  /** See `IProcessTransport.setWriteBufferLimits`. */
  setWriteBufferLimits(high?: number, low?: number): void {
    this._flow.setLimits(high, low, this.getWriteBufferSize());
  }

  /** @internal called from the flush queue. */
  _flushQueued(): void {
    this._flags &= ~C_FLUSH_QUEUED;
    this._flush();
    this._checkProducer();
    if ((this._flags & (C_CLOSING | C_LOST)) === C_CLOSING && this._flow.producer === null) {
      this._hangUp();
    }
  }

  private _flush(): void {
    const pending = this._pending;
    if (pending.length === 0 || this._flags & C_LOST) return;
    const data = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending);
    this._pending = [];
    this._pendingBytes = 0;
    this._pty.write(
      Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    );
  }

  // --- producers -------------------------------------------------------------------------------

  /** See `IConsumer.registerProducer`; on a closed terminal the producer is stopped at once. */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    this._flow.register(
      producer,
      streaming,
      this.getWriteBufferSize(),
      (this._flags & C_LOST) !== 0,
      "this process's terminal",
    );
  }

  /** See `IConsumer.unregisterProducer`; a pending `loseConnection` then proceeds. */
  unregisterProducer(): void {
    if (!this._flow.unregister()) return;
    this._cancelPull();
    if ((this._flags & (C_CLOSING | C_LOST)) === C_CLOSING) {
      this._flush();
      this._hangUp();
    }
  }

  /**
   * After a flush: resumes a paused push producer; asks a pull producer for more on the next
   * turn (node-pty reports no write completions, so this lets I/O run in between).
   */
  private _checkProducer(): void {
    const flow = this._flow;
    if (flow.producer === null || this._flags & C_LOST) return;
    if (flow.streaming) {
      flow.drained(this._pendingBytes, false);
    } else if (this._pull === null && this._pendingBytes === 0) {
      this._pull = setImmediate(() => {
        this._pull = null;
        if ((this._flags & C_LOST) === 0) this._flow.drained(this._pendingBytes, true);
      });
    }
  }

  private _cancelPull(): void {
    if (this._pull !== null) {
      clearImmediate(this._pull);
      this._pull = null;
    }
  }

  // --- reading ---------------------------------------------------------------------------------

  private _data(d: Uint8Array | string): void {
    const f = this._flags;
    if (f & C_LOST) return;
    const chunk = typeof d === "string" ? Buffer.from(d) : (d as Buffer);
    if (f & C_PAUSED) {
      (this._held ??= []).push(chunk);
      return;
    }
    this._owner._pipeData(PTY_FD, chunk);
  }

  /** Stops reading the terminal: the child blocks once the terminal's buffer is full. */
  pause(): void {
    const f = this._flags;
    if (f & (C_LOST | C_PAUSED)) return;
    this._flags = f | C_PAUSED;
    this._pty.pause();
  }

  /** Reads again: first what was held while paused, then from the terminal. */
  resume(): void {
    if ((this._flags & C_PAUSED) === 0 || this._flags & C_LOST) return;
    this._flags &= ~C_PAUSED;
    const held = this._held;
    if (held !== null) {
      this._held = null;
      for (const chunk of held) {
        if (this._flags & (C_LOST | C_PAUSED)) break;
        this._owner._pipeData(PTY_FD, chunk);
      }
      if (this._flags & C_PAUSED) return;
      if (this._flags & C_CLOSE_HELD) {
        this._lost();
        return;
      }
    }
    this._pty.resume();
  }

  // --- closing ---------------------------------------------------------------------------------

  /**
   * Hangs the child up once what is queued is handed on and the registered producer, if any,
   * has unregistered: `SIGHUP` to its process group, what closing the terminal does. What the
   * child writes until it exits is still delivered.
   */
  loseConnection(): void {
    const f = this._flags;
    if (f & (C_LOST | C_CLOSING)) return;
    this._flags = f | C_CLOSING;
    if (this._flow.producer === null && (f & C_FLUSH_QUEUED) === 0) this._hangUp();
  }

  private _hangUp(): void {
    const pid = this._pty.pid;
    try {
      process.kill(-pid, "SIGHUP"); // the child leads its own session and process group
    } catch {
      try {
        process.kill(pid, "SIGHUP");
      } catch {
        // gone already
      }
    }
  }

  /** Closes the terminal at once, dropping what is queued; the child is hung up. */
  abort(): void {
    if (this._flags & C_LOST) return;
    this._flags |= C_CLOSING;
    this._pending = [];
    this._pendingBytes = 0;
    if (typeof this._pty.destroy === "function") this._pty.destroy();
    else this._hangUp();
    this._lost();
  }

  /**
   * The terminal has closed (node-pty reports it with the exit). Held chunks are delivered on
   * resume first.
   *
   * @internal
   */
  _closed(): void {
    if (this._flags & C_LOST) return;
    if (this._held !== null) {
      this._flags |= C_CLOSE_HELD;
      return;
    }
    this._lost();
  }

  private _lost(): void {
    if (this._flags & C_LOST) return;
    this._flags |= C_LOST;
    this._held = null;
    this._pending = [];
    this._pendingBytes = 0;
    this._cancelPull();
    this._flow.stop();
    this._owner._pipeLost(PTY_FD);
  }
}
