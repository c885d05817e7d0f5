/**
 * What every tab shares: the backend in use, the data files (fetched from the page's own origin, paths from
 * data-config.ts) and the SQuAD questions. Files are fetched once and kept, so the page keeps working offline.
 */
import * as tf from '@tensorflow/tfjs';
import { readSquadQuestions, type SquadQuestion } from 'bertvision';
import { DEMO_DATA } from './data-config.js';

/** Shared state of the page. */
export interface DemoContext {
  /** The tfjs backend in use (`webgl`, `wasm` or `cpu`). */
  backend: string;
  /** The URL of a data file (a path of data-config.ts), below the page. */
  url(path: string): URL;
  /** The bytes of a data file (fetched once). */
  bytes(path: string): Promise<Uint8Array>;
  /** The SQuAD questions of `DEMO_DATA.squadFile`. */
  questions(): Promise<SquadQuestion[]>;
  /** A fresh copy of the saved head in `dir` (its model.json + weights.bin, fetched once). */
  head(dir: string): Promise<tf.LayersModel>;
}

/** The page's context for `backend`. */
export function createContext(backend: string): DemoContext {
  const cache = new Map<string, Promise<Uint8Array>>();
  let questions: Promise<SquadQuestion[]> | undefined;
  const url = (path: string): URL => new URL(path, document.baseURI);
  const bytes = (path: string): Promise<Uint8Array> => {
    let got = cache.get(path);
    if (!got) {
      got = fetch(url(path)).then(async (response) => {
        if (!response.ok) throw new Error(`${path}: ${response.status} ${response.statusText}`);
        return new Uint8Array(await response.arrayBuffer());
      });
      cache.set(path, got);
    }
    return got;
  };
  const head = async (dir: string): Promise<tf.LayersModel> => {
    const [json, weights] = await Promise.all([bytes(`${dir}/model.json`), bytes(`${dir}/weights.bin`)]);
    const artifacts = JSON.parse(new TextDecoder().decode(json)) as tf.io.ModelJSON;
    const data = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
    return tf.loadLayersModel({
      load: () =>
        tf.io.getModelArtifactsForJSON(artifacts, async (manifest) => [manifest.flatMap((g) => g.weights), data]),
    });
  };
  return {
    backend,
    url,
    bytes,
    head,
    questions: () => {
      questions ??= bytes(DEMO_DATA.squadFile).then((b) =>
        readSquadQuestions(JSON.parse(new TextDecoder().decode(b)), DEMO_DATA.squadFile),
      );
      return questions;
    },
  };
}
