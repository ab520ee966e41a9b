/**
 * Priming the C allocator for streaming, once per process, when the reactor starts its first
 * connection, listening port or child process.
 *
 * Why: Node reads each socket and pipe into a fresh 64 KiB buffer, which is freed when the
 * garbage collector finds it unused, so a busy server frees tens of MiB of read buffers at a time.
 * glibc's `free` hands the top of its heap back to the kernel whenever more than its trim
 * threshold (128 KiB at first) lies free there, and the next reads fault every page in again: a
 * `brk` pair and up to 16 page faults per read. Measured on the bulk echo benchmark, a server in
 * that state moves about 1,000 MiB/s; the same server without it about 2,900 MiB/s, on the same
 * code. glibc raises the threshold by itself (to twice the size) the first time the process frees
 * a large block it had mapped on its own; whether and when that happens depends on what else the
 * program allocated, which is why plain `node:net` servers land in one state or the other from run
 * to run. Braid frees one such block on purpose, so that its servers are always in the fast state.
 *
 * The cost: afterwards glibc keeps up to 64 MiB of freed memory for reuse instead of returning it
 * at once, and serves blocks up to 32 MiB from its heap rather than with `mmap`. Set the
 * environment variable `BRAID_PRIME_HEAP=0` to leave the allocator alone. Systems other than Linux
 * are skipped; under another C library (musl) the block comes and goes to no effect.
 *
 * @module
 */

/**
 * The block freed on purpose: just under 32 MiB, the largest block whose release glibc (64-bit)
 * takes as its new mmap threshold (its mapping, a page more than the request, must stay within
 * 32 MiB once glibc's flag bits are counted in). glibc then serves blocks up to this size from its
 * heap, and trims the heap only when twice this size lies free there. V8 collects unused buffers
 * when tens of MiB of them have piled up, so a smaller threshold still lets a busy server trim and
 * fault in part of each batch. Measured on bulk echo, faults in 2.5 s: about 19,000 with this
 * size, 25,000 to 120,000 with 16 MiB, about 500,000 unprimed.
 */
export const PRIME_HEAP_BYTES = 32 * 1024 * 1024 - 8192;

let primed = false;

/**
 * Primes the allocator (see the module description) the first time it is called in the process;
 * later calls do nothing. Called by the reactor before its first connection, listening port or
 * child process; a program that streams without the reactor may call it itself.
 *
 * @returns whether this call primed the allocator: `false` when it was primed already, when
 *   `BRAID_PRIME_HEAP=0` is set, and on systems other than Linux.
 */
export function primeHeap(): boolean {
  if (primed) return false;
  primed = true;
  if (process.platform !== "linux" || process.env.BRAID_PRIME_HEAP === "0") return false;
  // Allocated outside the JavaScript heap and never touched: it costs one `mmap` now and one
  // `munmap` when the next garbage collection frees it. That `free` moves glibc's thresholds: a
  // few milliseconds after the first connections, as soon as they make garbage.
  Buffer.allocUnsafeSlow(PRIME_HEAP_BYTES);
  return true;
}
