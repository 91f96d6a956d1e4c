/**
 * Subscription index on the PUBLISH hot path.
 *
 * - Filters without wildcards live in a flat `Map<filter, entries>`: an exact
 *   filter can only ever match the identical topic name.
 * - Wildcard filters live in a trie keyed by level (one `Map` per node, plus a
 *   dedicated slot for '+' and a bucket for a trailing '#').
 * - `match()` results are kept in a bounded, approximately-LRU cache keyed by
 *   topic name (two generations of Maps: O(1) per lookup, even when thrashing).
 *   Adding/removing an exact filter evicts just that topic; adding/removing a
 *   wildcard filter clears the cache.
 *
 * `$share/...` has no special meaning here: the broker stores the inner
 * filter with an id such as `$share/group`.
 */
import { hasWildcard, isDollarTopic, validatePlainFilter } from './validate.js';

export interface TopicMatch<T> {
  filter: string;
  id: string;
  value: T;
}

export interface TopicTreeOptions {
  /** Max cached topic names for `match()`. Default 10000; 0 disables the cache. */
  cacheSize?: number;
}

type Bucket<T> = Map<string, TopicMatch<T>>;

class TrieNode<T> {
  /** Literal next levels. */
  children: Map<string, TrieNode<T>> | undefined = undefined;
  /** The '+' next level. */
  plus: TrieNode<T> | undefined = undefined;
  /** Entries of the filter `<path to here>/#` ('#' alone at the root). */
  multi: Bucket<T> | undefined = undefined;
  /** Entries of wildcard filters that end exactly at this node. */
  terminal: Bucket<T> | undefined = undefined;

  isEmpty(): boolean {
    return this.children === undefined && this.plus === undefined && this.multi === undefined && this.terminal === undefined;
  }
}

const DEFAULT_CACHE_SIZE = 10000;
/** Longer topic names are matched but not cached, so the cache stays small in memory. */
const MAX_CACHED_TOPIC_LENGTH = 1024;
const NO_MATCHES: readonly TopicMatch<never>[] = Object.freeze([]);

export class TopicTree<T> {
  readonly #root = new TrieNode<T>();
  readonly #exact = new Map<string, Bucket<T>>();
  readonly #cache: MatchCache<readonly TopicMatch<T>[]> | undefined;
  readonly #nodeStack: TrieNode<T>[] = [];
  readonly #depthStack: number[] = [];
  #wildcardCount = 0;
  #size = 0;

  constructor(options?: TopicTreeOptions) {
    const cacheSize = options?.cacheSize ?? DEFAULT_CACHE_SIZE;
    if (!Number.isInteger(cacheSize) || cacheSize < 0) throw new RangeError(`cacheSize must be a non-negative integer, got ${cacheSize}`);
    this.#cache = cacheSize > 0 ? new MatchCache(cacheSize) : undefined;
  }

  /** Number of (filter, id) entries. */
  get size(): number {
    return this.#size;
  }

  /**
   * Add or replace the entry for (filter, id). The filter must be a valid,
   * non-shared topic filter; an invalid one throws a TypeError.
   */
  add(filter: string, id: string, value: T): void {
    const reason = validatePlainFilter(filter);
    if (reason !== null) throw new TypeError(`invalid topic filter ${JSON.stringify(filter)}: ${reason}`);
    const entry: TopicMatch<T> = { filter, id, value };
    if (!hasWildcard(filter)) {
      let bucket = this.#exact.get(filter);
      if (bucket === undefined) this.#exact.set(filter, (bucket = new Map()));
      if (!bucket.has(id)) this.#size++;
      bucket.set(id, entry);
      this.#cache?.delete(filter); // only the identical topic can be affected
      return;
    }
    let node = this.#root;
    const levels = filter.split('/');
    const last = levels.length - 1;
    for (let i = 0; i < last; i++) node = child(node, levels[i]);
    let bucket: Bucket<T>;
    if (levels[last] === '#') bucket = node.multi ??= new Map();
    else bucket = (node = child(node, levels[last])).terminal ??= new Map();
    if (!bucket.has(id)) {
      this.#size++;
      this.#wildcardCount++;
    }
    bucket.set(id, entry);
    this.#cache?.clear();
  }

