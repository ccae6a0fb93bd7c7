import { MemoryStore } from '../../search/index.js';
import { describeStoreConformance } from './store-conformance.js';

describeStoreConformance('MemoryStore', async (now) => new MemoryStore({ now }));
