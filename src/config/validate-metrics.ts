/**
 * Cross-field rules of the `metrics` section (the HTTP listener for metrics
 * and the status page), like the listeners' allow_anonymous rule: an HTTP
 * listener reachable from the network must say whether it wants passwords.
 */
import { validateTopicFilter } from '../topics/index.js';
import { isLoopbackHost, parseHostPort } from './schema.js';
import type { MetricsConfig, MidgeConfig } from './types.js';

type FailAt = (message: string, key: keyof MetricsConfig) => never;

export function checkMetricsOptions(config: MidgeConfig, fail: FailAt): void {
  const m = config.metrics;
  const filter = m.status_page_topics;
  if (filter !== '') {
    const invalid = validateTopicFilter(filter);
    if (invalid) fail(`invalid topic filter '${filter}': ${invalid}`, 'status_page_topics');
    if (filter.startsWith('$')) fail('the status page never shows $ topics ($SYS...): use a filter of ordinary topics, e.g. #', 'status_page_topics');
  }
  if (m.allow_anonymous === false && config.auth.password_file === undefined) {
    fail('allow_anonymous: false checks user names and passwords against auth.password_file: set auth.password_file (see `midge passwd`)', 'allow_anonymous');
  }
  if (m.listen === undefined) return;
  const { host } = parseHostPort(m.listen)!; // the field format was checked already
  if (m.allow_anonymous === undefined && !isLoopbackHost(host) && config.auth.password_file === undefined) {
    fail(
      `metrics.listen ${m.listen} is reachable from the network, so allow_anonymous must be set explicitly: ` +
        'add `allow_anonymous: true` to serve metrics and the status page without a password, ' +
        'or set auth.password_file (then unset means false: HTTP basic auth)',
      'listen',
    );
  }
}

/** Whether the HTTP listener asks for credentials (resolved allow_anonymous). */
export function metricsNeedAuth(config: MidgeConfig): boolean {
  const m = config.metrics;
  if (m.allow_anonymous !== undefined) return !m.allow_anonymous;
  return config.auth.password_file !== undefined;
}
