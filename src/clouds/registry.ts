/**
 * The clouds Midge can bridge to, in one list. Everything that depends on
 * which clouds exist derives from `CLOUDS`: the schema's `bridges[].type`
 * values and their description, the cloud-specific keys of a bridge entry
 * (and so the config's TypeScript type and docs/configuration.md), and the
 * profile a bridge entry gets (config/bridge-plan.ts). A new cloud: its
 * module beside this one exporting a `CloudDefinition`, and one entry here
 * (test/unit/cloud-registry.test.ts checks the schema against this list).
 *
 * Pure: the cloud modules import only `types.ts`, `definition.ts`, the
 * schema vocabulary and the leaf rooms (`npm run check:circles` checks it).
 */
import { ERR, BridgeError } from '../errors.js';
import { awsCloud } from './aws.js';
import { azureCloud } from './azure.js';
import type { CloudDefinition } from './definition.js';
import { genericCloud } from './generic.js';

/** The first is the default `type`. */
export const CLOUDS = [genericCloud, awsCloud, azureCloud] as const;

export type CloudType = (typeof CLOUDS)[number]['type'];

/** The values of `bridges[].type`, in the order of `CLOUDS`. */
export const CLOUD_TYPES: readonly CloudType[] = CLOUDS.map((c) => c.type);

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every cloud's own keys of a bridge entry, in the order of `CLOUDS`. */
export const CLOUD_FIELDS = Object.assign({}, ...CLOUDS.map((c) => c.fields)) as Intersection<(typeof CLOUDS)[number]['fields']>;

/** The definition of a cloud type (the schema accepts no other value). */
export function cloudDefinition(type: CloudType): CloudDefinition {
  const found = CLOUDS.find((c) => c.type === type);
  if (!found) throw new BridgeError(`no cloud '${String(type)}' (known: ${CLOUD_TYPES.join(', ')})`, ERR.BRIDGE_CONFIG);
  return found as CloudDefinition;
}

export type { BridgeMessage, CloudProfile, CloudRoutes, ConnectionParams, RemotePublish, StatusReport } from './types.js';
export type { CloudContext, CloudDefinition, CloudEntry } from './definition.js';
export { CloudKeyError } from './definition.js';

export { type AwsProfileOptions, AWS_LIMITS, createAwsProfile } from './aws.js';
export { type AzureProfileOptions, AZURE_LIMITS, AZURE_API_VERSION, createAzureProfile } from './azure.js';
export { encodePropertyBag, parsePropertyBag, azureTopics, parseMethodRequest, parseTwinResponse } from './azure-topics.js';
export { type GenericProfileOptions, createGenericProfile, commonRejectReason, payloadSize } from './generic.js';
