// Drives the lobby hub (/hubs/lobby) with the official JavaScript SignalR client, as an operator's front end would.
// Run by tests/Lobby.IntegrationTests (JsClientTests), which starts the services and asserts on what this prints:
// one JSON object per line. Usage: node hub-client.mjs '<config json>' (see JsClientTests.cs for the fields; with
// `everyBet` in the config it runs only the every-bet walk, otherwise the pushes-and-refusals walk).
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import * as signalR from "@microsoft/signalr";

const config = JSON.parse(process.argv[2] ?? "{}");
const hubUrl = new URL("hubs/lobby", config.lobbyUrl).toString();
const print = (line) => console.log(JSON.stringify(line));

/** A hub connection that records every LobbyUpdated it is sent, and lets the script wait for one. */
function open(label, token, { query = "", skipNegotiation = false } = {}) {
  const options = { transport: signalR.HttpTransportType.WebSockets, skipNegotiation };
  if (token !== undefined) options.accessTokenFactory = () => token;
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(hubUrl + query, options)
    .configureLogging(signalR.LogLevel.None)
    .build();
  const received = [];
  const waiters = [];
  connection.on("LobbyUpdated", (update) => {
    received.push(update);
    print({
      event: "received", connection: label, playerId: update.playerId, reason: update.reason,
      lists: update.rows.map((r) => r.list), games: update.rows.flatMap((r) => r.items.map((i) => i.gameId)),
    });
    for (const w of [...waiters]) {
      if (w.match(update)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(update); }
    }
  });
  const waitFor = (match, timeoutMs) => {
    const seen = received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve };
      waiters.push(waiter);
      setTimeout(() => {
        const i = waiters.indexOf(waiter);
        if (i >= 0) { waiters.splice(i, 1); reject(new Error(`${label}: no matching LobbyUpdated within ${timeoutMs} ms`)); }
      }, timeoutMs);
    });
  };
  return { label, connection, received, waitFor };
}

/** The HTTP status a refused start carries: HttpError has it; a refused WebSocket upgrade names it in the message. */
function statusOf(error) {
  if (typeof error?.statusCode === "number") return error.statusCode;
  const match = /\b(40[13])\b/.exec(String(error?.message ?? error));
  return match ? Number(match[1]) : null;
}

/**
 * A bare WebSocket upgrade of the hub, token in the query as browsers send it: the status the server answers with
 * (101 when it accepts). The SignalR client hides that status when it skips negotiation, so this shows it.
 */
function rawUpgradeStatus(token) {
  const url = new URL(hubUrl);
  if (token !== undefined) url.searchParams.set("access_token", token);
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      headers: {
        Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
      },
    });
    request.on("upgrade", (response, socket) => { socket.destroy(); resolve(response.statusCode); });
    request.on("response", (response) => { response.resume(); resolve(response.statusCode); });
    request.on("error", reject);
    request.setTimeout(timeoutMs, () => request.destroy(new Error("no answer to the upgrade")));
    request.end();
  });
}

