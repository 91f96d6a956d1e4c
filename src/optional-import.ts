/**
 * Loading an optional dependency (onoff, node-libgpiod). The specifier is a
 * plain string value, not a literal, so the TypeScript build never needs the
 * package to be installed: `npm install --omit=optional`, or a machine where
 * the package did not compile, still builds and starts. Callers describe the
 * module's shape with their own interface.
 */
export async function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}