  /** Remove the entry for (filter, id). Returns false when there was none. */
  remove(filter: string, id: string): boolean {
    if (!hasWildcard(filter)) {
      const bucket = this.#exact.get(filter);
      if (bucket === undefined || !bucket.delete(id)) return false;
      if (bucket.size === 0) this.#exact.delete(filter);
      this.#size--;
      this.#cache?.delete(filter);
      return true;
    }
    if (validatePlainFilter(filter) !== null) return false;
    const levels = filter.split('/');
    const last = levels.length - 1;
    const multi = levels[last] === '#';
    const depth = multi ? last : last + 1; // number of trie steps
    const path: TrieNode<T>[] = [this.#root];
    let node: TrieNode<T> | undefined = this.#root;
    for (let i = 0; i < depth && node !== undefined; i++) {
      node = levels[i] === '+' ? node.plus : node.children?.get(levels[i]);
      if (node !== undefined) path.push(node);
    }
    if (node === undefined) return false;
    const bucket = multi ? node.multi : node.terminal;
    if (bucket === undefined || !bucket.delete(id)) return false;
    if (bucket.size === 0) {
      if (multi) node.multi = undefined;
      else node.terminal = undefined;
    }
    // Prune nodes left empty, deepest first.
    for (let i = depth; i > 0 && path[i].isEmpty(); i--) {
      const parent = path[i - 1];
      if (levels[i - 1] === '+') parent.plus = undefined;
      else {
        parent.children!.delete(levels[i - 1]);
        if (parent.children!.size === 0) parent.children = undefined;
      }
    }
    this.#size--;
    this.#wildcardCount--;
    this.#cache?.clear();
    return true;
  }

  /** The value stored for (filter, id), if any. */
  get(filter: string, id: string): T | undefined {
    if (!hasWildcard(filter)) return this.#exact.get(filter)?.get(id)?.value;
    const levels = filter.split('/');
    const last = levels.length - 1;
    const multi = levels[last] === '#';
    const depth = multi ? last : last + 1;
    let node: TrieNode<T> | undefined = this.#root;
    for (let i = 0; i < depth && node !== undefined; i++) {
      node = levels[i] === '+' ? node.plus : node.children?.get(levels[i]);
    }
    if (node === undefined) return undefined;
    return (multi ? node.multi : node.terminal)?.get(id)?.value;
  }

  /**
   * All entries whose filter matches the topic name, with the '$' rule
   * applied [MQTT-4.7.2-1]. An empty topic or one containing '+'/'#' matches
   * nothing. Order is unspecified. The returned array may be cached and
   * shared: do not mutate it (it is never mutated by the tree either, so it
   * stays a valid snapshot across later add/remove calls).
   */
  match(topic: string): readonly TopicMatch<T>[] {
    const cache = this.#cache;
    const cached = cache?.get(topic);
    if (cached !== undefined) return cached;
    if (topic.length === 0 || hasWildcard(topic)) return NO_MATCHES; // [MQTT-4.7.3-1] [MQTT-4.7.1-1]

    let out: TopicMatch<T>[] | undefined;
    const exact = this.#exact.get(topic);
    if (exact !== undefined) {
      out = [];
      for (const e of exact.values()) out.push(e);
    }
    if (this.#wildcardCount > 0) {
      out ??= [];
      this.#collect(topic.split('/'), out, isDollarTopic(topic));
    }
    const result: readonly TopicMatch<T>[] = out === undefined || out.length === 0 ? NO_MATCHES : out;

    if (cache !== undefined && topic.length <= MAX_CACHED_TOPIC_LENGTH) cache.set(topic, result);
    return result;
  }

  /**
   * Push every trie entry matching `levels`. Iterative, with stacks reused
   * across calls, so a very deep filter cannot overflow the call stack.
   * At the root of a '$' topic the '#' and '+' branches are skipped [MQTT-4.7.2-1].
   */
  #collect(levels: string[], out: TopicMatch<T>[], dollar: boolean): void {
    const nodes = this.#nodeStack;
    const depths = this.#depthStack;
    const root = this.#root;
    const n = levels.length;
    nodes[0] = root;
    depths[0] = 0;
    let sp = 1;
    while (sp > 0) {
      const node = nodes[--sp];
      const i = depths[sp];
      nodes[sp] = root; // drop the reference so removed nodes can be collected
      const wild = !(dollar && i === 0);
      // '#' matches the remaining levels, including none (the parent level).
      if (node.multi !== undefined && wild) for (const e of node.multi.values()) out.push(e);
      if (i === n) {
        if (node.terminal !== undefined) for (const e of node.terminal.values()) out.push(e);
        continue;
      }
      const next = node.children?.get(levels[i]);
      if (next !== undefined) {
        nodes[sp] = next;
        depths[sp++] = i + 1;
      }
      if (node.plus !== undefined && wild) {
        // '+' matches any one level, even an empty one.
        nodes[sp] = node.plus;
        depths[sp++] = i + 1;
      }
    }
  }

  /** Iterate all entries: exact filters first, then the trie depth-first. */
  *entries(): IterableIterator<TopicMatch<T>> {
    for (const bucket of this.#exact.values()) yield* bucket.values();
    const stack: TrieNode<T>[] = [this.#root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.terminal !== undefined) yield* node.terminal.values();
      if (node.multi !== undefined) yield* node.multi.values();
      if (node.plus !== undefined) stack.push(node.plus);
      if (node.children !== undefined) for (const c of node.children.values()) stack.push(c);
    }
  }
}

/**
 * Bounded approximate-LRU cache: two generations of about half the capacity
 * each. A hit in the old generation is promoted to the young one; when the
 * young generation is full it becomes the old one and the previous old one is
 * dropped. Every operation is O(1), with no iteration over the Maps.
 */
class MatchCache<V> {
  #young = new Map<string, V>();
  #old = new Map<string, V>();
  readonly #half: number;

  constructor(capacity: number) {
    this.#half = Math.ceil(capacity / 2);
  }

  get(key: string): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: V): void {
    if (this.#young.size >= this.#half) {
      const dropped = this.#old;
      this.#old = this.#young;
      this.#young = dropped;
      dropped.clear();
    }
    this.#young.set(key, value);
  }

  delete(key: string): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }
}

/** Get or create the literal ('+' → wildcard slot) child of a node. */
function child<T>(node: TrieNode<T>, level: string): TrieNode<T> {
  if (level === '+') return (node.plus ??= new TrieNode<T>());
  let children = node.children;
  if (children === undefined) node.children = children = new Map();
  let next = children.get(level);
  if (next === undefined) children.set(level, (next = new TrieNode<T>()));
  return next;
}
