/**
 * What counts as the WebAssembly backend running out of memory: Emscripten's abort and a heap that refuses to grow
 * (the messages V8 and Emscripten give), and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { isWasmOutOfMemory } from '../../src/backend/out-of-memory.js';

function runtimeError(message: string): Error {
  const error = new Error(message);
  error.name = 'RuntimeError';
  return error;
}

describe('isWasmOutOfMemory', () => {
  it('recognises the abort and a heap that cannot grow', () => {
    expect(isWasmOutOfMemory(runtimeError('Aborted()'))).toBe(true);
    expect(isWasmOutOfMemory(runtimeError('Aborted(Cannot enlarge memory arrays to size 4294967296 bytes)'))).toBe(
      true,
    );
    expect(isWasmOutOfMemory(new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'))).toBe(true);
  });

  it('leaves other errors alone', () => {
    expect(isWasmOutOfMemory(new Error('Aborted by the user'))).toBe(false);
    expect(isWasmOutOfMemory(new TypeError('x is undefined'))).toBe(false);
    expect(isWasmOutOfMemory('Aborted()')).toBe(false);
  });
});
