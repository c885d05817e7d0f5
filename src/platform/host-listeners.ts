/**
 * Keeping a host's process-wide error handling its own. tfjs-backend-wasm's Emscripten glue installs
 * `uncaughtException` and `unhandledRejection` listeners on `process` when its module is instantiated; they rethrow
 * from inside the glue and exit with code 7, so a user's own handler never runs (emscripten-core/emscripten#11768,
 * tensorflow/tfjs#5851). {@link withoutNewProcessListeners} removes exactly the listeners added while its callback
 * ran. Guarded by test/backend/host-listeners.test.ts. In a browser (no `process`) it only runs the callback.
 */

/** The process events whose listeners a library must leave to its host. */
const HOST_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

interface ProcessLike {
  listeners(event: string): Array<(...args: unknown[]) => void>;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

function hostProcess(): ProcessLike | undefined {
  const candidate = (globalThis as { process?: Partial<ProcessLike> }).process;
  return typeof candidate?.listeners === 'function' && typeof candidate.removeListener === 'function'
    ? (candidate as ProcessLike)
    : undefined;
}

/**
 * Run `action`, then remove every `uncaughtException` / `unhandledRejection` listener that was added to `process`
 * while it ran; listeners present before are kept. Returns what `action` returned (or rethrows what it threw).
 */
export async function withoutNewProcessListeners<T>(action: () => Promise<T>): Promise<T> {
  const host = hostProcess();
  if (!host) return action();
  const before = new Map(HOST_EVENTS.map((event) => [event, new Set(host.listeners(event))]));
  try {
    return await action();
  } finally {
    for (const event of HOST_EVENTS) {
      const kept = before.get(event)!;
      for (const listener of host.listeners(event)) {
        if (!kept.has(listener)) host.removeListener(event, listener);
      }
    }
  }
}
