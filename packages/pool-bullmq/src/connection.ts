/**
 * Redis connections: from the user's `connection` option (a URL or ioredis options) to ioredis
 * clients set up the way BullMQ needs them, and a socket that can be unref'd so an idle pool
 * never keeps its process alive.
 */
import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';

/** A Redis URL (`redis://[user:password@]host[:port][/db]`, `rediss://` for TLS) or ioredis options. */
export type RedisConnection = string | RedisOptions;

/** Checks `connection` and returns the ioredis options it stands for. @throws TypeError naming the problem. */
export function redisOptions(connection: unknown, where: string): RedisOptions {
  if (typeof connection === 'string') {
    let url: URL;
    try {
      url = new URL(connection);
    } catch {
      throw new TypeError(`${where}: connection must be a Redis URL such as redis://127.0.0.1:6379, got ${JSON.stringify(connection)}`);
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      throw new TypeError(`${where}: connection URL must start with redis:// or rediss:// (TLS), got ${JSON.stringify(redactUrl(connection))}`);
    }
    const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
    if (!Number.isInteger(db) || db < 0) throw new TypeError(`${where}: the database in ${JSON.stringify(redactUrl(connection))} must be a number`);
    const options: RedisOptions = { host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: url.port ? Number(url.port) : 6379, db };
    if (url.username) options.username = decodeURIComponent(url.username);
    if (url.password) options.password = decodeURIComponent(url.password);
    // SNI takes a host name only (RFC 6066): for an IP address the certificate's IP SAN is checked.
    if (url.protocol === 'rediss:') options.tls = isIP(options.host!) ? {} : { servername: options.host! };
    return options;
  }
  if (connection === null || typeof connection !== 'object' || Array.isArray(connection)) {
    throw new TypeError(`${where}: connection must be a Redis URL (redis://host:port) or ioredis options, got ${connection === null ? 'null' : typeof connection}`);
  }
  return { ...(connection as RedisOptions) };
}

/** Certificate checks that fail the same way on every retry (Node's TLS error codes). */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Why `error` is a connection failure that retrying cannot mend (the credentials, the
 * certificate, TLS against a plain port), as a sentence with the fix; `null` for anything that
 * may pass (a refused or reset connection: Redis may be starting or restarting). Pools fail their
 * calls at once on these, and mpool-worker exits 1, instead of retrying until a timeout.
 */
export function configurationFault(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (/^(WRONGPASS|NOAUTH|NOPERM)\b/.test(error.message)) {
    return `Redis refused the credentials (${error.message}): check the user and password of the connection URL or options`;
  }
  if (typeof code === 'string' && UNTRUSTED_CERTIFICATE.has(code)) {
    return `the TLS certificate of Redis is not trusted (${code}: ${error.message}): give its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem, or the \`tls: { ca }\` ioredis option`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
    return `Redis does not speak TLS on that port (${error.message}): use redis:// rather than rediss://, or its tls-port`;
  }
  return null;
}

/** `host:port` of `options`, for messages (never the password). */
export function describeRedis(options: RedisOptions): string {
  return `${options.tls ? 'rediss' : 'redis'}://${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * A client for BullMQ: `maxRetriesPerRequest: null` (commands wait through a reconnect instead of
 * failing after 20 retries; the pool bounds the wait itself) and no ready check delay.
 */
export function createClient(options: RedisOptions, name: string): Redis {
  return new Redis({ ...options, maxRetriesPerRequest: null, enableReadyCheck: true, connectionName: name, lazyConnect: false });
}

/**
 * Refs or unrefs what keeps the event loop alive for `client`: its socket, and the timer of a
 * pending reconnect. Applied again after every (re)connect, since each makes a new socket.
 */
export class LoopHold {
  #held = true;
  readonly #clients: Redis[];

  constructor(clients: Redis[]) {
    this.#clients = clients;
    for (const client of clients) {
      client.on('connect', () => this.#apply(client));
      // ioredis sets its reconnect timer right after emitting this.
      client.on('reconnecting', () => process.nextTick(() => this.#apply(client)));
    }
  }

  set(held: boolean): void {
    if (held === this.#held) return;
    this.#held = held;
    for (const client of this.#clients) this.#apply(client);
  }

  #apply(client: Redis): void {
    const internals = client as unknown as { stream?: { connecting?: boolean; ref?(): void; unref?(): void }; reconnectTimeout?: NodeJS.Timeout };
    // A socket still connecting would queue one listener per call; 'connect' applies the state then.
    const stream = internals.stream?.connecting ? undefined : internals.stream;
    if (this.#held) {
      stream?.ref?.();
      internals.reconnectTimeout?.ref?.();
    } else {
      stream?.unref?.();
      internals.reconnectTimeout?.unref?.();
    }
  }
}
