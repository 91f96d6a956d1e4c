/**
 * `midge check-config`, second half: every file the configuration names is
 * opened with the same code the gateway uses when it starts (listener TLS
 * through loadTlsOptions, password and ACL files through their loaders,
 * bridge certificates through the key-pair checks), so a config that
 * passes here does not stop at start-up for a file. Serial device paths
 * are only warned about: the adapter waits for a device to appear.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadAclFile } from '../auth/acl-file.js';
import { loadPasswordFile } from '../auth/password-file.js';
import type { BridgeConfig, MidgeConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { checkCaFile, checkKeyPair, parseCertificate, readConfiguredFile } from '../tls/key-pair.js';
import { loadTlsOptions, tlsEnabled } from '../tls/options.js';

export interface FileProblems {
  /** Each would stop `midge` from starting (or a bridge from ever connecting). */
  errors: string[];
  warnings: string[];
}

const UNREADABLE_FIX = ' (fix the path, or let the user midge runs as read the file)';

export function checkConfigFiles(cfg: MidgeConfig): FileProblems {
  const errors: string[] = [];
  const warnings: string[] = [];
  const attempt = (check: () => void, key?: string, fix = UNREADABLE_FIX): void => {
    try {
      check();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const unreadable = err.message.includes('cannot read ');
      errors.push(`${key && !err.key ? `${key}: ` : ''}${err.message}${unreadable ? fix : ''}`);
    }
  };
  cfg.listeners.forEach((l, i) => {
    if (tlsEnabled(l)) attempt(() => loadTlsOptions(l, i));
  });
  const { password_file: passwords, acl_file: acl } = cfg.auth;
  const skipped = (err: ConfigError): void => {
    warnings.push(`auth.password_file: ${err.message} (this entry is skipped, as mosquitto does; the other users can log in)`);
  };
  if (passwords) attempt(() => loadPasswordFile(passwords, skipped), 'auth.password_file', ` (create it with: midge passwd -c ${passwords} USER)`);
  if (acl) attempt(() => loadAclFile(acl), 'auth.acl_file');
  cfg.listeners.forEach((l, i) => {
    if (l.acl_file) attempt(() => loadAclFile(l.acl_file!), `listeners[${i}].acl_file`);
  });
  cfg.bridges.forEach((b, i) => attempt(() => checkBridgeFiles(b, i)));
  cfg.serial.forEach((d, i) => {
    if (d.path !== undefined && !existsSync(d.path)) {
      warnings.push(`serial[${i}].path: ${d.path} does not exist now; midge waits for it to appear (plug the device in, or check the path: ls /dev/serial/by-id/)`);
    }
  });
  if (cfg.persistence.enabled) writableWarning(cfg.persistence.path, 'persistence.path', warnings);
  if (cfg.log.file !== undefined) writableWarning(cfg.log.file, 'log.file', warnings);
  return { errors, warnings };
}

/** A bridge's CA, certificate and key: readable, PEM, and the key the certificate's. */
function checkBridgeFiles(b: BridgeConfig, i: number): void {
  const key = (name: string): string => `bridges[${i}].${name}`;
  if (b.cafile !== undefined) checkCaFile(readConfiguredFile(b.cafile, key('cafile')), b.cafile, key('cafile'));
  if (b.certfile === undefined || b.keyfile === undefined) return;
  const cert = parseCertificate(readConfiguredFile(b.certfile, key('certfile')), b.certfile, key('certfile'));
  checkKeyPair(cert, readConfiguredFile(b.keyfile, key('keyfile')), { certfile: b.certfile, keyfile: b.keyfile }, { certKey: key('certfile'), keyKey: key('keyfile') });
}

/** Warns when `path` (or the directory it would be created in) is not writable by whoever runs check-config. */
function writableWarning(path: string, key: string, warnings: string[]): void {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    warnings.push(`${key}: ${existing} is not writable by this user; make sure the user midge runs as may write ${path}`);
  }
}
