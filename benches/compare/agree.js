// The Node side of benches/compare/agree.sh: twilio-node's verdict on every webhook of the
// cases file that agree_cases.py wrote, added to it in place.
//
// For each case: validateRequest(authToken, signature, url, querystring.parse(body)), and
// getExpectedTwilioSignature at the URL as received; and whether querystring.parse read the
// same parameters as Python's parse_qsl (as a multiset: an object has no order to compare).
//
// Usage: node agree.js NODE_MODULES CASES.json
"use strict";
const fs = require("fs");
const path = require("path");
const querystring = require("querystring");

const [modules, file] = process.argv.slice(2).map((p) => path.resolve(p));
const twilio = require(path.join(modules, "twilio"));
const version = require(path.join(modules, "twilio", "package.json")).version;

function flatten(params) {
  const out = [];
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) out.push(JSON.stringify([k, one]));
  }
  return out.sort();
}

const data = JSON.parse(fs.readFileSync(file, "utf8"));
let accepted = 0;
for (const c of data.cases) {
  const params = querystring.parse(c.body);
  c.node_valid = twilio.validateRequest(c.auth_token, c.signature, c.url, params);
  c.node_signature = twilio.getExpectedTwilioSignature(c.auth_token, c.url, params);
  const python = c.params.map((p) => JSON.stringify(p)).sort();
  c.node_params_match = JSON.stringify(flatten(params)) === JSON.stringify(python);
  if (c.node_valid) accepted++;
}
data.twilio_node = version;
fs.writeFileSync(file, JSON.stringify(data));
console.error(`twilio-node ${version} accepts ${accepted}, rejects ${data.cases.length - accepted}`);
