/*
 * Offline plumbing shared by the interop scripts: a JSON-LD document loader that serves contexts
 * from a local directory only and fetches everything else over HTTP on loopback only, and a guard
 * around globalThis.fetch for libraries that fetch by themselves (verifier-core).
 *
 * Nothing here reaches off this machine: a URL that is neither a known context nor a loopback
 * address is refused and recorded, so a test can assert that nothing tried to leave.
 */
import {existsSync, readFileSync} from 'node:fs';
import {isIP} from 'node:net';
import {join} from 'node:path';
import securityContext from '@digitalbazaar/security-context';

// Canonical context URL -> file name, as in the app's schemas/contexts.
const KNOWN_CONTEXT_FILES = {
  'https://www.w3.org/2018/credentials/v1': 'credentials-v1.jsonld',
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://www.w3.org/ns/credentials/undefined-terms/v2': 'credentials-undefined-terms-v2.jsonld',
  'https://w3id.org/security/data-integrity/v1': 'data-integrity-v1.jsonld',
  'https://w3id.org/security/data-integrity/v2': 'data-integrity-v2.jsonld',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.jsonld',
  'https://w3id.org/security/suites/ed25519-2020/v1': 'ed25519-signature-2020-v1.jsonld',
  'https://www.w3.org/ns/credentials/status/v1': 'vc-bitstring-status-list-v1.jsonld',
  'https://www.w3.org/ns/did/v1': 'did-v1.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context.json': 'ob-v3p0-context-3.0.0.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json': 'ob-v3p0-context-3.0.1.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json': 'ob-v3p0-context-3.0.2.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json': 'ob-v3p0-extensions.jsonld',
  'https://w3id.org/openbadges/v2': 'openbadges-v2.jsonld',
  'https://openbadgespec.org/v2/context.json': 'openbadges-v2.jsonld',
  'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json': 'clr-v2p0-context-2.0.1.json'
};

// 1EdTech JSON Schema URLs (purl aliases and the $id inside the files) -> file name in
// tests/fixtures/1edtech/ob3-schemas; verifier-core fetches the schema a credential names.
const KNOWN_SCHEMA_FILES = {
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json':
    'achievementcredential.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential-jsonschema1.json':
    'achievementcredential.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json':
    'endorsementcredential.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential-jsonschema1.json':
    'endorsementcredential.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_profile-jsonschema1.json':
    'profile.json'
};

const FETCH_TIMEOUT_MS = 10000;

/**
 * Send console.log/info/debug to stderr: libraries log there (verifier-core logs schema fetch
 * errors with console.log), and stdout must carry only our one JSON answer.
 */
export function keepStdoutForJson() {
  for(const method of ['log', 'info', 'debug']) {
    console[method] = (...items) => console.error(...items);
  }
}