async function postBet(playerId, gameId) {
  const id = randomUUID();
  const body = {
    specversion: "1.0", id, source: "/wallet", type: "wallet.bet", time: new Date().toISOString(), subject: playerId,
    data: { transactionId: `tx-${id}`, roundId: `r-${id}`, gameId, amount: 1.5, currency: "EUR" },
  };
  const response = await fetch(new URL("v1/events", config.ingestionUrl), {
    method: "POST",
    headers: { "X-Api-Key": config.apiKey, "Content-Type": "application/cloudevents+json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST /v1/events answered ${response.status}: ${await response.text()}`);
}

/**
 * Every bet seen: each player's connection, then one bet on each game in turn; after each bet the next `wallet.bet`
 * push is printed with the games of its "Continue playing" row, and how long it took from the POST.
 */
async function everyBet() {
  for (const player of config.everyBet.players) {
    const c = open(player.label, player.token);
    await c.connection.start();
    connections.push(c);
    await c.waitFor((u) => u.reason === "connected", timeoutMs);
    for (const gameId of config.everyBet.games) {
      const before = c.received.length;
      const started = performance.now();
      await postBet(player.id, gameId);
      const update = await c.waitFor((u) => u.reason === "wallet.bet" && c.received.indexOf(u) >= before, timeoutMs);
      const row = update.rows.find((r) => r.list === "continue-playing");
      print({
        event: "bet-push", connection: player.label, playerId: update.playerId, gameId,
        continuePlaying: row ? row.items.map((i) => i.gameId) : [], ms: Math.round(performance.now() - started),
      });
    }
  }
}

const timeoutMs = config.timeoutMs ?? 20000;
const connections = [];

/** Pushes arrive after real events, and every connection without a valid token for the player is refused. */
async function pushesAndRefusals() {
  // A and B, each with their own token: each is sent their rows at once.
  const a = open("A", config.tokens.a);
  const b = open("B", config.tokens.b);
  // B again, asking in the query string for A's stream: the server must ignore it and go by the token.
  const bAskingForA = open("B-asking-for-A", config.tokens.b, { query: `?playerId=${encodeURIComponent(config.players.a)}&user=${encodeURIComponent(config.players.a)}` });
  for (const c of [a, b, bAskingForA]) {
    await c.connection.start();
    connections.push(c);
    print({ event: "started", connection: c.label, transport: "WebSockets" });
  }
  for (const [c, player] of [[a, config.players.a], [b, config.players.b], [bAskingForA, config.players.b]]) {
    await c.waitFor((u) => u.reason === "connected", timeoutMs);
  }

  // Connections that must be refused: no token, and every token the test forged (other key, other audience, ...).
  const attempts = [{ case: "no-token", token: undefined }, ...config.refused];
  for (const attempt of attempts) {
    for (const skipNegotiation of [false, true]) {
      const c = open(`refused:${attempt.case}`, attempt.token, { skipNegotiation });
      const path = skipNegotiation ? "websocket" : "negotiate";
      try {
        await c.connection.start();
        connections.push(c);
        print({ event: "accepted", case: attempt.case, path });
      } catch (error) {
        print({ event: "refused", case: attempt.case, path, status: statusOf(error), error: String(error?.message ?? error) });
      }
    }
    print({ event: "upgrade", case: attempt.case, status: await rawUpgradeStatus(attempt.token) });
  }
  // The same bare upgrade with A's own token is accepted, so the refusals above are about the tokens.
  print({ event: "upgrade", case: "valid-token", status: await rawUpgradeStatus(config.tokens.a) });

  // A client asking the hub for another player's stream: the hub has no such method, so every call fails.
  for (const method of ["Subscribe", "JoinGroup", "AddToGroup", "SubscribeToPlayer", "LobbyUpdated"]) {
    try {
      await bAskingForA.connection.invoke(method, config.players.a);
      print({ event: "invoked", method, ok: true });
    } catch (error) {
      print({ event: "invoked", method, ok: false, error: String(error?.message ?? error) });
    }
  }

  // A real event for A: A's connection gets fresh rows with the event's type as reason.
  let started = performance.now();
  await postBet(config.players.a, config.games.a);
  await a.waitFor((u) => u.reason === "wallet.bet", timeoutMs);
  print({ event: "pushed", connection: "A", ms: Math.round(performance.now() - started) });

  // A real event for B: B's connections get it; A must not.
  started = performance.now();
  await postBet(config.players.b, config.games.b);
  await b.waitFor((u) => u.reason === "wallet.bet", timeoutMs);
  await bAskingForA.waitFor((u) => u.reason === "wallet.bet", timeoutMs);
  print({ event: "pushed", connection: "B", ms: Math.round(performance.now() - started) });

  // Anything misaddressed would be on its way by now: give it time to arrive before the tally.
  await new Promise((resolve) => setTimeout(resolve, config.quietMs ?? 1500));
  print({
    event: "summary",
    received: Object.fromEntries(connections.map((c) => [c.label, c.received.map((u) => `${u.playerId}|${u.reason}`)])),
  });
}

try {
  if (config.everyBet) await everyBet();
  else await pushesAndRefusals();
} catch (error) {
  print({ event: "error", error: String(error?.stack ?? error) });
  process.exitCode = 1;
} finally {
  await Promise.allSettled(connections.map((c) => c.connection.stop()));
}
