// Preloaded (NODE_OPTIONS=--require) into a Node.js command under test: appends each host it
// looks up and each address it connects to, one per line, to NODE_CONNECTIONS_LOG. Every
// client (http, https, fetch) connects through net.Socket; names go through dns.lookup.
"use strict";
const dns = require("node:dns");
const fs = require("node:fs");
const net = require("node:net");

const log = process.env.NODE_CONNECTIONS_LOG;
const note = (line) => fs.appendFileSync(log, `${line}\n`);

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function recordedConnect(...args) {
  // net.connect() hands the socket its arguments normalised: one array, options first.
  const [first, second] = Array.isArray(args[0]) ? args[0] : args;
  const options = typeof first === "object" && first !== null ? first : { port: first, host: second };
  note(`connect ${options.path ?? `${options.host ?? "localhost"}:${options.port}`}`);
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function recordedLookup(host, ...rest) {
  note(`lookup ${host}`);
  return lookup.call(this, host, ...rest);
};
const promisedLookup = dns.promises.lookup;
dns.promises.lookup = function recordedPromisedLookup(host, ...rest) {
  note(`lookup ${host}`);
  return promisedLookup.call(this, host, ...rest);
};
