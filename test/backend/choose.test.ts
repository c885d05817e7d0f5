import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import '../../src/backend/node-candidates.js';
import {
  BACKEND_ENV_VAR,
  backendCandidates,
  initBackend,
  parseBackendRequest,
  registerBackendCandidate,
} from '../../src/backend/choose.js';
import { InvalidArgumentError } from '../../src/errors.js';

describe('backend choice', () => {
  afterEach(() => {
    delete process.env[BACKEND_ENV_VAR];
  });

  it('parses requests and aliases, rejecting unknown names', () => {
    expect(parseBackendRequest(undefined)).toBe('auto');
    expect(parseBackendRequest(' WASM ')).toBe('wasm');
    expect(parseBackendRequest('tfjs-node')).toBe('tensorflow');
    expect(() => parseBackendRequest('gpu')).toThrow(InvalidArgumentError);
  });

  it('orders Node candidates native first, then wasm', () => {
    const order = backendCandidates().map((c) => `${c.name}:${c.source}`);
    expect(order).toEqual([
      'tensorflow:@tensorflow/tfjs-node-gpu',
      'tensorflow:@tensorflow/tfjs-node',
      'wasm:@tensorflow/tfjs-backend-wasm',
    ]);
  });

  it('auto skips the absent native packages with a reason and picks wasm', async () => {
    const logs: string[] = [];
    const choice = await initBackend({ backend: 'auto', log: (m) => logs.push(m) });
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.skipped.map((s) => s.source)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(choice.skipped[0]?.reason).toMatch(/not installed/);
    expect(logs).toEqual(["bertvision: using backend 'wasm' (@tensorflow/tfjs-backend-wasm)"]);
  });

  it('honours the environment variable and an explicit option', async () => {
    process.env[BACKEND_ENV_VAR] = 'cpu';
    expect((await initBackend()).backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await initBackend({ backend: 'wasm' })).backend).toBe('wasm');
  });

  it('throws a typed error when a forced backend cannot load', async () => {
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toThrow(/tfjs-node.*not installed/);
    await expect(initBackend({ backend: 'webgpu' })).rejects.toThrow(InvalidArgumentError);
  });

  it('falls back past a candidate whose loader fails', async () => {
    registerBackendCandidate({
      name: 'webgl',
      source: 'test-broken',
      load: async () => ({ ok: false, reason: 'boom' }),
    });
    const choice = await initBackend({ backend: 'auto' });
    expect(choice.skipped.map((s) => s.reason)).toContain('boom');
    expect(choice.backend).toBe('wasm');
  });
});
