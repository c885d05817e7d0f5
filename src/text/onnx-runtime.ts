/**
 * Finding an ONNX Runtime: `onnxruntime-node` when the user installed it (native, fastest), else `onnxruntime-web`
 * (its wasm build runs in Node and in browsers, installs from npm with nothing to download). Both are optional peer
 * dependencies, loaded on first use. Only the small part of their API that bertvision calls is typed here, so the
 * published types need neither package.
 */
import { InvalidArgumentError } from '../errors.js';

/** A tensor as ONNX Runtime returns it. */
export interface OrtTensor {
  readonly dims: readonly number[];
  readonly type: string;
  readonly data: unknown;
  dispose?(): void;
}

/** The part of an ONNX Runtime inference session bertvision uses. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** The part of an ONNX Runtime module bertvision uses (`onnxruntime-node` and `onnxruntime-web` both have it). */
export interface OrtModule {
  Tensor: new (type: 'int64', data: BigInt64Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: {
    /** Load a model (a path for onnxruntime-node, bytes for both) into a session. */
    create(model: string | Uint8Array, options?: Record<string, unknown>): Promise<OrtSession>;
  };
  env: { wasm?: { numThreads?: number } };
}

/** Which runtime to use: `'auto'` (default) = onnxruntime-node when installed, else onnxruntime-web. */
export type OrtChoice = 'auto' | 'node' | 'web';

const cache = new Map<string, Promise<OrtModule>>();

async function importRuntime(name: 'onnxruntime-node' | 'onnxruntime-web'): Promise<OrtModule> {
  const module = (await import(/* @vite-ignore */ name)) as OrtModule & { default?: OrtModule };
  return module.InferenceSession ? module : (module.default as OrtModule);
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * The ONNX Runtime module for `choice`, with the name of the package that provided it.
 * @throws InvalidArgumentError saying which package to install when none can be loaded.
 */
export async function loadOrt(
  choice: OrtChoice = 'auto',
): Promise<{ ort: OrtModule; runtime: 'onnxruntime-node' | 'onnxruntime-web' }> {
  const candidates: ('onnxruntime-node' | 'onnxruntime-web')[] =
    choice === 'node'
      ? ['onnxruntime-node']
      : choice === 'web' || !isNode()
        ? ['onnxruntime-web']
        : ['onnxruntime-node', 'onnxruntime-web'];
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      if (!cache.has(name)) cache.set(name, importRuntime(name));
      return { ort: await (cache.get(name) as Promise<OrtModule>), runtime: name };
    } catch (error) {
      cache.delete(name);
      failures.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new InvalidArgumentError(
    `no ONNX Runtime could be loaded (${failures.join('; ')}); install one: npm install onnxruntime-web (or onnxruntime-node, which downloads native binaries at install)`,
  );
}
