import { MemoryStore } from '../../src/persistence/memory/memory-store.js';
import { storeConformance } from './store-conformance.js';

storeConformance('MemoryStore', () => new MemoryStore());