/** Read one JSON document from standard input. */
export async function readStdinJson() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Print one JSON document on standard output. */
export function printJson(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** True for http(s) URLs whose host is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if(!['http:', 'https:'].includes(parsed.protocol)) {
    return false;
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if(host === 'localhost') {
    return true;
  }
  if(isIP(host) === 4) {
    return host.startsWith('127.');
  }
  return isIP(host) === 6 && host === '::1';
}

/**
 * Parse an origin map ({"https://badges.test": "http://127.0.0.1:5000"}): documents whose ids are
 * on a public origin are fetched from a loopback stand-in. Every target must be loopback.
 */
export function parseOrigins(json) {
  const origins = JSON.parse(json ?? '{}');
  for(const target of Object.values(origins)) {
    if(!isLoopbackUrl(target)) {
      throw new Error(`origin map target ${target} is not a loopback URL`);
    }
  }
  return origins;
}

/** The URL to fetch for `url`: its loopback stand-in when its origin is mapped, else itself. */
export function mapOrigin(url, origins = {}) {
  for(const [from, to] of Object.entries(origins)) {
    const prefix = from.replace(/\/+$/, '');
    if(url === from || url.startsWith(prefix + '/')) {
      return to.replace(/\/+$/, '') + url.slice(prefix.length);
    }
  }
  return url;
}

function readJsonFile(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

// URL -> file name entries from the manifests the context directories carry (two formats).
function manifestEntries(dir) {
  const entries = {};
  const appManifest = join(dir, 'manifest.json');
  if(existsSync(appManifest)) {
    for(const [url, info] of Object.entries(readJsonFile(appManifest).contexts ?? {})) {
      if(info?.file) {
        entries[url] = info.file;
      }
    }
  }
  const sharedManifest = join(dir, 'manifest.generated.json');
  if(existsSync(sharedManifest)) {
    for(const item of readJsonFile(sharedManifest)) {
      if(item?.url && item?.name && !/\s/.test(item.url)) {
        entries[item.url] = item.name;
      }
    }
  }
  return entries;
}

/** Map every context URL we know to its parsed document from `dir` (files that exist only). */
export function loadContexts(dir) {
  if(!dir || !existsSync(dir)) {
    throw new Error(`contexts directory not found: ${dir}`);
  }
  const files = {...KNOWN_CONTEXT_FILES, ...manifestEntries(dir)};
  const contexts = new Map();
  for(const [url, name] of Object.entries(files)) {
    const path = join(dir, name);
    if(existsSync(path)) {
      contexts.set(url, readJsonFile(path));
    }
  }
  return contexts;
}

/** Map every 1EdTech schema URL we know to its parsed document from `dir`. */
export function loadSchemas(dir) {
  const schemas = new Map();
  if(!dir || !existsSync(dir)) {
    return schemas;
  }
  for(const [url, name] of Object.entries(KNOWN_SCHEMA_FILES)) {
    const path = join(dir, name);
    if(existsSync(path)) {
      schemas.set(url, readJsonFile(path));
    }
  }
  return schemas;
}

/**
 * A JSON-LD document loader: contexts from `contextsDir`; the security v1/v2 contexts that
 * jsonld-signatures frames controller documents with (not documents of ours) from the
 * @digitalbazaar/security-context package; any other URL by HTTP GET on loopback only (or on the
 * loopback stand-in of a mapped origin, see parseOrigins), without
 * following redirects and without dereferencing fragments (a `#key-1` URL answers the whole
 * document, as the DCC verifier does). Everything else is refused and recorded in `refused`.
 */
export class OfflineLoader {
  constructor({contextsDir, origins = {}}) {
    this.contexts = loadContexts(contextsDir);
    this.origins = origins;
    this.internal = securityContext.contexts;
    this.fetched = [];
    this.refused = [];
    this.cache = new Map();
    this.documentLoader = url => this.load(url);
  }

  async load(url) {
    if(this.contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: this.contexts.get(url), tag: 'static'};
    }
    if(this.internal.has(url)) {
      return {contextUrl: null, documentUrl: url, document: this.internal.get(url), tag: 'static'};
    }
    const target = mapOrigin(url, this.origins);
    if(isLoopbackUrl(target)) {
      return {contextUrl: null, documentUrl: url, document: await this.fetchLoopback(target)};
    }
    this.refused.push(url);
    throw new Error(`offline loader: refusing ${url} (not a local context, not loopback)`);
  }

  async fetchLoopback(url) {
    const target = url.split('#')[0];
    if(!this.cache.has(target)) {
      this.cache.set(target, this.getJson(target));
    }
    return this.cache.get(target);
  }

  async getJson(url) {
    this.fetched.push(url);
    const response = await fetch(url, {
      headers: {accept: 'application/ld+json, application/json'},
      redirect: 'manual',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS)
    });
    if(response.status !== 200) {
      throw new Error(`GET ${url} answered HTTP ${response.status}`);
    }
    return response.json();
  }
}

function jsonResponse(document) {
  return new Response(JSON.stringify(document), {
    status: 200,
    headers: {'content-type': 'application/json'}
  });
}

/**
 * Replace globalThis.fetch for code that fetches by itself: loopback (and mapped origins, sent to
 * their loopback stand-in) passes through, known
 * contexts and 1EdTech schemas are answered from local files, anything else is refused (a
 * TypeError, as fetch raises for network failures) and recorded. Returns the record.
 */
export function guardFetch({contextsDir, schemasDir, origins = {}}) {
  const contexts = loadContexts(contextsDir);
  const schemas = loadSchemas(schemasDir);
  const realFetch = globalThis.fetch;
  const record = {fetched: [], served: [], refused: []};
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : (input.url ?? String(input));
    const bare = url.split('#')[0];
    if(contexts.has(bare) || schemas.has(bare)) {
      record.served.push(bare);
      return jsonResponse(contexts.get(bare) ?? schemas.get(bare));
    }
    const target = mapOrigin(url, origins);
    if(isLoopbackUrl(target)) {
      record.fetched.push(url);
      if(target === url) {
        return realFetch(input, init);
      }
      return realFetch(typeof input === 'string' ? target : new Request(target, input), init);
    }
    record.refused.push(url);
    throw new TypeError(`offline fetch guard: refusing ${url} (not loopback)`);
  };
  return record;
}

/** Flatten the nested errors of a verification result into readable strings. */
export function errorMessages(...sources) {
  const messages = [];
  const seen = new Set();
  const visit = (error, depth = 0) => {
    if(!error || depth > 8 || seen.has(error)) {
      return;
    }
    if(Array.isArray(error)) {
      error.forEach(item => visit(item, depth + 1));
      return;
    }
    seen.add(error);
    if(Array.isArray(error.errors)) {
      error.errors.forEach(item => visit(item, depth + 1));
    }
    if(error.message && !Array.isArray(error.errors)) {
      const event = error.details?.event;
      const detail = event ? ` [${event.code}: ${JSON.stringify(event.details ?? {})}]` : '';
      messages.push(`${error.name ?? 'Error'}: ${error.message}${detail}`);
    }
    if(error.cause) {
      visit(error.cause, depth + 1);
    }
  };
  sources.forEach(source => visit(source));
  return [...new Set(messages)];
}
