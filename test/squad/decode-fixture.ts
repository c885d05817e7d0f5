/** Test helper: the decoder fixture written by tools/squad/make_decode_fixtures.py (real dev contexts, MiniLM tokenizer). */
import { readFileSync } from 'node:fs';
import type { QaExample, QaFeature } from '../../src/squad/decode/input.js';

/** One nbest entry as transformers writes it (keys in its order). */
export interface NBestJson {
  text: string;
  probability: number;
  start_logit: number;
  end_logit: number;
}

interface LegacyJson {
  text: string;
  feature_index: number;
  start_token: number;
  end_token: number;
  confidence: number;
}

/** Shape of decode-golden.json. */
export interface DecodeGolden {
  examples: QaExample[];
  features: { example_index: number; offsets: number[]; start_logits: number[]; end_logits: number[] }[];
  models: [number[], number[]][][];
  decoded: Record<
    string,
    {
      options: {
        n_best_size?: number;
        max_answer_length?: number;
        null_score_diff_threshold?: number;
        version_2_with_negative?: boolean;
      };
      predictions: Record<string, string>;
      nbest: Record<string, NBestJson[]>;
      null_odds: Record<string, number>;
      files: { predictions: string; null_odds: string | null };
    }
  >;
  legacy: Record<string, LegacyJson>;
  ensemble: {
    weights: number[];
    combined: Record<
      string,
      {
        start: number[][];
        end: number[][];
        predictions: Record<string, string>;
        null_odds: Record<string, number>;
        legacy?: Record<string, LegacyJson>;
      }
    >;
  };
  gate: {
    no_answer_probability: Record<string, number>;
    binary: Record<string, string>;
    sum: Record<string, { score: number; prediction: string }>;
  };
}

/** The parsed fixture. */
export const golden = JSON.parse(
  readFileSync(new URL('../fixtures/squad/decode-golden.json', import.meta.url), 'utf8'),
) as DecodeGolden;

/** The fixture's windows as decoder input (Float32Array logits, flat -1 offsets, as an activation store holds them). */
export function fixtureFeatures(): QaFeature[] {
  return golden.features.map((f) => ({
    exampleIndex: f.example_index,
    startLogits: Float32Array.from(f.start_logits),
    endLogits: Float32Array.from(f.end_logits),
    offsets: Int32Array.from(f.offsets),
  }));
}
