// The Node side of benches/compare/run.sh.
//
// Times, with the same method as the Rust and Python programs (a warm-up of a tenth of the
// time, then seven equal rounds, the median round, in CPU time), per webhook:
//
// - twilio-node: validateRequest over querystring.parse of the body;
// - a bare HMAC-SHA1 over the same signed string, in Node.
//
// Usage: node compare.js NODE_MODULES TWILIO_BODY [SECONDS]
// Prints RESULT <name> <nanoseconds> lines.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const querystring = require("querystring");

const [modules, bodyPath, secondsArg] = process.argv.slice(2);
const twilio = require(path.resolve(modules, "twilio"));

const URL = "https://example.com/twilio/whatsapp/inbound";
const TOKEN = "12345";
const SIGNATURE = "GD8a9vyClPMV7ICDxFcR/oeneO0=";
const seconds = Number(secondsArg || 2);
const body = fs.readFileSync(bodyPath);

// CPU time in nanoseconds (the process's: Node 20 has no per-thread count), so that other
// programs busy on a shared machine change the figures far less than the wall clock.
function now() {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

function measure(f) {
  const warm = (seconds / 10) * 1e9;
  const start = now();
  let calls = 0;
  while (now() - start < warm) {
    f();
    calls++;
  }
  const perCall = (now() - start) / Math.max(calls, 1);
  const perRound = Math.max(Math.floor((seconds * 0.9e9) / 7 / perCall), 1);
  const rounds = [];
  for (let r = 0; r < 7; r++) {
    const t = now();
    for (let i = 0; i < perRound; i++) f();
    rounds.push((now() - t) / perRound);
  }
  rounds.sort((a, b) => a - b);
  return rounds[3];
}

function twilioCase() {
  const params = querystring.parse(body.toString("utf8"));
  if (!twilio.validateRequest(TOKEN, SIGNATURE, URL, params)) {
    throw new Error("twilio-node rejected the spec's signature");
  }
  return params;
}

twilioCase();
console.log(`RESULT node_twilio_ns ${measure(twilioCase).toFixed(1)}`);

// The floor in Node: one HMAC-SHA1 over the signed string, keyed each time.
const params = querystring.parse(body.toString("utf8"));
let canonical = URL;
for (const k of Object.keys(params).sort()) {
  const values = Array.isArray(params[k]) ? [...new Set(params[k])].sort() : [params[k]];
  for (const v of values) canonical += k + v;
}
const canonicalBytes = Buffer.from(canonical, "utf8");
const mac = () => crypto.createHmac("sha1", TOKEN).update(canonicalBytes).digest();
if (mac().toString("base64") !== SIGNATURE) {
  throw new Error("the signed string does not give the spec's signature");
}
console.log(`RESULT node_hmac_sha1_ns ${measure(mac).toFixed(1)}`);
