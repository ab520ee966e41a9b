import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import type { IStreamServerEndpoint } from "../../src/endpoints/interfaces.js";
import {
  clientFromString,
  registerClientParser,
  registerServerParser,
  serverFromString,
} from "../../src/endpoints/parser.js";
import { SSL4ClientEndpoint, SSL4ServerEndpoint } from "../../src/endpoints/ssl.js";
import { quoteStringArgument } from "../../src/endpoints/syntax.js";
import {
  TCP4ClientEndpoint,
  TCP4ServerEndpoint,
  TCP6ClientEndpoint,
  TCP6ServerEndpoint,
} from "../../src/endpoints/tcp.js";
import { UNIXClientEndpoint, UNIXServerEndpoint } from "../../src/endpoints/unix.js";
import { EndpointParseError } from "../../src/errors/errors.js";
import { MemoryReactorClock } from "../../src/testing/index.js";

const reactor = new MemoryReactorClock();
const tls = fileURLToPath(new URL("../fixtures/tls/", import.meta.url));
const KEY = `${tls}server.key`;
const CERT = `${tls}server.pem`;
const CA = `${tls}ca.pem`;
const pem = (path: string) => readFileSync(path, "utf8").trim();

// biome-ignore lint/suspicious/noExplicitAny: endpoint classes of every constructor signature
type Class = new (...args: any[]) => unknown;

/** Asserts `ep` is a `cls` whose listed fields have the expected values. */
function check(ep: unknown, cls: Class, fields: Record<string, unknown>): void {
  assert.ok(ep instanceof cls, `expected a ${cls.name}, got ${(ep as object).constructor.name}`);
  for (const [name, value] of Object.entries(fields)) {
    assert.deepEqual((ep as Record<string, unknown>)[name], value, `field ${name}`);
  }
  assert.equal((ep as { reactor: unknown }).reactor, reactor);
}

