/**
 * `braid/errors`: every error class Braid raises, and `Failure`.
 *
 * @module
 */
export * from "./errors.js";
export { Failure } from "./failure.js";
