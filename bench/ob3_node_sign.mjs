/*
 * The Node.js side of bench/bench_ob3_signing.py: sign the given credentials with Digital
 * Bazaar's stack (@digitalbazaar/vc issue, DataIntegrityProof + eddsa-rdfc-2022, the same offline
 * static-tagged context loader as the interop tests) and time it inside the process, so start-up
 * and module loading are not counted.
 *
 * Run by the benchmark as `node --input-type=module -e <this file>` with the working directory
 * tests/interop/node (where `npm ci` installed the stack); request JSON on stdin:
 *   {contexts, verificationMethod, controller, publicKeyMultibase, secretKeyMultibase, created,
 *    credentials: [...], warmup}
 * Answer on stdout: {msPerCredential, cpuMsPerCredential (the process's user + system time),
 *   proofs: [first signed credential's proof]}.
 */
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {OfflineLoader, keepStdoutForJson, printJson, readStdinJson} from './offline.mjs';

keepStdoutForJson();
const request = await readStdinJson();
const loader = new OfflineLoader({contextsDir: request.contexts});
const keyPair = await Ed25519Multikey.from({
  type: 'Multikey',
  id: request.verificationMethod,
  controller: request.controller,
  publicKeyMultibase: request.publicKeyMultibase,
  secretKeyMultibase: request.secretKeyMultibase
});
const suite = new DataIntegrityProof(
  {signer: keyPair.signer(), cryptosuite, date: request.created});

async function sign(credential) {
  const signed = await vc.issue(
    {credential: structuredClone(credential), suite, documentLoader: loader.documentLoader});
  return signed.proof;
}

for(let i = 0; i < request.warmup; i++) {
  await sign(request.credentials[i % request.credentials.length]);
}
const proofs = [];
const started = process.hrtime.bigint();
const cpuStarted = process.cpuUsage();
for(const credential of request.credentials) {
  proofs.push(await sign(credential));
}
const cpu = process.cpuUsage(cpuStarted);
const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
const count = request.credentials.length;
printJson({
  msPerCredential: elapsed / count,
  cpuMsPerCredential: (cpu.user + cpu.system) / 1000 / count,
  proofs: proofs.slice(0, 1),
});
