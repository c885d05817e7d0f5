/**
 * Candidates of one backend: a fallback (the browser entry's generic "the page loaded it" offer) is tried after the
 * others, whatever the order of registration, so a page's own candidate (which sets the wasm paths first) wins.
 */
import { describe, expect, it } from 'vitest';
import { backendCandidates, registerBackendCandidate } from '../../src/backend/choose.js';

describe('backendCandidates', () => {
  it('orders by preference, then puts fallbacks after the other candidates of the same backend', () => {
    const no = async () => ({ ok: false as const, reason: 'test' });
    registerBackendCandidate({ name: 'webgpu', source: 'entry', load: no, fallback: true });
    registerBackendCandidate({ name: 'webgpu', source: 'page', load: no });
    registerBackendCandidate({ name: 'webgpu', source: 'page 2', load: no });
    const webgpu = backendCandidates().filter((c) => c.name === 'webgpu');
    expect(webgpu.map((c) => c.source)).toEqual(['page', 'page 2', 'entry']);
  });
});
