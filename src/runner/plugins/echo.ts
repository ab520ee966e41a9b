/**
 * `braid echo`: sends back whatever it receives.
 *
 * @module
 */

import { Factory } from "../../protocol/factory.js";
import { Protocol } from "../../protocol/protocol.js";
import type { BraidPlugin } from "../plugin.js";
import { listenHelp, listenOption, listenServices } from "./common.js";

const DEFAULT_LISTEN = "tcp:8000:interface=127.0.0.1";

/** The echo protocol: writes every chunk it receives back to the peer. */
export class Echo extends Protocol {
  /** Writes `data` back. */
  override dataReceived(data: Uint8Array): void {
    this.transport!.write(data);
  }
}

/** A quiet factory of {@link Echo}. */
export function echoFactory(): Factory<Echo> {
  return Factory.forProtocol(Echo, { noisy: false }) as Factory<Echo>;
}

/** `braid echo [--listen ENDPOINT]...` */
export const echoPlugin: BraidPlugin = {
  name: "echo",
  summary: "an echo server: sends back what it receives",
  usage: "[--listen ENDPOINT]...",
  help: listenHelp(DEFAULT_LISTEN),
  options: listenOption,
  makeService: ({ values }, context) =>
    listenServices(values, DEFAULT_LISTEN, echoFactory(), context, "echo"),
};
