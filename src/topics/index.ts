export { type TopicLimits, MAX_TOPIC_BYTES, validateTopicName, validatePlainFilter, hasWildcard, isDollarTopic, utf8ByteLength } from './validate.js';
export { validateTopicFilter } from './filter.js';
export { matchTopic } from './match.js';
export { type SharedFilter, parseSharedFilter, validateSharedFilter, isSharedFilter } from './shared.js';
export { type TopicMatch, type TopicTreeOptions, TopicTree } from './topic-tree.js';
