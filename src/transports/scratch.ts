/**
 * The scratch write buffer: one buffer, shared by every plain (non-TLS) stream transport of the
 * process, that a transport's small writes of one turn are copied into before they are handed
 * to the socket in one write.
 *
 * A reply to a request is usually flushed within the same call (when `dataReceived` returns),
 * and the kernel usually takes it at once. The buffer is then free again, and the next
 * connection's reply is copied into the same memory: no allocation per reply. When the socket
 * keeps the bytes (the kernel's buffer is full, or an earlier write is still in progress), the
 * buffer is given away to that write and a fresh one is made for the next taker.
 *
 * One transport holds the buffer at a time; the others, meanwhile, allocate as before.
 *
 * @module
 * @internal
 */

/** Size of the scratch buffer: a burst of replies to pipelined requests fits in it. */
export const SCRATCH_SIZE = 16 * 1024;

let scratch: Buffer | null = null;
let holder: object | null = null;

/**
 * The scratch buffer for `taker` to fill, or `null` when another transport holds it. The taker
 * holds it until {@link releaseScratch}.
 */
export function takeScratch(taker: object): Buffer | null {
  if (holder !== null) return null;
  holder = taker;
  // Off Node's shared pool: the buffer is long-lived, and may be given away to a socket.
  scratch ??= Buffer.allocUnsafeSlow(SCRATCH_SIZE);
  return scratch;
}

/** Whether `taker` holds the scratch buffer. */
export function holdsScratch(taker: object): boolean {
  return holder === taker;
}

/**
 * Ends `taker`'s hold (no-op when it holds nothing). With `kept`, the bytes were handed to a
 * socket that still references them: the buffer is given away, and the next taker gets a new one.
 */
export function releaseScratch(taker: object, kept: boolean): void {
  if (holder !== taker) return;
  holder = null;
  if (kept) scratch = null;
}
