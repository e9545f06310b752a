#!/usr/bin/env node
/*
 * Verify one credential (JSON on stdin) with @digitalcredentials/verifier-core, the verifier
 * behind the DCC Learner Credential Wallet and VerifierPlus.
 *
 *   node verify-core.mjs --contexts DIR [--schemas DIR] [--registries JSON] [--origins JSON]
 *                        < credential.json
 *
 * verifier-core takes no document loader: it builds its own (bundled contexts; anything else,
 * including verification methods and status lists, fetched over HTTP with globalThis.fetch), and
 * fetches JSON Schemas and issuer registries with fetch too. So this script replaces
 * globalThis.fetch before loading it: loopback URLs pass, context URLs are answered from
 * --contexts, 1EdTech schema URLs from --schemas, everything else is refused (and listed in
 * `refused`). --registries is the knownDIDRegistries list (default []: no registry is consulted,
 * so the `registered_issuer` step is always false).
 *
 * Prints one JSON object: {verified, revoked, expired, errors, log, schemaCheck, fetched, served,
 * refused}; `verified` = no fatal error and the `valid_signature` step is valid. A JSON array on
 * stdin verifies each credential in turn and prints an array.
 */
import {parseArgs} from 'node:util';
import {
  guardFetch, keepStdoutForJson, parseOrigins, printJson, readStdinJson
} from './offline.mjs';

keepStdoutForJson();

const {values: args} = parseArgs({
  options: {
    contexts: {type: 'string'},
    origins: {type: 'string', default: '{}'},
    schemas: {type: 'string'},
    registries: {type: 'string', default: '[]'}
  }
});

function step(result, id) {
  return (result.log ?? []).find(entry => entry.id === id);
}

function plainErrors(errors) {
  return (errors ?? []).map(error => ({
    name: error.name,
    message: error.message,
    ...(error.stackTrace ? {detail: String(error.stackTrace?.message ?? error.stackTrace)} : {})
  }));
}

async function verifyOne(verifyCredential, record, credential) {
  const before = {fetched: record.fetched.length, served: record.served.length,
    refused: record.refused.length};
  const result = await verifyCredential({
    credential,
    knownDIDRegistries: JSON.parse(args.registries)
  });
  const signature = step(result, 'valid_signature');
  const revocation = step(result, 'revocation_status');
  const expiration = step(result, 'expiration');
  return {
    verified: !result.errors && signature?.valid === true,
    revoked: revocation && 'valid' in revocation ? !revocation.valid : null,
    expired: expiration && 'valid' in expiration ? !expiration.valid : null,
    errors: plainErrors(result.errors),
    log: result.log ?? [],
    schemaCheck: (result.additionalInformation ?? []).find(info => info.id === 'schema_check') ??
      null,
    fetched: record.fetched.slice(before.fetched),
    served: record.served.slice(before.served),
    refused: record.refused.slice(before.refused)
  };
}

async function main() {
  const input = await readStdinJson();
  const record = guardFetch({
    contextsDir: args.contexts, schemasDir: args.schemas, origins: parseOrigins(args.origins)
  });
  // Imported only now: the library builds its document loader and HTTP client at import time.
  const {verifyCredential} = await import('@digitalcredentials/verifier-core');
  const results = [];
  for(const credential of [].concat(input)) {
    results.push(await verifyOne(verifyCredential, record, credential));
  }
  printJson(Array.isArray(input) ? results : results[0]);
}

await main();
