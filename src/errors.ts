/**
 * Typed errors shared by every part of bertvision. Each carries a stable `code` so callers (and the CLI) can
 * branch on the kind of failure without parsing messages, and, where a file is involved, the `file` it concerns.
 */

/** Base class of every error bertvision throws on purpose. */
export class BertVisionError extends Error {
  /** Stable machine-readable code, e.g. `'E_STORE_FORMAT'`. */
  readonly code: string;
  /** The file the problem concerns, when there is one. */
  readonly file: string | undefined;

  constructor(code: string, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(options.file ? `${options.file}: ${message}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.file = options.file;
  }
}

/** A file exists but its content is not what its format promises (bad header, truncated, out-of-range offsets…). */
export class FileFormatError extends BertVisionError {
  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super('E_FILE_FORMAT', message, options);
  }
}

/** A tensor, array or input has a shape other than the one required. */
export class ShapeError extends BertVisionError {
  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super('E_SHAPE', message, options);
  }
}

/** Two things that must agree (store metadata vs model, two stores, labels vs activations) do not. */
export class MismatchError extends BertVisionError {
  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super('E_MISMATCH', message, options);
  }
}

/** A value is invalid: NaN, out of range, of the wrong type, an unknown name. */
export class InvalidArgumentError extends BertVisionError {
  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super('E_INVALID_ARGUMENT', message, options);
  }
}

/** Bad command-line usage: unknown flag, missing argument. The CLI prints the message and exits with 2. */
export class UsageError extends BertVisionError {
  constructor(message: string) {
    super('E_USAGE', message);
  }
}

/**
 * A store given by URL cannot be read lazily: the server ignored the HTTP `Range` request (answered 200 with the
 * whole body, or 206 with another range) or did not say how large the file is.
 */
export class RangeRequestError extends BertVisionError {
  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super('E_RANGE_REQUEST', message, options);
  }
}

/**
 * A weights file (Keras HDF5, `.keras` archive, torch state dict) does not fit the model it is loaded into: a layer is
 * missing, a shape differs, or a layer carries a different number of weights. `differences` lists every one of them
 * (one line each); `layer` is the first layer concerned.
 */
export class WeightsMismatchError extends MismatchError {
  /** The first layer that differs (the file's name for it, or the model's when the file has none). */
  readonly layer: string | undefined;
  /** Every difference, one line each, e.g. `layer 'dense': weight 0 (kernel) is [20, 2] in the file, [31, 2] in the model`. */
  readonly differences: string[];

  constructor(message: string, differences: string[], options: { file?: string; layer?: string } = {}) {
    super(`${message}: ${differences.join('; ')}`, options);
    this.layer = options.layer;
    this.differences = differences;
  }
}

/**
 * Another writer holds the path: a second `saveModel` of the same model directory, or a second writer of the same
 * store, while the first is still running. `holder` is the process id recorded in the lock file.
 */
export class InUseError extends BertVisionError {
  /** Process id of the writer holding the lock, when known. */
  readonly holder: number | undefined;

  constructor(message: string, options: { file?: string; holder?: number } = {}) {
    super('E_IN_USE', message, options);
    this.holder = options.holder;
  }
}

/**
 * The operating system refused a file operation: permission denied, no such file, is a directory, already exists,
 * no space left, an I/O error. `errno` is the system's code (`'EACCES'`, `'ENOSPC'`, …); the message names the file,
 * what was being done and the problem in words.
 */
export class FileAccessError extends BertVisionError {
  /** The system error code, e.g. `'EACCES'`. */
  readonly errno: string | undefined;

  constructor(message: string, options: { file?: string; cause?: unknown; errno?: string } = {}) {
    super('E_FILE_ACCESS', message, options);
    this.errno = options.errno;
  }
}

/**
 * A computation ran out of memory: on the WebAssembly backend, the heap (at most 4 GiB) cannot hold what a training
 * step keeps for its backward pass. The message names the model and batch size and what to change.
 */
export class OutOfMemoryError extends BertVisionError {
  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super('E_OUT_OF_MEMORY', message, options);
  }
}
