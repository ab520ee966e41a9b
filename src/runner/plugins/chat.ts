/**
 * `braid chat`: a multi-user chat server. Each newcomer picks a name; every line is then relayed
 * to everyone else as `<name> line`.
 *
 * The protocol is `ChatProtocol` / `ChatFactory` from `braid/protocols`.
 *
 * @module
 */

import { ChatFactory } from "../../protocols/chat.js";
import type { BraidPlugin } from "../plugin.js";
import { listenHelp, listenOption, listenServices } from "./common.js";

const DEFAULT_LISTEN = "tcp:8124:interface=127.0.0.1";

/** A quiet `ChatFactory`. */
export function chatFactory(): ChatFactory {
  const factory = new ChatFactory();
  factory.noisy = false;
  return factory;
}

/** `braid chat [--listen ENDPOINT]...` */
export const chatPlugin: BraidPlugin = {
  name: "chat",
  summary: "a multi-user chat server (pick a name, then talk)",
  usage: "[--listen ENDPOINT]...",
  help: listenHelp(DEFAULT_LISTEN),
  options: listenOption,
  makeService: ({ values }, context) =>
    listenServices(values, DEFAULT_LISTEN, chatFactory(), context, "chat"),
};
