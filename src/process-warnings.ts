/**
 * Node's process warnings (DEP0123 for a TLS servername that is an IP
 * address, MaxListenersExceededWarning...) as log records. By default Node
 * prints them to standard error as plain text, which would land in the
 * middle of the JSON log; `--no-warnings` is documented to stop only that
 * printing, and the printing is Node's own 'warning' listener, so it is
 * removed here (the same effect without a command-line flag) and every
 * warning goes through the logger instead, once per code.
 */
import type { Logger } from 'pino';

export function logProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  const seen = new Set<string>();
  process.on('warning', (warning: Error & { code?: string }) => {
    const key = warning.code ?? `${warning.name}: ${warning.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    logger.warn({ warning: warning.name, code: warning.code }, `node: ${warning.message}`);
  });
}
