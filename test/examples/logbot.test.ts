/**
 * The IRC log bot example (examples/logbot.ts), run as its own process against a real ngircd:
 * it must log messages, actions and nick changes with timestamps, answer when addressed, and
 * reconnect after the server restarts on the same port.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { TCP4ClientEndpoint } from "../../src/endpoints/tcp.js";
import { connectProtocol } from "../../src/endpoints/wrapping.js";
import { IRCClient } from "../../src/protocols/irc/client.js";
import { reactor } from "../../src/reactor/reactor.js";
import { haveNgircd, type Ngircd, startNgircd } from "../protocols/irc/ngircd.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A user in the channel, recording what it hears. */
class User extends IRCClient {
  override nickname = "alice";
  heard: string[] = [];
  signed = false;
  inChannel = false;
  override signedOn(): void {
    this.signed = true;
    this.join("#logs");
  }
  override joined(): void {
    this.inChannel = true;
  }
  override privmsg(user: string, _channel: string, message: string): void {
    this.heard.push(`<${user.split("!")[0]}> ${message}`);
  }
}

/** Polls `check` every 50 ms until it returns true, for at most `ms`. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${botOutput}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let botOutput = "";

describe("examples/logbot.ts", { skip: !haveNgircd && "ngircd is not installed" }, () => {
  let server: Ngircd;
  let bot: ChildProcess | null = null;
  let user: User | null = null;

  before(async () => {
    server = await startNgircd();
  });

  after(async () => {
    user?.transport?.abortConnection();
    if (bot !== null && bot.exitCode === null) bot.kill("SIGKILL");
    await server?.dispose();
  });

  it("logs the channel, answers, and reconnects after a server restart", async () => {
    const logFile = join(server.dir, "bot.log");
    const log = () => readFile(logFile, "utf8").catch(() => "");
    const count = (text: string, s: string) => text.split(s).length - 1;

    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(root, "examples", "logbot.ts"),
        "127.0.0.1",
        String(server.port),
        "#logs",
        logFile,
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    bot = child;
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.stdout!.on("data", (c: Buffer) => (botOutput += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (botOutput += c.toString()));

    await until("the bot to join", async () => (await log()).includes("[I have joined #logs]"));

    const alice = new User();
    user = alice;
    await connectProtocol(new TCP4ClientEndpoint(reactor, "127.0.0.1", server.port), alice);
    await until("alice to join", () => alice.inChannel);
    alice.say("#logs", "hello world");
    alice.describe("#logs", "dances");
    alice.say("#logs", "braidbot: who are you?");
    await until("the bot's answer", () => alice.heard.includes("<braidbot> alice: I am a log bot"));
    alice.setNick("alicia");
    await until("the nick change in the log", async () =>
      (await log()).includes("alice is now known as alicia"),
    );

    const text = await log();
    const stamp = String.raw`\[\d\d:\d\d:\d\d\] `;
    for (const line of [
      String.raw`\[connected at .+\]`,
      String.raw`\[I have joined #logs\]`,
      "<alice> hello world",
      String.raw`\* alice dances`,
      "<alice> braidbot: who are you\\?",
      "<braidbot> alice: I am a log bot",
      "alice is now known as alicia",
    ]) {
      assert.match(text, new RegExp(`^${stamp}${line}$`, "m"), `${line} in\n${text}`);
    }

    // The server goes away and comes back on the same port: the bot reconnects and rejoins.
    alice.transport?.abortConnection();
    await server.stop();
    await until("the disconnection in the log", async () =>
      (await log()).includes("[disconnected at"),
    );
    await server.start();
    await until(
      "the bot to rejoin",
      async () => count(await log(), "[I have joined #logs]") === 2,
      15_000,
    );
    assert.match(botOutput, /reconnecting/);

    child.kill("SIGTERM");
    assert.equal(await exited, 0, botOutput);
  });
});
