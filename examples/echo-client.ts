/**
 * Echo client: connects, sends a line, prints the echo, disconnects; its ClientFactory reports
 * every stage of the connection.
 *
 *   node --import tsx examples/echo-client.ts [host] [port] [message]
 */
import {
  ClientFactory,
  type Failure,
  type IConnector,
  type ITransport,
  Protocol,
  reactor,
} from "braid";

const decoder = new TextDecoder();

/** Sends the factory's message once connected and hangs up after the echo. */
export class EchoClient extends Protocol<ITransport, ReportingFactory> {
  private received = "";

  override connectionMade(): void {
    this.transport!.write(new TextEncoder().encode(this.factory!.message));
  }

  override dataReceived(data: Uint8Array): void {
    this.received += decoder.decode(data, { stream: true });
    if (this.received.length >= this.factory!.message.length) {
      this.factory!.report(`server said: ${this.received}`);
      this.transport!.loseConnection();
    }
  }
}

/** A ClientFactory that reports each connection event, and stops the reactor at the end. */
export class ReportingFactory extends ClientFactory<EchoClient> {
  readonly events: string[] = [];

  constructor(readonly message: string) {
    super();
    this.protocol = EchoClient;
    this.noisy = false;
  }

  report(line: string): void {
    this.events.push(line);
    console.log(line);
  }

  override startedConnecting(connector: IConnector): void {
    this.report(`started connecting to ${connector.getDestination()}`);
  }

  override clientConnectionFailed(_connector: IConnector, reason: Failure): void {
    this.report(`connection failed: ${reason.getErrorMessage()}`);
    reactor.stop();
  }

  override clientConnectionLost(_connector: IConnector, reason: Failure): void {
    this.report(`connection lost: ${reason.getErrorMessage()}`);
    reactor.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [host = "127.0.0.1", port = "8000", message = "hello, braid"] = process.argv.slice(2);
  reactor.connectTCP(host, Number(port), new ReportingFactory(message));
  await reactor.run();
}
