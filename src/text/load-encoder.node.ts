/** Loading an exported ONNX encoder and its sidecar from disk (Node). */
import { readFile } from 'node:fs/promises';
import { FileFormatError, InvalidArgumentError } from '../errors.js';
import { createOnnxEncoder, type EncoderInfo, type OnnxEncoder, type OnnxEncoderOptions } from './onnx-encoder.js';

/** The `<name>.json` sidecar tools/onnx/export.py writes next to `<name>.onnx`, as EncoderInfo; undefined if absent. */
export async function readEncoderSidecar(onnxPath: string): Promise<Partial<EncoderInfo> | undefined> {
  const path = onnxPath.replace(/\.onnx$/, '') + '.json';
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new FileFormatError('the encoder sidecar is not valid JSON', { file: path, cause });
  }
  const info: Partial<EncoderInfo> = {};
  if (typeof json.model_id === 'string') info.modelId = json.model_id;
  if (typeof json.model_revision === 'string') info.modelRevision = json.model_revision;
  if (typeof json.tokenizer_id === 'string') info.tokenizerId = json.tokenizer_id;
  if (typeof json.num_layers === 'number') info.numLayers = json.num_layers;
  if (typeof json.hidden_size === 'number') info.hiddenSize = json.hidden_size;
  return info;
}

/**
 * Load an ONNX encoder made by tools/onnx/export.py, with the facts of its `<name>.json` sidecar (options.info
 * overrides them).
 * @throws InvalidArgumentError naming the file when it is missing (with the command that makes it) or unloadable.
 * @example
 * const encoder = await loadOnnxEncoder('models/minilm.onnx');
 */
export async function loadOnnxEncoder(path: string, options: OnnxEncoderOptions = {}): Promise<OnnxEncoder> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new InvalidArgumentError(
      `cannot read the ONNX encoder (${(cause as Error).message}); make it with: HF_HUB_OFFLINE=1 .venv/bin/python tools/onnx/export.py --model <HF model dir> -o ${path}`,
      { file: path, cause },
    );
  }
  const info = { ...(await readEncoderSidecar(path)), ...options.info };
  try {
    return await createOnnxEncoder(bytes, { ...options, info });
  } catch (error) {
    if (error instanceof InvalidArgumentError && !error.file)
      throw new InvalidArgumentError(error.message, { file: path, cause: error });
    throw error;
  }
}
