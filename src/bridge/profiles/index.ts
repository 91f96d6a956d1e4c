/**
 * Cloud profiles: what a remote MQTT endpoint accepts (limits, topics, QoS,
 * retain) and how to connect to it. The runtime bridge asks a profile, for
 * each queued message, either why it can never be accepted (so it is
 * dead-lettered instead of retried forever) or how to publish it.
 *
 * This module is the registry: it imports every profile and builds one from
 * the config's tagged options. The profiles import only `types.ts`, never
 * this file. A new cloud: its module here, one line in `ProfileOptions` and
 * one case in `createProfile`.
 */
import { createAwsProfile, type AwsProfileOptions } from './aws.js';
import { createAzureProfile, type AzureProfileOptions } from './azure.js';
import { createGenericProfile, type GenericProfileOptions } from './generic.js';
import type { CloudProfile } from './types.js';

export type { BridgeMessage, CloudProfile, ConnectionParams, RemotePublish } from './types.js';

export { type AwsProfileOptions, AWS_LIMITS, createAwsProfile } from './aws.js';
export {
  type AzureProfileOptions, AZURE_LIMITS, AZURE_API_VERSION, createAzureProfile, encodePropertyBag, parsePropertyBag,
  azureTopics, parseMethodRequest, parseTwinResponse,
} from './azure.js';
export { type GenericProfileOptions, createGenericProfile, commonRejectReason, payloadSize } from './generic.js';

export type ProfileOptions =
  | ({ type: 'aws' } & AwsProfileOptions)
  | ({ type: 'azure' } & AzureProfileOptions)
  | ({ type: 'generic' } & GenericProfileOptions);

/** Build a profile from a tagged options object (what the config will carry). */
export function createProfile(options: ProfileOptions): CloudProfile {
  switch (options.type) {
    case 'aws':
      return createAwsProfile(options);
    case 'azure':
      return createAzureProfile(options);
    case 'generic':
      return createGenericProfile(options);
  }
}
