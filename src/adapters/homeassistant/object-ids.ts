/**
 * Object ids of reading fields, unique per gateway: ids are slugs (lower
 * case), so `Temp` and `temp` of one device would share one id and the
 * second would never be announced. The first field keeps the plain id; a
 * later field whose slug is taken gets the plain id plus a short hash of
 * its exact name, which is the same at every start, and the collision is
 * logged once.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';

export type ObjectIdFor = (field: string, plain: string) => string;

export function objectIdAllocator(log: Logger): ObjectIdFor {
  const owners = new Map<string, string>(); // object id → the exact field name it stands for
  return (field, plain) => {
    const owner = owners.get(plain);
    if (owner === undefined || owner === field) {
      owners.set(plain, field);
      return plain;
    }
    const id = `${plain}_${createHash('sha256').update(field).digest('hex').slice(0, 6)}`;
    if (!owners.has(id)) {
      owners.set(id, field);
      log.warn({ field, other: owner, objectId: id }, `fields '${owner}' and '${field}' differ only in case or punctuation: '${field}' is announced to Home Assistant as ${id}`);
    }
    return id;
  };
}