describe("serverFromString", () => {
  const valid: Array<[string, Class, Record<string, unknown>]> = [
    ["tcp:8080", TCP4ServerEndpoint, { port: 8080, backlog: 50, interface: "" }],
    ["TCP:8080", TCP4ServerEndpoint, { port: 8080 }],
    ["tcp:port=8080", TCP4ServerEndpoint, { port: 8080 }],
    ["tcp:0", TCP4ServerEndpoint, { port: 0 }],
    ["tcp:65535", TCP4ServerEndpoint, { port: 65535 }],
    [
      "tcp:8080:interface=127.0.0.1:backlog=50",
      TCP4ServerEndpoint,
      { port: 8080, backlog: 50, interface: "127.0.0.1" },
    ],
    [
      "tcp:backlog=7:interface=10.0.0.1:80",
      TCP4ServerEndpoint,
      { port: 80, backlog: 7, interface: "10.0.0.1" },
    ],
    ["tcp6:8080", TCP6ServerEndpoint, { port: 8080, backlog: 50, interface: "::" }],
    ["tcp6:8080:interface=\\:\\:1", TCP6ServerEndpoint, { port: 8080, interface: "::1" }],
    ["tcp6:port=443:backlog=9", TCP6ServerEndpoint, { port: 443, backlog: 9 }],
    [
      "unix:/var/run/app.sock",
      UNIXServerEndpoint,
      { path: "/var/run/app.sock", backlog: 50, mode: 0o666, wantPID: true },
    ],
    [
      "unix:/path/sock:mode=660:lockfile=1",
      UNIXServerEndpoint,
      { path: "/path/sock", mode: 0o660, wantPID: true },
    ],
    [
      "unix:address=/tmp/a.sock:mode=0600:lockfile=0:backlog=10",
      UNIXServerEndpoint,
      { path: "/tmp/a.sock", mode: 0o600, wantPID: false, backlog: 10 },
    ],
    ["unix:/tmp/a\\:b.sock", UNIXServerEndpoint, { path: "/tmp/a:b.sock" }],
    ["unix:/tmp/back\\\\slash", UNIXServerEndpoint, { path: "/tmp/back\\slash" }],
    ["unix:/tmp/x\\=y", UNIXServerEndpoint, { path: "/tmp/x=y" }],
    [
      `ssl:443:privateKey=${KEY}:certKey=${CERT}`,
      SSL4ServerEndpoint,
      { port: 443, backlog: 50, interface: "", tlsOptions: { key: pem(KEY), cert: pem(CERT) } },
    ],
    [
      `ssl:port=8443:privateKey=${KEY}:certKey=${CERT}:extraCertChain=${CA}:interface=127.0.0.1:backlog=3`,
      SSL4ServerEndpoint,
      {
        port: 8443,
        backlog: 3,
        interface: "127.0.0.1",
        tlsOptions: { key: pem(KEY), cert: `${pem(CERT)}\n${pem(CA)}` },
      },
    ],
  ];
  for (const [description, cls, fields] of valid) {
    it(`builds ${JSON.stringify(description.replaceAll(tls, ""))}`, () => {
      check(serverFromString(reactor, description), cls, fields);
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ["", /it is empty/],
    ["8080", /a bare port number is not an endpoint description; write "tcp:8080"/],
    ["foo:80", /unknown endpoint type "foo" \(server types: tcp, tcp6, ssl, unix\)/],
    ["tcp", /missing port/],
    ["tcp:", /port must be an integer, not ""/],
    ["tcp:http", /port must be an integer, not "http"/],
    ["tcp:-1", /port must be an integer, not "-1"/],
    ["tcp:70000", /port must be between 0 and 65535, not 70000/],
    ["tcp:80:backlog=many", /backlog must be an integer, not "many"/],
    ["tcp:80:backlog=0", /backlog must be between 1 and 65535, not 0/],
    [
      "tcp:80:interfce=127.0.0.1",
      /unknown parameter "interfce" for tcp server endpoints \(accepted: port, interface, backlog\)/,
    ],
    ["tcp6:80:timeout=5", /unknown parameter "timeout" for tcp6 server endpoints/],
    ["tcp:80:81", /unexpected argument "81"/],
    ["tcp:80:port=81", /unexpected argument "80"/],
    ["tcp:80:backlog=1:backlog=2", /parameter "backlog" is given twice/],
    ["tcp:80\\", /lone backslash/],
    ["port=80", /must start with the endpoint type/],
    ["unix", /missing address/],
    ["unix:", /the socket path is empty/],
    ["unix:/tmp/x=y", /unknown parameter "\/tmp\/x" for unix server endpoints/],
    ["unix:/tmp/s:mode=999", /mode must be octal, like 660, not "999"/],
    ["unix:/tmp/s:lockfile=maybe", /lockfile must be 1 or 0, not "maybe"/],
    ["ssl:443", /ssl server endpoints need privateKey=<PEM file>/],
    [
      "ssl:443:privateKey=/nonexistent/key.pem",
      /cannot read the privateKey file "\/nonexistent\/key\.pem" \(ENOENT\)/,
    ],
    [
      `ssl:443:privateKey=${CERT}`,
      /the privateKey file ".*server\.pem" holds no unencrypted PEM private key/,
    ],
    [`ssl:443:privateKey=${KEY}`, /the certKey file ".*server\.key" holds no PEM certificate/],
    [`ssl:443:privateKey=${KEY}:certKey=/nope.pem`, /cannot read the certKey file "\/nope\.pem"/],
    [
      `ssl:443:privateKey=${KEY}:certKey=${CERT}:extraCertChain=${KEY}`,
      /the extraCertChain file .* holds no PEM certificate/,
    ],
    [
      "ssl:443:privateKey=k:sslmethod=TLS",
      /unknown parameter "sslmethod" for ssl server endpoints/,
    ],
  ];
  for (const [description, message] of invalid) {
    it(`rejects ${JSON.stringify(description.replaceAll(tls, ""))}`, () => {
      assert.throws(
        () => serverFromString(reactor, description),
        (e: unknown) =>
          e instanceof EndpointParseError &&
          e.code === "ERR_ENDPOINT_SYNTAX" &&
          e.message.startsWith(`Invalid endpoint description ${JSON.stringify(description)}: `) &&
          message.test(e.message),
      );
    });
  }

  it("a unix path round-trips through quoteStringArgument (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", minLength: 1 }),
          fc.string({ unit: fc.constantFrom(":", "=", "\\", "/", "x"), minLength: 1 }),
        ),
        (path) => {
          const ep = serverFromString(reactor, `unix:${quoteStringArgument(path)}:mode=600`);
          assert.equal((ep as UNIXServerEndpoint).path, path);
        },
      ),
    );
  });
});

