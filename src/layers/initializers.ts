/**
 * Resolve and serialise weight initializers the way tfjs-layers does, through the public serialization registry,
 * so a layer's `getConfig` output can rebuild an identical layer (also after `model.toJSON` → `modelFromJSON`).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import type { Initializer, InitializerSpec, SerializedInitializer } from './types.js';

/** The common base class of every tfjs initializer (`Zeros` extends it directly). */
const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as abstract new (
  ...args: never[]
) => Initializer;

function isInitializer(value: unknown): value is Initializer {
  return value instanceof InitializerBase;
}

function snakeToCamel(identifier: string): string {
  return identifier.replace(/_+([a-z0-9])/g, (_match, c: string) => c.toUpperCase());
}

function instantiate(className: string, config: tf.serialization.ConfigDict, what: string): Initializer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry !== undefined && (entry[0] as { prototype: unknown }).prototype instanceof InitializerBase) {
    const [cls, fromConfig] = entry;
    let made: unknown;
    try {
      made = fromConfig(cls, config);
    } catch (error) {
      throw new InvalidArgumentError(`${what}: bad config for initializer '${className}': ${String(error)}`, {
        cause: error,
      });
    }
    if (isInitializer(made)) return made;
  }
  throw new InvalidArgumentError(
    `${what}: unknown initializer '${className}' (expected e.g. 'zeros', 'ones', 'randomNormal', 'truncatedNormal', ` +
      `'glorotUniform', an initializer instance, or {className, config})`,
  );
}

/**
 * Turn an {@link InitializerSpec} into an initializer instance.
 * @param spec the initializer, its identifier or its serialised form.
 * @param what names the argument in error messages, e.g. `'BertConcat mixInitializer'`.
 * @throws InvalidArgumentError when the spec names no registered initializer.
 */
export function resolveInitializer(spec: InitializerSpec, what: string): Initializer {
  if (isInitializer(spec)) return spec;
  if (typeof spec === 'string') {
    const camel = snakeToCamel(spec);
    return instantiate(camel.charAt(0).toUpperCase() + camel.slice(1), {}, what);
  }
  if (spec !== null && typeof spec === 'object' && typeof spec.className === 'string') {
    return instantiate(spec.className, spec.config ?? {}, what);
  }
  throw new InvalidArgumentError(`${what}: not an initializer: ${JSON.stringify(spec)}`);
}

/**
 * The serialised form of an initializer (`{className, config}`), as tfjs-layers writes it in layer configs. Unset
 * options (`seed: undefined`) are written as `null`, the value they come back as from model JSON.
 */
export function serializeInitializer(initializer: Initializer): SerializedInitializer {
  const entries = Object.entries(initializer.getConfig()).map(([key, value]) => [
    key,
    value === undefined ? null : value,
  ]);
  return { className: initializer.getClassName(), config: Object.fromEntries(entries) as tf.serialization.ConfigDict };
}
