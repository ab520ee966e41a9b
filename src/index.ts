/**
 * Braid: an event-driven networking engine for TypeScript on Node.js, on the model of Twisted.
 *
 * The package root exports the whole public API; each area is also available on its own subpath
 * (`braid/defer`, `braid/reactor`, `braid/testing`, …).
 *
 * @example
 * ```ts
 * import { Factory, Protocol, reactor } from "braid";
 *
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array) { this.transport!.write(data); }
 * }
 * await reactor.listenTCP(8000, Factory.forProtocol(Echo));
 * reactor.run();
 * ```
 *
 * @module
 */
export * from "./application/index.js";
export * from "./defer/index.js";
export * from "./endpoints/index.js";
export * from "./enterprise/index.js";
export * from "./errors/index.js";
export * from "./logger/index.js";
export * from "./process/index.js";
export * from "./producers/index.js";
export * from "./protocol/index.js";
export * from "./protocols/index.js";
export * from "./reactor/index.js";
export * from "./testing/index.js";
export * from "./threads/index.js";
export * from "./time/index.js";
export * from "./transports/index.js";