describe("clientFromString", () => {
  const valid: Array<[string, Class, Record<string, unknown>]> = [
    [
      "tcp:example.com:80",
      TCP4ClientEndpoint,
      { host: "example.com", port: 80, timeout: 30, bindAddress: undefined },
    ],
    ["TCP:example.com:80", TCP4ClientEndpoint, { host: "example.com", port: 80 }],
    [
      "tcp:host=example.com:port=80:timeout=5",
      TCP4ClientEndpoint,
      { host: "example.com", port: 80, timeout: 5 },
    ],
    ["tcp:host=example.com:80", TCP4ClientEndpoint, { host: "example.com", port: 80 }],
    ["tcp:port=80:example.com", TCP4ClientEndpoint, { host: "example.com", port: 80 }],
    [
      "tcp:127.0.0.1:8080:bindAddress=127.0.0.2:timeout=0.5",
      TCP4ClientEndpoint,
      { host: "127.0.0.1", port: 8080, timeout: 0.5, bindAddress: { host: "127.0.0.2" } },
    ],
    ["tcp6:host=\\:\\:1:port=80", TCP6ClientEndpoint, { host: "::1", port: 80, timeout: 30 }],
    ["tcp6:\\:\\:1:80:timeout=2", TCP6ClientEndpoint, { host: "::1", port: 80, timeout: 2 }],
    ["unix:/tmp/s.sock", UNIXClientEndpoint, { path: "/tmp/s.sock", timeout: 30 }],
    ["unix:path=/tmp/s.sock:timeout=5", UNIXClientEndpoint, { path: "/tmp/s.sock", timeout: 5 }],
    [
      "ssl:example.com:443",
      SSL4ClientEndpoint,
      { host: "example.com", port: 443, timeout: 30, tlsOptions: {} },
    ],
    [
      `ssl:host=example.com:port=443:trustRoots=${CA}:hostname=internal.test:timeout=3`,
      SSL4ClientEndpoint,
      {
        host: "example.com",
        port: 443,
        timeout: 3,
        tlsOptions: { trustRoot: [pem(CA)], hostname: "internal.test" },
      },
    ],
    [
      `ssl:10.0.0.1:443:certificate=${tls}client.pem:privateKey=${tls}client.key`,
      SSL4ClientEndpoint,
      {
        tlsOptions: {
          clientCertificate: { cert: pem(`${tls}client.pem`), key: pem(`${tls}client.key`) },
        },
      },
    ],
    [
      `ssl:10.0.0.1:443:certKey=${tls}client.pem:privateKey=${tls}client.key`,
      SSL4ClientEndpoint,
      {
        tlsOptions: {
          clientCertificate: { cert: pem(`${tls}client.pem`), key: pem(`${tls}client.key`) },
        },
      },
    ],
  ];
  for (const [description, cls, fields] of valid) {
    it(`builds ${JSON.stringify(description.replaceAll(tls, ""))}`, () => {
      check(clientFromString(reactor, description), cls, fields);
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ["bogus:x", /unknown endpoint type "bogus" \(client types: tcp, tcp6, ssl, unix\)/],
    ["443", /a bare port number is not an endpoint description/],
    ["tcp", /missing host/],
    ["tcp:example.com", /missing port/],
    ["tcp:host=:port=80", /the host is empty/],
    ["tcp:example.com:http", /port must be an integer, not "http"/],
    ["tcp:example.com:80:timeout=0", /timeout must be a positive number of seconds, not "0"/],
    ["tcp:example.com:80:timeout=soon", /timeout must be a positive number of seconds, not "soon"/],
    ["tcp:a:80:b", /unexpected argument "b"/],
    [
      "tcp:a:80:backlog=5",
      /unknown parameter "backlog" for tcp client endpoints \(accepted: host, port, timeout, bindAddress\)/,
    ],
    ["unix", /missing path/],
    ["unix:path=", /the socket path is empty/],
    ["unix:path=/x:checkPID=1", /unknown parameter "checkPID" for unix client endpoints/],
    [
      "ssl:a:443:trustRoots=/nonexistent",
      /cannot read the trustRoots path "\/nonexistent" \(ENOENT\)/,
    ],
    [`ssl:a:443:trustRoots=${KEY}`, /the trustRoots file ".*server\.key" holds no PEM certificate/],
    [`ssl:a:443:trustRoots=${CA}:caCertsDir=${tls}`, /give trustRoots or caCertsDir, not both/],
    [`ssl:a:443:certificate=${CA}:certKey=${CA}`, /give certificate or certKey, not both/],
    [
      `ssl:a:443:certificate=${tls}client.pem`,
      /the certificate file ".*client\.pem" holds no unencrypted PEM private key/,
    ],
  ];
  for (const [description, message] of invalid) {
    it(`rejects ${JSON.stringify(description.replaceAll(tls, ""))}`, () => {
      assert.throws(
        () => clientFromString(reactor, description),
        (e: unknown) => e instanceof EndpointParseError && message.test(e.message),
      );
    });
  }

  it("a host name round-trips through quoteStringArgument (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", minLength: 1 }),
        fc.integer({ min: 0, max: 65535 }),
        (host, port) => {
          const ep = clientFromString(reactor, `tcp:${quoteStringArgument(host)}:${port}`);
          assert.deepEqual(
            [(ep as TCP4ClientEndpoint).host, (ep as TCP4ClientEndpoint).port],
            [host, port],
          );
        },
      ),
    );
  });
});

