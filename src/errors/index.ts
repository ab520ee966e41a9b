/**
 * `braid/errors`: every error class Braid raises, and `Failure`. Each area declares its own
 * classes in a module here; they all extend `BraidError` and carry a stable `code`.
 *
 * @module
 */
export * from "./amp.js";
export * from "./application.js";
export * from "./database.js";
export * from "./errors.js";
export { Failure } from "./failure.js";
export * from "./haproxy.js";
export * from "./irc.js";
export * from "./pipeline.js";
export * from "./process.js";
export * from "./producers.js";
export * from "./threads.js";
