/**
 * The built-in security: `auth.password_file` and `auth.acl_file` turned
 * into BrokerHooks. Files are read at start (a bad ACL file or an unreadable
 * file stops the start with a ConfigError naming file and line; a bad line in
 * the password file is skipped with a warning, as in mosquitto) and again by `reload()` (SIGHUP): a
 * broken new file is logged and the previous contents stay in force. Every
 * check reads the current state, so connected clients get the new rules on
 * their next operation.
 */
import type { Logger } from 'pino';
import type { AuthResult, BrokerHooks, ClientInfo } from '../broker/hooks.js';
import type { AuthConfig, MidgeConfig } from '../config/types.js';
import type { ConfigError } from '../errors.js';
import { RC } from '../reason-codes.js';
import { parseSharedFilter } from '../topics/index.js';
import { checkSubscribe, checkTopic, loadAclFile, READ, WRITE } from './acl-file.js';
import type { Acl } from './acl-file.js';
import { loadPasswordFile, worldReadable } from './password-file.js';
import type { PasswordDb } from './password-file.js';
import { dummyHash, verifyPassword } from './password-hash.js';

export interface FileAuth {
  /** Hooks for the configured files only (none when neither file is configured). */
  readonly hooks: BrokerHooks;
  /** Re-reads both files; a file that fails to load is logged and its previous contents kept. */
  reload(): void;
}

export function createFileAuth(config: AuthConfig, logger: Logger, listeners: MidgeConfig['listeners'] = []): FileAuth {
  // a malformed line skips that entry with a warning naming file and line, as mosquitto does
  const skipped = (err: ConfigError): void => logger.warn({ file: err.file, line: err.line }, `password file: entry skipped: ${err.message}`);
  let passwords: PasswordDb | undefined = config.password_file ? loadPasswordFile(config.password_file, skipped) : undefined;
  let acl: Acl | undefined = config.acl_file ? loadAclFile(config.acl_file) : undefined;
  const dummy = dummyHash();
  if (passwords) logger.info({ file: config.password_file, users: passwords.size }, 'password file loaded');
  warnWorldReadable(config.password_file, logger);
  if (acl) logger.info({ file: config.acl_file, users: acl.users.size, patterns: acl.patterns.length }, 'ACL file loaded');
  const perListener = createListenerAcls(listeners, logger);
  /**
   * The ACL for a client: its listener's `acl_file` (mosquitto per_listener_settings), else auth.acl_file.
   * A client whose listener is unknown (a session restored after a restart, not yet reconnected) is denied
   * when listeners have their own files, as mosquitto denies a context without a listener.
   */
  const aclFor = (client: ClientInfo): Acl | 'deny' | undefined => {
    if (!perListener.any) return acl;
    if (client.listenerIndex === undefined) return 'deny';
    return perListener.acls[client.listenerIndex] ?? acl;
  };
  const allowed = (client: ClientInfo, check: (a: Acl) => boolean): boolean => {
    const a = aclFor(client);
    return a === undefined ? true : a !== 'deny' && check(a);
  };

  const hooks: BrokerHooks = {};
  if (passwords) {
    hooks.authenticate = (client: ClientInfo, sent: Buffer | undefined): AuthResult => {
      const db = passwords!;
      // a zero-length password counts as none, so it never matches, not even a stored hash of "" (as mosquitto:
      // packet__read_binary reads it as NULL, and its password check refuses a NULL password)
      const password = sent !== undefined && sent.length > 0 ? sent : undefined;
      // as mosquitto: with use_identity_as_username the certificate is the credential, no password check
      if (client.identityFromCertificate) return { ok: true };
      if (client.username === undefined) {
        // mosquitto: with a password file, anonymous clients need allow_anonymous true
        if (client.allowAnonymous) return { ok: true };
        logger.info({ clientId: client.clientId, remote: client.remoteAddress }, 'anonymous client refused: the listener does not allow anonymous clients');
        return { ok: false, reasonCode: RC.NOT_AUTHORIZED };
      }
      const entry = db.get(client.username);
      // an unknown user costs the same time as a wrong password
      const ok = verifyPassword(entry?.hash ?? dummy, password ?? Buffer.alloc(0)) && entry !== undefined && password !== undefined;
      if (ok) return { ok: true };
      logger.info(
        { clientId: client.clientId, username: client.username, remote: client.remoteAddress },
        entry ? (password === undefined ? 'authentication failed: no or empty password given' : 'authentication failed: wrong password') : 'authentication failed: unknown user',
      );
      // as mosquitto 2.0 (handle_connect.c: a failed mosquitto_unpwd_check is MOSQ_ERR_AUTH, answered with
      // CONNACK_REFUSED_NOT_AUTHORIZED / MQTT_RC_NOT_AUTHORIZED): 5 / 0x87, not 4 / 0x86, for a wrong password or unknown user
      return { ok: false, reasonCode: RC.NOT_AUTHORIZED };
    };
  }
  if (acl || perListener.any) {
    hooks.authorizePublish = (client, topic) => {
      const ok = allowed(client, (a) => checkTopic(a, client, topic, WRITE));
      if (!ok) logger.debug({ clientId: client.clientId, username: client.username, topic }, 'publish denied by ACL');
      return ok;
    };
    hooks.authorizeSubscribe = (client, filter) => {
      const inner = parseSharedFilter(filter)?.filter ?? filter;
      const ok = allowed(client, (a) => checkSubscribe(a, client, inner));
      if (!ok) logger.debug({ clientId: client.clientId, username: client.username, filter }, 'subscribe denied by ACL');
      return ok;
    };
    hooks.authorizeRead = (client, topic) => allowed(client, (a) => checkTopic(a, client, topic, READ));
  }

  return {
    hooks,
    reload() {
      if (config.password_file && passwords) {
        try {
          passwords = loadPasswordFile(config.password_file, skipped);
          logger.info({ file: config.password_file, users: passwords.size }, 'password file reloaded');
          warnWorldReadable(config.password_file, logger);
        } catch (err) {
          logger.error({ file: config.password_file }, `password file not reloaded, keeping the previous one: ${(err as Error).message}`);
        }
      }
      if (config.acl_file && acl) {
        try {
          acl = loadAclFile(config.acl_file);
          logger.info({ file: config.acl_file, users: acl.users.size, patterns: acl.patterns.length }, 'ACL file reloaded');
        } catch (err) {
          logger.error({ file: config.acl_file }, `ACL file not reloaded, keeping the previous one: ${(err as Error).message}`);
        }
      }
      perListener.reload();
    },
  };
}

