#!/usr/bin/env node
/*
 * An independent OpenID4VCI 1.0 wallet: the npm @openid4vc/openid4vci client (Animo's oid4vc-ts)
 * runs the pre-authorized code flow from an offer link, with a did:key (Ed25519) or did:jwk
 * (P-256) holder whose proof JWT is signed by `jose`. Every request goes to loopback only (a
 * public origin through --origins).
 *
 *   node oid4vci-client.mjs --offer OFFER_URL --format ldp_vc|jwt_vc_json
 *                           [--holder did:key|did:jwk] [--origins JSON]
 *
 * Prints {holder, configuration, credential} or {error, status?, body?}.
 */
import {createHash, randomBytes} from 'node:crypto';
import {parseArgs} from 'node:util';
import * as jose from 'jose';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import {clientAuthenticationAnonymous, setGlobalConfig} from '@openid4vc/oauth2';
import {
  isLoopbackUrl, keepStdoutForJson, mapOrigin, parseOrigins, printJson
} from './offline.mjs';

keepStdoutForJson();
setGlobalConfig({allowInsecureUrls: true}); // http on loopback in tests; production is https

const {values: args} = parseArgs({
  options: {
    offer: {type: 'string'},
    format: {type: 'string', default: 'ldp_vc'},
    holder: {type: 'string', default: 'did:key'},
    origins: {type: 'string', default: '{}'}
  }
});
const origins = parseOrigins(args.origins);
const realFetch = globalThis.fetch;

async function loopbackFetch(input, init) {
  const url = typeof input === 'string' ? input : (input.url ?? String(input));
  const target = mapOrigin(url, origins);
  if(!isLoopbackUrl(target)) {
    throw new TypeError(`refusing ${url}: not loopback`);
  }
  return realFetch(typeof input === 'string' || input instanceof URL ?
    target : new Request(target, input), init);
}

const base58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58btc(bytes) {
  let value = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
  let out = '';
  while(value > 0n) {
    out = base58[Number(value % 58n)] + out;
    value /= 58n;
  }
  for(const byte of bytes) {
    if(byte !== 0) {
      break;
    }
    out = '1' + out;
  }
  return out;
}

async function makeHolder(kind) {
  if(kind === 'did:jwk') {
    const {publicKey, privateKey} = await jose.generateKeyPair('ES256', {extractable: true});
    const jwk = await jose.exportJWK(publicKey);
    const did = 'did:jwk:' + Buffer.from(JSON.stringify(jwk)).toString('base64url');
    return {did, kid: `${did}#0`, alg: 'ES256', privateKey, jwk};
  }
  const {publicKey, privateKey} = await jose.generateKeyPair('EdDSA', {
    crv: 'Ed25519', extractable: true
  });
  const jwk = await jose.exportJWK(publicKey);
  const raw = Buffer.from(jwk.x, 'base64url');
  const multibase = 'z' + base58btc(Buffer.concat([Buffer.from([0xed, 0x01]), raw]));
  const did = `did:key:${multibase}`;
  return {did, kid: `${did}#${multibase}`, alg: 'EdDSA', privateKey, jwk};
}

async function main() {
  const holder = await makeHolder(args.holder);
  const client = new Openid4vciClient({
    callbacks: {
      fetch: loopbackFetch,
      hash: (data, alg) => createHash(alg.replace('-', '').toLowerCase()).update(data).digest(),
      generateRandom: length => randomBytes(length),
      clientAuthentication: clientAuthenticationAnonymous(),
      signJwt: async (signer, {header, payload}) => {
        const jwt = await new jose.SignJWT(payload)
          .setProtectedHeader({...header, alg: holder.alg})
          .sign(holder.privateKey);
        return {jwt, signerJwk: holder.jwk};
      }
    }
  });
  const offer = await client.resolveCredentialOffer(args.offer);
  const metadata = await client.resolveIssuerMetadata(offer.credential_issuer);
  const configurations = metadata.credentialIssuer.credential_configurations_supported;
  const configuration = offer.credential_configuration_ids.find(
    id => configurations[id]?.format === args.format);
  const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer: offer, issuerMetadata: metadata
  });
  const {c_nonce: nonce} = await client.requestNonce({issuerMetadata: metadata});
  const {jwt} = await client.createCredentialRequestJwtProof({
    issuerMetadata: metadata,
    credentialConfigurationId: configuration,
    signer: {method: 'did', didUrl: holder.kid, alg: holder.alg},
    nonce
  });
  const answer = await client.retrieveCredentials({
    issuerMetadata: metadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId: configuration,
    proofs: {jwt: [jwt]}
  });
  const credentials = answer.credentialResponse?.credentials ?? [];
  printJson({holder: holder.did, configuration, credential: credentials[0]?.credential ?? null,
    response: credentials.length ? undefined : answer});
}

try {
  await main();
} catch(error) {
  printJson({error: `${error.name}: ${error.message}`,
    body: error.errorResponse ?? error.response?.body ?? null});
}
