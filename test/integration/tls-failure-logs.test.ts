/**
 * What a real `midge` writes when TLS goes wrong: a bridge to a TLS server
 * that wants a client certificate, and one without the CA, get sentences
 * that say what to fix; Node's own warning (DEP0123: a TLS servername that
 * is an IP address) arrives as a JSON log line, never as raw text.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import type { Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { generatePki } from '../helpers/certs.js';
import type { TestPki } from '../helpers/certs.js';
import { startMidge, tempDir } from '../helpers/midge-process.js';
import type { MidgeProcess } from '../helpers/midge-process.js';
import { waitFor } from '../helpers/wait.js';

describe('TLS failures and process warnings in the log of a real midge', () => {
  let pki: TestPki;
  let dir: ReturnType<typeof tempDir>;
  let server: Server;
  let midge: MidgeProcess | undefined;

  before(async () => {
    pki = generatePki();
    dir = tempDir('midge-tls-logs-');
    // a cloud broker stand-in: mutual TLS, our test CA
    server = createServer({ cert: readFileSync(pki.server.cert), key: readFileSync(pki.server.key), ca: readFileSync(pki.caCert), requestCert: true, rejectUnauthorized: true }, (s) => s.end());
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await midge?.stop();
    server.close();
    pki.cleanup();
    dir.cleanup();
  });

  it('explains a missing client certificate and an untrusted server; DEP0123 is a JSON line', async () => {
    const port = (server.address() as AddressInfo).port;
    midge = await startMidge(dir.path, [
      'log:',
      '  format: json',
      'listeners:',
      '  - host: 127.0.0.1',
      '    port: 0',
      'persistence:',
      '  enabled: false',
      'bridges:',
      '  - name: needs-cert',
      `    addresses: [127.0.0.1:${port}]`,
      `    cafile: ${pki.caCert}`,
      "    topics: ['a/# out 1']",
      '  - name: no-ca',
      `    addresses: [127.0.0.1:${port}]`,
      '    tls: true',
      "    topics: ['b/# out 1']",
      '',
    ].join('\n'));
    const m = midge;
    await waitFor(() => /needs-cert.*connection failed/.test(m.output()) && /no-ca.*connection failed/.test(m.output()), 10_000, 'both bridges failed once');
    await waitFor(() => m.output().includes('DEP0123'), 5_000, 'the DEP0123 warning');
    const lines = m.output().split('\n').filter((l) => l !== '');
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
    const records = lines.map((l) => JSON.parse(l) as { msg: string; code?: string; bridge?: string });
    assert.ok(records.some((r) => r.code === 'DEP0123' && r.msg.startsWith('node: ')), 'the warning went through the logger');
    const failed = (name: string) => records.find((r) => r.msg.startsWith(`bridge ${name} (generic) connection failed`))!.msg;
    assert.match(failed('needs-cert'), /the server requires a client certificate: set the bridge's certfile and keyfile \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\)/);
    assert.match(failed('no-ca'), /the server's certificate is not signed by a CA this bridge trusts: set the bridge's cafile .*\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)\)/);
    assert.ok(!m.output().includes('../deps/openssl'), 'no raw OpenSSL source paths');
  });
});