/** Each listener's own `acl_file` (index = listener index), loaded at start and on reload like auth.acl_file. */
function createListenerAcls(listeners: MidgeConfig['listeners'], logger: Logger): { any: boolean; acls: Array<Acl | undefined>; reload(): void } {
  const acls = listeners.map((l) => (l.acl_file ? loadAclFile(l.acl_file) : undefined));
  const log = (i: number, what: string): void => {
    const a = acls[i]!;
    logger.info({ listener: i, file: listeners[i]!.acl_file, users: a.users.size, patterns: a.patterns.length }, what);
  };
  acls.forEach((a, i) => a && log(i, 'listener ACL file loaded'));
  return {
    any: acls.some((a) => a !== undefined),
    acls,
    reload() {
      listeners.forEach((l, i) => {
        if (!l.acl_file) return;
        try {
          acls[i] = loadAclFile(l.acl_file);
          log(i, 'listener ACL file reloaded');
        } catch (err) {
          logger.error({ listener: i, file: l.acl_file }, `ACL file not reloaded, keeping the previous one: ${(err as Error).message}`);
        }
      });
    },
  };
}

/**
 * Combines the built-in file hooks with an integrator's hooks: a hook the
 * integrator supplies replaces the built-in one of the same name, except the
 * authorize* hooks, where both must allow (the ACL file stays in force).
 */
export function mergeHooks(builtin: BrokerHooks, custom: BrokerHooks | undefined): BrokerHooks {
  if (!custom) return builtin;
  const both = <A extends unknown[]>(a?: (...args: A) => boolean, b?: (...args: A) => boolean) =>
    a && b ? (...args: A) => a(...args) && b(...args) : (a ?? b);
  const out: BrokerHooks = { ...builtin, ...custom };
  const pub = both(builtin.authorizePublish, custom.authorizePublish);
  const sub = both(builtin.authorizeSubscribe, custom.authorizeSubscribe);
  const read = both(builtin.authorizeRead, custom.authorizeRead);
  if (pub) out.authorizePublish = pub;
  if (sub) out.authorizeSubscribe = sub;
  if (read) out.authorizeRead = read;
  return out;
}

/** As mosquitto 2: a password file every local user can read is worth a warning (hashes can be attacked offline). */
function warnWorldReadable(file: string | undefined, logger: Logger): void {
  const mode = file ? worldReadable(file) : undefined;
  if (mode !== undefined) logger.warn({ file, mode: mode.toString(8) }, 'password file is readable by every user; chmod 0600 (or 0640 with a group midge belongs to)');
}
