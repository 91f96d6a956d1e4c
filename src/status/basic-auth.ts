/**
 * HTTP basic authentication (RFC 7617) for the metrics/status listener,
 * checked against the broker's password file.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Checks a user name and password; true lets the request through. */
export type HttpAuthenticate = (username: string, password: string, remoteAddress: string) => boolean | Promise<boolean>;

/** `Authorization: Basic base64(user:password)` → the pair; undefined when absent or malformed. */
export function parseBasicAuth(header: string | undefined): { username: string; password: string } | undefined {
  const m = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** True when the request may go on; otherwise a 401 asking for credentials has been sent. */
export async function checkBasicAuth(req: IncomingMessage, res: ServerResponse, authenticate: HttpAuthenticate): Promise<boolean> {
  const creds = parseBasicAuth(req.headers.authorization);
  if (creds && (await authenticate(creds.username, creds.password, `${req.socket.remoteAddress}:${req.socket.remotePort}`))) return true;
  res.writeHead(401, { 'www-authenticate': 'Basic realm="midge", charset="UTF-8"', 'content-type': 'text/plain; charset=utf-8' });
  res.end(creds ? 'wrong user name or password\n' : 'authentication required\n');
  return false;
}
