/**
 * Why a file could not be read, in words, for every message that names a
 * file from the configuration (config files, TLS files, password and ACL
 * files).
 */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
