// Types of the ESM entry (index.mjs): the same API as the CommonJS one.
import * as api from './index.js';

export * from './index.js';
export default api;
