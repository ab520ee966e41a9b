/**
 * `braid portforward`: relays every connection accepted on `--listen` to `--connect`.
 *
 * The relaying is `ProxyFactory` from `braid/protocols`, which connects with
 * `reactor.connectTCP(host, port, …)`. To connect to any client endpoint string instead (TCP,
 * TLS, a UNIX socket), the plugin gives it a small adapter whose `connectTCP` ignores the host
 * and port and connects through the endpoint.
 *
 * @module
 */

import type { Deferred } from "../../defer/deferred.js";
import type { IStreamClientEndpoint } from "../../endpoints/interfaces.js";
import { clientFromString } from "../../endpoints/parser.js";
import { UsageError } from "../../errors/application.js";
import { EndpointParseError, InvalidStateError } from "../../errors/errors.js";
import type { Failure } from "../../errors/failure.js";
import { IPv4Address } from "../../protocol/address.js";
import type { IClientFactory, IConnector, IProtocol } from "../../protocol/interfaces.js";
import { ProxyFactory } from "../../protocols/portforward.js";
import type { IListeningPort, IReactorTCP } from "../../reactor/interfaces.js";
import type { IReactorTime } from "../../time/interfaces.js";
import type { BraidPlugin } from "../plugin.js";
import { stringValue } from "../plugin.js";
import { listenHelp, listenServices } from "./common.js";

const DEFAULT_LISTEN = "tcp:8080:interface=127.0.0.1";

/** A connector that connects through a client endpoint, reporting to a client factory. */
class EndpointConnector implements IConnector {
  private _attempt: Deferred<IProtocol> | null = null;
  private _protocol: IProtocol | null = null;

  constructor(
    private readonly endpoint: IStreamClientEndpoint,
    private readonly factory: IClientFactory,
    private readonly destination: IPv4Address,
    readonly clock: IReactorTime,
  ) {}

  connect(): void {
    this.factory.startedConnecting(this);
    const attempt = this.endpoint.connect(this.factory);
    this._attempt = attempt;
    attempt.addCallbacks(
      (proto) => {
        if (this._attempt === attempt) this._attempt = null;
        this._protocol = proto;
      },
      (f: Failure) => {
        if (this._attempt === attempt) this._attempt = null;
        this.factory.clientConnectionFailed(this, f);
      },
    );
  }

  disconnect(): void {
    if (this._attempt !== null) {
      this.stopConnecting();
      return;
    }
    const transport = (this._protocol as { transport?: { loseConnection(): void } | null } | null)
      ?.transport;
    transport?.loseConnection();
  }

  stopConnecting(): void {
    const attempt = this._attempt;
    if (attempt === null) throw new InvalidStateError("Not connecting");
    attempt.cancel();
  }

  getDestination(): IPv4Address {
    return this.destination;
  }
}

/** The part of `IReactorTCP` `ProxyFactory` uses, connecting through `endpoint`. */
class EndpointTCP implements IReactorTCP {
  constructor(
    private readonly endpoint: IStreamClientEndpoint,
    private readonly clock: IReactorTime,
  ) {}

  listenTCP(): Deferred<IListeningPort> {
    throw new InvalidStateError("EndpointTCP only connects");
  }

  connectTCP(host: string, port: number, factory: IClientFactory): IConnector {
    const connector = new EndpointConnector(
      this.endpoint,
      factory,
      new IPv4Address("TCP", host, port),
      this.clock,
    );
    connector.connect();
    return connector;
  }
}

/** `braid portforward --connect ENDPOINT [--listen ENDPOINT]...` */
export const portforwardPlugin: BraidPlugin = {
  name: "portforward",
  summary: "relays each connection to another address",
  usage: "--connect ENDPOINT [--listen ENDPOINT]...",
  help: `  --connect ENDPOINT   where to relay to, a client endpoint string (required),
                       e.g. tcp:host=127.0.0.1:port=80
${listenHelp(DEFAULT_LISTEN)}`,
  options: {
    listen: { type: "string", multiple: true },
    connect: { type: "string" },
  },
  makeService: ({ values }, context) => {
    const connect = stringValue(values, "connect");
    if (connect === undefined) throw new UsageError("portforward needs --connect ENDPOINT");
    let endpoint: IStreamClientEndpoint;
    try {
      endpoint = clientFromString(context.reactor, connect);
    } catch (e) {
      if (e instanceof EndpointParseError)
        throw new UsageError(`--connect: ${e.message}`, { cause: e });
      throw e;
    }
    const factory = new ProxyFactory(connect, 0, new EndpointTCP(endpoint, context.reactor));
    factory.noisy = false;
    return listenServices(values, DEFAULT_LISTEN, factory, context, "portforward");
  },
};
