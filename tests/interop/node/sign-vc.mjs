#!/usr/bin/env node
/*
 * Sign one credential (JSON on stdin) with an Ed25519 key using Data Integrity eddsa-rdfc-2022,
 * through Digital Bazaar's stack, so our own verifier can be tested on credentials it did not make.
 *
 *   node sign-vc.mjs --contexts DIR --verification-method URL [--controller URL]
 *                    [--public-key-multibase z6Mk... --secret-key-multibase z...]
 *                    [--created ISO-DATETIME] [--proof-array] [--origins JSON] < credential.json
 *
 * Without a key a fresh one is generated. --controller defaults to the credential's issuer id.
 * A JSON array on stdin signs each credential with the same key and prints an array.
 * Prints one JSON object per credential:
 *   {credential, verificationMethod, controller, publicKeyMultibase, secretKeyMultibase,
 *    keyDocument}
 * where keyDocument is the Multikey document to serve at the verification method URL.
 */
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {
  OfflineLoader, keepStdoutForJson, parseOrigins, printJson, readStdinJson
} from './offline.mjs';

keepStdoutForJson();

const {values: args} = parseArgs({
  options: {
    contexts: {type: 'string'},
    origins: {type: 'string', default: '{}'},
    'verification-method': {type: 'string'},
    controller: {type: 'string'},
    'public-key-multibase': {type: 'string'},
    'secret-key-multibase': {type: 'string'},
    created: {type: 'string'},
    'proof-array': {type: 'boolean', default: false}
  }
});
const origins = parseOrigins(args.origins);

function issuerId(credential) {
  return typeof credential.issuer === 'object' ? credential.issuer?.id : credential.issuer;
}

async function keyPairFor({id, controller}) {
  const publicKeyMultibase = args['public-key-multibase'];
  const secretKeyMultibase = args['secret-key-multibase'];
  if(publicKeyMultibase && secretKeyMultibase) {
    return Ed25519Multikey.from({
      type: 'Multikey', id, controller, publicKeyMultibase, secretKeyMultibase
    });
  }
  if(publicKeyMultibase || secretKeyMultibase) {
    throw new Error('give both --public-key-multibase and --secret-key-multibase, or neither');
  }
  return Ed25519Multikey.generate({id, controller});
}

async function signOne(credential, keyPair) {
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: eddsaRdfc2022CryptoSuite,
    ...(args.created ? {date: args.created} : {})
  });
  const loader = new OfflineLoader({contextsDir: args.contexts, origins});
  const signed = await vc.issue({credential, suite, documentLoader: loader.documentLoader});
  if(args['proof-array'] && !Array.isArray(signed.proof)) {
    signed.proof = [signed.proof];
  }
  return signed;
}

async function main() {
  const input = await readStdinJson();
  const credentials = [].concat(input);
  const id = args['verification-method'];
  if(!id) {
    throw new Error('--verification-method URL is required');
  }
  const controller = args.controller ?? issuerId(credentials[0]);
  const keyPair = await keyPairFor({id, controller});
  const exported = await keyPair.export({publicKey: true, secretKey: true, includeContext: true});
  const {secretKeyMultibase, ...keyDocument} = exported;
  const key = {
    verificationMethod: id,
    controller,
    publicKeyMultibase: keyDocument.publicKeyMultibase,
    secretKeyMultibase,
    keyDocument
  };
  const results = [];
  for(const credential of credentials) {
    results.push({credential: await signOne(credential, keyPair), ...key});
  }
  printJson(Array.isArray(input) ? results : results[0]);
}

await main();
