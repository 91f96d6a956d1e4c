import { MemoryStore } from '../../src/persistence/memory/memory-store.js';
import { storeConformance } from './store-conformance.js';
import { bridgeQueueConformance } from './bridge-queue-conformance.js';

storeConformance('MemoryStore', () => new MemoryStore());
bridgeQueueConformance('MemoryStore', () => new MemoryStore());
