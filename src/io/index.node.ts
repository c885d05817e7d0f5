/** Node part of the activation-store API: opening stores from disk. */
export { openStore } from './open-store.js';
