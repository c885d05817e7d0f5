/**
 * What counts as the WebAssembly backend running out of memory: Emscripten's abort and a heap that refuses to grow
 * (the messages V8 and Emscripten give), any wasm trap once the heap is full (tfjs-wasm's tensor registration traps with
 * `divide by zero` there), and nothing else.
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

  it('takes a wasm trap for an exhausted heap only when the heap is full', () => {
    const trap = runtimeError('divide by zero');
    expect(isWasmOutOfMemory(trap, 4 * 2 ** 30 - 65536)).toBe(true);
    expect(isWasmOutOfMemory(trap, 2 * 2 ** 30)).toBe(false);
    expect(isWasmOutOfMemory(trap)).toBe(false);
    expect(isWasmOutOfMemory(new TypeError('x is undefined'), 4 * 2 ** 30)).toBe(false);
  });

  it('leaves other errors alone', () => {
    expect(isWasmOutOfMemory(new Error('Aborted by the user'))).toBe(false);
    expect(isWasmOutOfMemory(new TypeError('x is undefined'))).toBe(false);
    expect(isWasmOutOfMemory('Aborted()')).toBe(false);
  });
});
