#!/usr/bin/env node
/*
 * Verify one Verifiable Credential (JSON on stdin) with Digital Bazaar's stack:
 * @digitalbazaar/vc + @digitalbazaar/data-integrity + eddsa-rdfc-2022 (and, with --check-status,
 * @digitalbazaar/vc-bitstring-status-list).
 *
 *   node verify-vc.mjs --contexts DIR [--check-status] [--now ISO-DATETIME]
 *                      [--origins '{"https://badges.test": "http://127.0.0.1:PORT"}'] < credential.json
 *
 * Contexts come from DIR only; verification methods, controller documents and status lists are
 * fetched by HTTP GET on loopback only; --origins maps a public origin the documents' ids use to
 * the loopback server that stands in for it. A JSON array on stdin verifies each credential in turn
 * (one process, one start-up) and prints an array. Prints one JSON object per credential:
 *   {verified, errors, proofs, status, fetched, refused}
 * `verified` is the library's answer (proofs, proof purpose, issuer = controller, dates, and the
 * status list credential when checked); a set revocation bit shows as `status.revoked: true`.
 */
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus as checkBitstringStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {
  OfflineLoader, errorMessages, keepStdoutForJson, parseOrigins, printJson, readStdinJson
} from './offline.mjs';

keepStdoutForJson();

const {values: args} = parseArgs({
  options: {
    contexts: {type: 'string'},
    origins: {type: 'string', default: '{}'},
    'check-status': {type: 'boolean', default: false},
    now: {type: 'string'}
  }
});
const origins = parseOrigins(args.origins);

function statusTypes(credential) {
  const statuses = [].concat(credential.credentialStatus ?? []);
  return statuses.map(status => status?.type);
}

function makeStatusChecker(credential) {
  if(!args['check-status']) {
    // vc refuses a credential with credentialStatus and no checker; say we did not look.
    return async () => ({verified: true, checked: false});
  }
  const types = statusTypes(credential);
  if(types.length > 0 && types.every(type => type === 'BitstringStatusListEntry')) {
    return async options => ({
      ...(await checkBitstringStatus({
        ...options,
        verifyBitstringStatusListCredential: true,
        verifyMatchingIssuers: true
      })),
      checked: true
    });
  }
  return async () => ({
    verified: false,
    checked: true,
    error: new Error(`status type(s) ${JSON.stringify(types)} not supported by this harness`)
  });
}

function summarizeStatus(credential, statusResult) {
  if(!credential.credentialStatus) {
    return {present: false, checked: false, revoked: null};
  }
  if(!statusResult?.checked) {
    return {present: true, checked: false, revoked: null, types: statusTypes(credential)};
  }
  const results = (statusResult.results ?? []).map(result => ({
    purpose: result.credentialStatus?.statusPurpose,
    index: result.credentialStatus?.statusListIndex,
    list: result.credentialStatus?.statusListCredential,
    set: result.status
  }));
  const revoked = statusResult.verified ?
    results.some(result => result.purpose === 'revocation' && result.set === true) : null;
  return {
    present: true,
    checked: true,
    verified: statusResult.verified === true,
    revoked,
    results,
    errors: errorMessages(statusResult.error)
  };
}

function summarizeProofs(result) {
  return (result.results ?? []).map(proofResult => ({
    verified: proofResult.verified === true,
    type: proofResult.proof?.type,
    cryptosuite: proofResult.proof?.cryptosuite,
    verificationMethod: proofResult.verificationMethod?.id ?? proofResult.proof?.verificationMethod,
    errors: errorMessages(proofResult.error, proofResult.purposeResult?.error)
  }));
}

async function verifyOne(credential) {
  const loader = new OfflineLoader({contextsDir: args.contexts, origins});
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  let result;
  try {
    result = await vc.verifyCredential({
      credential,
      suite,
      documentLoader: loader.documentLoader,
      checkStatus: makeStatusChecker(credential),
      ...(args.now ? {now: args.now} : {})
    });
  } catch(error) {
    // vc raises (rather than answers) for malformed credentials: still a "not verified".
    result = {verified: false, error};
  }
  const proofErrors = (result.results ?? []).flatMap(
    proofResult => [proofResult.error, proofResult.purposeResult?.error]);
  return {
    verified: result.verified === true,
    errors: errorMessages(result.error, ...proofErrors, result.statusResult?.error),
    proofs: summarizeProofs(result),
    status: summarizeStatus(credential, result.statusResult),
    fetched: loader.fetched,
    refused: loader.refused
  };
}

async function main() {
  const input = await readStdinJson();
  if(Array.isArray(input)) {
    const results = [];
    for(const credential of input) {
      results.push(await verifyOne(credential));
    }
    printJson(results);
  } else {
    printJson(await verifyOne(input));
  }
}

await main();
