#!/usr/bin/env node
/*
 * Verify one VC-JWT (compact JWS on stdin) as Open Badges 3.0 defines it for VC 2.0, with the
 * `jose` package (an independent JOSE implementation): the payload is the credential itself plus
 * the registered claims iss, jti, nbf, sub (and exp when it expires).
 *
 *   node verify-jwt.mjs [--jwk JSON] [--algorithms RS256,EdDSA] [--now ISO] [--origins JSON]
 *                       < token.jwt
 *
 * The key: --jwk if given, else the header's `jwk`, else the header's `kid` fetched by HTTP GET on
 * loopback only (the answer may be a JWK, a document with `publicKeyJwk`, or a JWK Set).
 * Prints one JSON object: {verified, errors, checks, header, payload, fetched, refused}.
 */
import {parseArgs} from 'node:util';
import * as jose from 'jose';
import {
  isLoopbackUrl, keepStdoutForJson, mapOrigin, parseOrigins, printJson
} from './offline.mjs';

keepStdoutForJson();

const {values: args} = parseArgs({
  options: {
    jwk: {type: 'string'},
    origins: {type: 'string', default: '{}'},
    algorithms: {type: 'string', default: 'RS256,EdDSA,ES256'},
    now: {type: 'string'}
  }
});

const origins = parseOrigins(args.origins);
const fetched = [];
const refused = [];

async function readStdinText() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function fetchKeyDocument(kid) {
  const target = mapOrigin(kid, origins);
  if(!isLoopbackUrl(target)) {
    refused.push(kid);
    throw new Error(`kid ${kid} is not a loopback URL; refusing to fetch it`);
  }
  fetched.push(kid);
  const response = await fetch(target.split('#')[0], {
    headers: {accept: 'application/jwk+json, application/json, application/ld+json'},
    redirect: 'manual',
    signal: AbortSignal.timeout(10000)
  });
  if(response.status !== 200) {
    throw new Error(`GET ${kid} answered HTTP ${response.status}`);
  }
  return response.json();
}

function jwkFrom(document, kid) {
  if(document.kty) {
    return document;
  }
  if(document.publicKeyJwk) {
    return document.publicKeyJwk;
  }
  if(Array.isArray(document.keys)) {
    const match = document.keys.find(key => key.kid === kid) ??
      (document.keys.length === 1 ? document.keys[0] : undefined);
    if(match) {
      return match;
    }
  }
  throw new Error('the key document holds no JWK (kty, publicKeyJwk or keys[])');
}

async function resolveJwk(header) {
  if(args.jwk) {
    return JSON.parse(args.jwk);
  }
  if(header.jwk) {
    return header.jwk;
  }
  if(!header.kid) {
    throw new Error('no key: the header has neither kid nor jwk');
  }
  return jwkFrom(await fetchKeyDocument(header.kid), header.kid);
}

function epoch(dateTime) {
  return dateTime === undefined ? undefined : Math.floor(Date.parse(dateTime) / 1000);
}

function claimChecks(header, payload) {
  const issuer = typeof payload.issuer === 'object' ? payload.issuer?.id : payload.issuer;
  const subject = [].concat(payload.credentialSubject ?? [])[0]?.id;
  const checks = [
    ['typ', header.typ === undefined || header.typ === 'JWT', `typ is ${header.typ}`],
    ['credential', [].concat(payload.type ?? []).includes('VerifiableCredential'),
      'payload is not a VerifiableCredential'],
    ['iss', payload.iss === issuer, `iss ${payload.iss} != issuer ${issuer}`],
    ['jti', payload.jti === payload.id, `jti ${payload.jti} != id ${payload.id}`],
    ['nbf', payload.nbf === epoch(payload.validFrom),
      `nbf ${payload.nbf} != validFrom ${payload.validFrom}`],
    ['exp', payload.exp === epoch(payload.validUntil),
      `exp ${payload.exp} != validUntil ${payload.validUntil}`]
  ];
  if(subject !== undefined) {
    checks.push(['sub', payload.sub === subject, `sub ${payload.sub} != subject ${subject}`]);
  }
  return checks.map(([name, ok, reason]) => ({name, ok, ...(ok ? {} : {reason})}));
}

async function main() {
  const token = await readStdinText();
  const report = {verified: false, errors: [], checks: [], header: null, payload: null};
  try {
    const header = jose.decodeProtectedHeader(token);
    report.header = header;
    const algorithms = args.algorithms.split(',').map(alg => alg.trim()).filter(Boolean);
    const key = await jose.importJWK(await resolveJwk(header), header.alg);
    const {payload} = await jose.compactVerify(token, key, {algorithms});
    report.payload = JSON.parse(new TextDecoder().decode(payload));
    report.checks = claimChecks(header, report.payload);
    const now = epoch(args.now ?? new Date().toISOString());
    if(report.payload.exp !== undefined && now >= report.payload.exp) {
      report.checks.push({name: 'expiry', ok: false, reason: 'the token has expired'});
    }
    if(report.payload.nbf !== undefined && now < report.payload.nbf) {
      report.checks.push({name: 'not_before', ok: false, reason: 'the token is not valid yet'});
    }
    report.errors = report.checks.filter(check => !check.ok).map(
      check => `${check.name}: ${check.reason}`);
    report.verified = report.errors.length === 0;
  } catch(error) {
    report.errors.push(`${error.code ?? error.name}: ${error.message}`);
  }
  printJson({...report, fetched, refused});
}

await main();
