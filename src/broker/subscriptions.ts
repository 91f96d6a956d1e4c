/**
 * The subscription index: a TopicTree of plain subscriptions keyed by client
 * id, plus shared subscription groups [MQTT-4.8.2] held in the same tree
 * under the id `$share/<group>` and served round-robin.
 */
import type { SubscriptionRecord } from '../persistence/types.js';
import { parseSharedFilter, TopicTree } from '../topics/index.js';
import type { TopicMatch } from '../topics/index.js';
import type { Session } from './session.js';

export interface SharedMember {
  session: Session;
  sub: SubscriptionRecord;
}

export class SharedGroup {
  readonly members: SharedMember[] = [];
  private next = 0;

  constructor(readonly name: string, readonly filter: string) {}

  /** Next member round-robin, preferring connected ones; undefined if empty. */
  pick(): SharedMember | undefined {
    const n = this.members.length;
    if (n === 0) return undefined;
    for (let i = 0; i < n; i++) {
      const member = this.members[(this.next + i) % n]!;
      if (member.session.connection) {
        this.next = (this.next + i + 1) % n;
        return member;
      }
    }
    const member = this.members[this.next % n]!;
    this.next = (this.next + 1) % n;
    return member;
  }
}

export type SubEntry = { kind: 'client'; session: Session; sub: SubscriptionRecord } | { kind: 'shared'; group: SharedGroup };

export class Subscriptions {
  private readonly tree = new TopicTree<SubEntry>();
  private count = 0;

  /** Number of subscriptions (each shared member counts once). */
  get size(): number {
    return this.count;
  }

  match(topic: string): readonly TopicMatch<SubEntry>[] {
    return this.tree.match(topic);
  }

  /** Add or replace [MQTT-3.8.4-3] a subscription of a session. */
  add(session: Session, sub: SubscriptionRecord): void {
    const shared = parseSharedFilter(sub.filter);
    if (!shared) {
      if (!this.tree.get(sub.filter, session.clientId)) this.count++;
      this.tree.add(sub.filter, session.clientId, { kind: 'client', session, sub });
      return;
    }
    const id = `$share/${shared.group}`;
    let entry = this.tree.get(shared.filter, id);
    if (!entry || entry.kind !== 'shared') {
      entry = { kind: 'shared', group: new SharedGroup(shared.group, shared.filter) };
      this.tree.add(shared.filter, id, entry);
    }
    const members = entry.group.members;
    const at = members.findIndex((m) => m.session.clientId === session.clientId);
    if (at >= 0) members[at] = { session, sub };
    else {
      members.push({ session, sub });
      this.count++;
    }
  }

  remove(session: Session, filter: string): boolean {
    const shared = parseSharedFilter(filter);
    if (!shared) {
      const removed = this.tree.remove(filter, session.clientId);
      if (removed) this.count--;
      return removed;
    }
    const id = `$share/${shared.group}`;
    const entry = this.tree.get(shared.filter, id);
    if (!entry || entry.kind !== 'shared') return false;
    const members = entry.group.members;
    const at = members.findIndex((m) => m.session.clientId === session.clientId);
    if (at < 0) return false;
    members.splice(at, 1);
    this.count--;
    if (members.length === 0) this.tree.remove(shared.filter, id);
    return true;
  }
}