describe("registerServerParser / registerClientParser", () => {
  it("adds a type that can wrap another description through `rest`", () => {
    class Wrapped implements IStreamServerEndpoint {
      constructor(readonly inner: IStreamServerEndpoint) {}
      listen = (f: Parameters<IStreamServerEndpoint["listen"]>[0]) => this.inner.listen(f);
    }
    const seen: string[] = [];
    const unregister = registerServerParser("Wrapper", (r, parsed) => {
      seen.push(parsed.rest);
      return new Wrapped(serverFromString(r, parsed.rest));
    });
    try {
      const ep = serverFromString(reactor, "wrapper:tcp:8080:interface=\\:\\:1");
      assert.ok(ep instanceof Wrapped);
      check(ep.inner, TCP4ServerEndpoint, { port: 8080, interface: "::1" });
      assert.deepEqual(seen, ["tcp:8080:interface=\\:\\:1"]);
      assert.throws(() => registerServerParser("wrapper", () => ep), /already registered/);
    } finally {
      unregister();
    }
    assert.throws(
      () => serverFromString(reactor, "wrapper:tcp:80"),
      /unknown endpoint type "wrapper"/,
    );
  });

  it("client types are separate from server types", () => {
    const unregister = registerClientParser("fixed", (r) => new UNIXClientEndpoint(r, "/fixed"));
    try {
      check(clientFromString(reactor, "fixed"), UNIXClientEndpoint, { path: "/fixed" });
      assert.throws(() => serverFromString(reactor, "fixed"), EndpointParseError);
    } finally {
      unregister();
    }
  });

  it("refuses the standard types and malformed names", () => {
    assert.throws(
      () => registerServerParser("tcp", () => serverFromString(reactor, "tcp:1")),
      RangeError,
    );
    assert.throws(
      () => registerClientParser("TCP", () => clientFromString(reactor, "tcp:a:1")),
      RangeError,
    );
    assert.throws(
      () => registerServerParser("has:colon", () => serverFromString(reactor, "tcp:1")),
      RangeError,
    );
    assert.throws(
      () => registerServerParser("", () => serverFromString(reactor, "tcp:1")),
      RangeError,
    );
  });
});
