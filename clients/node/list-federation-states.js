#!/usr/bin/env node
// Lists the federation states a meshfed server holds, over gRPC, with nothing but meshfed's
// .proto files and the npm packages @grpc/grpc-js and @grpc/proto-loader: a client written the
// way a user outside the project would write one.
//
//   node list-federation-states.js HOST:PORT [--token T] [--datacenter DC] [--json]
//       [--ca-file FILE [--client-cert FILE --client-key FILE]]
//
// With --ca-file the call is gRPC over TLS (the server's meshfed.ports.grpc-tls), the server's
// certificate verified against that CA; --client-cert and --client-key present a client
// certificate, for a server with tls.grpc.verify-incoming.
//
// Prints one row per DC (DC, gateway count, gateway node names, ModifyIndex) and exits 0; with
// --json, the response as JSON (field names as in the .proto, 64-bit integers as strings). On a
// failed call prints `error: <gRPC status name>: <details>` to stderr and exits 1; on bad
// arguments prints the usage to stderr and exits 2.
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = path.resolve(__dirname, '..', '..', 'protocol', 'src', 'main', 'proto');
const DEADLINE_MS = 10000;
const USAGE = 'usage: node list-federation-states.js HOST:PORT [--token T] [--datacenter DC] [--json] '
  + '[--ca-file FILE [--client-cert FILE --client-key FILE]]';

function usageError(message) {
  process.stderr.write(`error: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    target: null, token: null, datacenter: '', json: false, caFile: null, clientCert: null, clientKey: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usageError(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--token') opts.token = value();
    else if (arg === '--datacenter') opts.datacenter = value();
    else if (arg === '--json') opts.json = true;
    else if (arg === '--ca-file') opts.caFile = value();
    else if (arg === '--client-cert') opts.clientCert = value();
    else if (arg === '--client-key') opts.clientKey = value();
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg.startsWith('-')) usageError(`unknown option ${arg}`);
    else if (opts.target === null) opts.target = arg;
    else usageError(`unexpected argument ${arg}`);
  }
  if (opts.target === null) usageError('missing HOST:PORT');
  if ((opts.clientCert === null) !== (opts.clientKey === null)) usageError('give --client-cert and --client-key together');
  if (opts.clientCert !== null && opts.caFile === null) usageError('--client-cert needs --ca-file (TLS)');
  return opts;
}

// The status name (UNAVAILABLE, PERMISSION_DENIED, ...) of a numeric gRPC status code.
function statusName(code) {
  const name = Object.keys(grpc.status).find((k) => grpc.status[k] === code);
  return name || `CODE_${code}`;
}

function oneLine(text) {
  return String(text == null ? '' : text).replace(/\s+/g, ' ').trim();
}

function printTable(states) {
  const rows = [['DC', 'GATEWAYS', 'NODES', 'MODIFY INDEX']];
  for (const s of states) {
    const gateways = s.mesh_gateways || [];
    const nodes = gateways.map((g) => (g.node && g.node.node) || '?');
    rows.push([s.datacenter, String(gateways.length), nodes.join(',') || '-', String(s.modify_index)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) {
    process.stdout.write(`${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')}\n`);
  }
}

function readFile(option, file) {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    return usageError(`${option}: cannot read ${file}: ${e.message}`);
  }
}

// Plain text (h2c) by default; TLS, optionally with a client certificate, with --ca-file.
function credentials(opts) {
  if (opts.caFile === null) return grpc.credentials.createInsecure();
  const ca = readFile('--ca-file', opts.caFile);
  const key = opts.clientKey === null ? null : readFile('--client-key', opts.clientKey);
  const cert = opts.clientCert === null ? null : readFile('--client-cert', opts.clientCert);
  return grpc.credentials.createSsl(ca, key, cert);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const definition = protoLoader.loadSync('meshfed/v1/federation_state.proto', {
    includeDirs: [PROTO_DIR],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const v1 = grpc.loadPackageDefinition(definition).meshfed.v1;
  const client = new v1.FederationStateService(opts.target, credentials(opts));

  const metadata = new grpc.Metadata();
  if (opts.token) metadata.set('x-meshfed-token', opts.token);
  const request = { options: { datacenter: opts.datacenter } };
  const deadline = new Date(Date.now() + DEADLINE_MS);

  client.List(request, metadata, { deadline }, (err, response) => {
    client.close();
    if (err) {
      process.stderr.write(`error: ${statusName(err.code)}: ${oneLine(err.details || err.message)}\n`);
      process.exitCode = 1;
      return;
    }
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
    } else {
      printTable(response.states || []);
    }
    process.exitCode = 0;
  });
}

main();
