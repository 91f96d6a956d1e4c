/**
 * Azure SAS renewal bookkeeping: only reading the CONNECT password may
 * renew the token. Other readers of connectionParams() (the bridge routing
 * inbound messages by client id) must not renew it behind the live
 * connection's back, or credentialsRenewInMs() would report the renewal as
 * done and the connection would keep its old token until IoT Hub closes it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAzureProfile } from '../../src/clouds/azure.js';

describe('azure profile: SAS renewal is driven by the CONNECT password only', () => {
  it('reading the client id after the renewal point leaves the renewal due', () => {
    let now = 1_700_000_000_000;
    const azure = createAzureProfile({ hub: 'myhub', deviceId: 'dev1', sasKey: 'cGFzc3dvcmQ=', sasTtlSec: 3600, sasRenewMarginSec: 900, now: () => now });
    const first = azure.connectionParams().password; // the CONNECT
    assert.equal(azure.credentialsRenewInMs(), 2700_000);
    now += 2700_000;
    assert.equal(azure.connectionParams().clientId, 'dev1'); // inbound routing
    assert.equal(azure.credentialsRenewInMs(), 0, 'still due: the live connection has the old token');
    const second = azure.connectionParams().password; // the renewal CONNECT
    assert.notEqual(second, first);
    assert.match(second ?? '', new RegExp(`&se=${(now / 1000) + 3600}$`));
    assert.equal(azure.credentialsRenewInMs(), 2700_000);
  });

  it('the password is the same token until it is due', () => {
    let now = 1_700_000_000_000;
    const azure = createAzureProfile({ hub: 'myhub', deviceId: 'dev1', sasKey: 'cGFzc3dvcmQ=', now: () => now });
    const a = azure.connectionParams().password;
    now += 1000;
    assert.equal(azure.connectionParams().password, a);
  });
});
