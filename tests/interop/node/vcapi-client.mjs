#!/usr/bin/env node
/*
 * A VC-API exchange client that does what the DCC Learner Credential Wallet does with a request
 * link, on Digital Bazaar's stack: read `request` from the link, POST {} to protocols.vcapi, sign
 * a DID Authentication presentation with a did:key (Ed25519Signature2020, purpose authentication,
 * the request's challenge and domain) and POST it; print what the exchange answered.
 *
 *   node vcapi-client.mjs --contexts DIR --link LCW_URL [--origins JSON]
 *                         [--challenge OVERRIDE] [--tamper] [--interaction URL]
 *
 * --challenge signs with another challenge (a wrong one); --tamper changes the signed proof's
 * `created` after signing. Every URL is fetched on loopback only (a public origin through --origins).
 * Prints {holder, protocols?, request, status, answer}.
 */
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import {Ed25519VerificationKey2020} from
  '@digitalbazaar/ed25519-verification-key-2020';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {
  OfflineLoader, isLoopbackUrl, keepStdoutForJson, mapOrigin, parseOrigins, printJson
} from './offline.mjs';

keepStdoutForJson();

const {values: args} = parseArgs({
  options: {
    contexts: {type: 'string'},
    link: {type: 'string'},
    origins: {type: 'string', default: '{}'},
    challenge: {type: 'string'},
    tamper: {type: 'boolean', default: false},
    interaction: {type: 'string'}
  }
});
const origins = parseOrigins(args.origins);

async function http(method, url, body) {
  const target = mapOrigin(url, origins);
  if(!isLoopbackUrl(target)) {
    throw new Error(`refusing ${url}: not loopback`);
  }
  const response = await fetch(target, {
    method,
    headers: {accept: 'application/json', 'content-type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
    signal: AbortSignal.timeout(20000)
  });
  return {status: response.status, body: await response.json()};
}

async function didKeyHolder() {
  const key = await Ed25519VerificationKey2020.generate();
  const fingerprint = key.fingerprint();
  key.controller = `did:key:${fingerprint}`;
  key.id = `${key.controller}#${fingerprint}`;
  return key;
}

async function main() {
  const link = new URL(args.link);
  const request = JSON.parse(link.searchParams.get('request'));
  const result = {request};
  if(args.interaction) {
    const answer = await http('GET', args.interaction);
    result.protocols = answer.body.protocols;
  }
  const exchangeUrl = request.protocols.vcapi;
  const started = await http('POST', exchangeUrl, {});
  if(started.status !== 200) {
    throw new Error(`POST {} answered ${started.status}: ${JSON.stringify(started.body)}`);
  }
  const vpr = started.body.verifiablePresentationRequest;
  result.vpr = vpr;
  const key = await didKeyHolder();
  const loader = new OfflineLoader({contextsDir: args.contexts, origins});
  const presentation = vc.createPresentation({holder: key.controller});
  const signed = await vc.signPresentation({
    presentation,
    suite: new Ed25519Signature2020({key}),
    challenge: args.challenge ?? vpr.challenge,
    domain: vpr.domain,
    documentLoader: loader.documentLoader
  });
  if(args.tamper) {
    signed.proof.created = '2020-01-01T00:00:00Z';
  }
  const service = vpr.interact.service.find(
    item => item.type === 'VerifiableCredentialApiExchangeService') ?? {serviceEndpoint: exchangeUrl};
  const answer = await http('POST', service.serviceEndpoint, {verifiablePresentation: signed});
  printJson({...result, holder: key.controller, status: answer.status, answer: answer.body});
}

await main();
