// The Node send path of benches/compare/run.sh: N messages through twilio-node's client,
// C at a time, to a local fake of Twilio's Messages API.
//
// twilio-node always builds https://api.twilio.com/... URIs; a RequestClient subclass
// (the SDK's `httpClient` option) rewrites the origin to the fake's. twilio-node's own
// agent is an https.Agent (keepAlive, maxSockets 20 per host by default); the fake is plain
// HTTP on loopback, so the same client gets an http.Agent with the same keep-alive settings
// and, like the Rust client, room for as many sockets as sends in flight.
//
// Usage: node send.js NODE_MODULES BASE_URL COUNT CONCURRENCY [STATS_URL]
// Prints RESULT <name> <value> lines.
"use strict";

const http = require("http");
const path = require("path");

const [modules, baseUrl, countArg, concurrencyArg, statsUrl] = process.argv.slice(2);
const twilio = require(path.resolve(modules, "twilio"));

const count = Number(countArg || 20000);
const concurrency = Number(concurrencyArg || 64);
const ACCOUNT_SID = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const AUTH_TOKEN = "0123456789abcdef0123456789abcdef";

class LocalRequestClient extends twilio.RequestClient {
  constructor(opts) {
    super(opts);
    this.axios.defaults.httpAgent = new http.Agent({
      keepAlive: true,
      maxSockets: opts.maxSockets,
      maxFreeSockets: opts.maxFreeSockets,
    });
  }

  request(opts) {
    opts.uri = opts.uri.replace(/^https:\/\/api\.twilio\.com/, baseUrl);
    return super.request(opts);
  }
}

const client = twilio(ACCOUNT_SID, AUTH_TOKEN, {
  httpClient: new LocalRequestClient({
    keepAlive: true,
    maxSockets: concurrency,
    maxFreeSockets: concurrency,
  }),
});

// How many connections the fake has accepted so far, read from its stats port.
function fakeConnections() {
  if (!statsUrl) return Promise.resolve(null);
  return new Promise((resolve) => {
    http
      .get(statsUrl, { agent: false }, (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => {
          const m = /connections=(\d+)/.exec(text);
          resolve(m ? Number(m[1]) : null);
        });
      })
      .on("error", () => resolve(null));
  });
}

async function run(n) {
  let next = 0;
  let failed = 0;
  async function worker() {
    while (next++ < n) {
      try {
        const m = await client.messages.create({
          from: "whatsapp:+14155238886",
          to: "whatsapp:+14155550100",
          body: "Your table for 2 is booked.",
        });
        if (!m.sid) failed++;
      } catch (e) {
        if (failed++ === 0) console.error(`send.js: ${e.message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failed;
}

(async () => {
  // Warm-up: one round at full concurrency opens the connections (and lets V8 optimize).
  const warmFailed = await run(concurrency * 4);
  const connections0 = await fakeConnections();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const failed = await run(count);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const connections1 = await fakeConnections();
  if (connections0 !== null && connections1 !== null) {
    console.log(`RESULT node_send_new_connections ${connections1 - connections0}`);
  }
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(`RESULT node_send_count ${count}`);
  console.log(`RESULT node_send_errors ${failed + warmFailed}`);
  console.log(`RESULT node_send_per_s ${(count / wall).toFixed(1)}`);
  console.log(`RESULT node_send_cpu_us ${((cpuSeconds * 1e6) / count).toFixed(1)}`);
})();
