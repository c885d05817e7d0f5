/** Reading the parts of a HF `tokenizer.json` that a BERT WordPiece tokenizer needs, with typed errors. */
import { FileFormatError } from '../errors.js';
import type { BertNormalizerSettings } from './bert-normalizer.js';
import type { WordPieceModel } from './wordpiece.js';

/** One piece of a post-processing template: a sequence (A or B) or a special token, with its type id. */
export type TemplatePiece =
  | { kind: 'sequence'; sequence: 0 | 1; typeId: number }
  | { kind: 'special'; ids: number[]; typeId: number };

/** An added token matched in the raw text before normalization (BERT's `[CLS]`, `[SEP]`, `[MASK]`…). */
export interface AddedToken {
  content: string;
  id: number;
}

/** Everything the tokenizer needs, read from a `tokenizer.json`. */
export interface TokenizerSpec {
  normalizer: BertNormalizerSettings | null;
  model: WordPieceModel;
  single: TemplatePiece[];
  pair: TemplatePiece[];
  addedTokens: AddedToken[];
  /** Ids of `[CLS]`, `[SEP]`, `[PAD]` when the vocabulary has them. */
  clsId: number | undefined;
  sepId: number | undefined;
  padId: number;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(source: string | undefined, message: string): never {
  throw new FileFormatError(`tokenizer.json: ${message}`, source ? { file: source } : {});
}

function readNormalizer(json: unknown, source: string | undefined): BertNormalizerSettings | null {
  if (json === null || json === undefined) return null;
  if (!isObject(json) || json.type !== 'BertNormalizer') {
    fail(
      source,
      `normalizer ${JSON.stringify(isObject(json) ? json.type : json)} is not supported (only BertNormalizer)`,
    );
  }
  const flag = (name: string, fallback: boolean): boolean =>
    typeof json[name] === 'boolean' ? (json[name] as boolean) : fallback;
  return {
    cleanText: flag('clean_text', true),
    handleChineseChars: flag('handle_chinese_chars', true),
    stripAccents: typeof json.strip_accents === 'boolean' ? json.strip_accents : null,
    lowercase: flag('lowercase', true),
  };
}

function readModel(json: unknown, source: string | undefined): WordPieceModel {
  if (!isObject(json) || json.type !== 'WordPiece') {
    fail(source, `model ${JSON.stringify(isObject(json) ? json.type : json)} is not supported (only WordPiece)`);
  }
  if (!isObject(json.vocab)) fail(source, 'model.vocab is missing or not an object');
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(json.vocab)) {
    if (!Number.isInteger(id)) fail(source, `model.vocab[${JSON.stringify(token)}] is not an integer id`);
    vocab.set(token, id as number);
  }
  const unkToken = typeof json.unk_token === 'string' ? json.unk_token : '[UNK]';
  const unkId = vocab.get(unkToken);
  if (unkId === undefined) fail(source, `the unknown token ${JSON.stringify(unkToken)} is not in the vocabulary`);
  const maxChars = json.max_input_chars_per_word ?? 100;
  if (!Number.isInteger(maxChars) || (maxChars as number) < 1)
    fail(source, 'model.max_input_chars_per_word must be a positive integer');
  return {
    vocab,
    unkId,
    continuingSubwordPrefix: typeof json.continuing_subword_prefix === 'string' ? json.continuing_subword_prefix : '##',
    maxInputCharsPerWord: maxChars as number,
  };
}

function readTemplate(json: unknown, specials: Json, which: string, source: string | undefined): TemplatePiece[] {
  if (!Array.isArray(json)) fail(source, `post_processor.${which} is not a list`);
  return json.map((piece: unknown): TemplatePiece => {
    if (isObject(piece) && isObject(piece.Sequence)) {
      const { id, type_id: typeId } = piece.Sequence;
      if (id !== 'A' && id !== 'B')
        fail(source, `post_processor.${which}: sequence id ${JSON.stringify(id)} is not A or B`);
      return { kind: 'sequence', sequence: id === 'A' ? 0 : 1, typeId: Number(typeId ?? 0) };
    }
    if (isObject(piece) && isObject(piece.SpecialToken)) {
      const { id, type_id: typeId } = piece.SpecialToken;
      const special = specials[String(id)];
      if (!isObject(special) || !Array.isArray(special.ids))
        fail(source, `post_processor: special token ${JSON.stringify(id)} is not defined`);
      return { kind: 'special', ids: special.ids.map(Number), typeId: Number(typeId ?? 0) };
    }
    return fail(source, `post_processor.${which}: unknown piece ${JSON.stringify(piece)}`);
  });
}

function readPostProcessor(
  json: unknown,
  vocab: ReadonlyMap<string, number>,
  source: string | undefined,
): [TemplatePiece[], TemplatePiece[]] {
  const a: TemplatePiece = { kind: 'sequence', sequence: 0, typeId: 0 };
  const b: TemplatePiece = { kind: 'sequence', sequence: 1, typeId: 1 };
  if (json === null || json === undefined) return [[a], [a, { ...b, typeId: 0 }]];
  if (isObject(json) && json.type === 'TemplateProcessing') {
    const specials = isObject(json.special_tokens) ? json.special_tokens : {};
    return [readTemplate(json.single, specials, 'single', source), readTemplate(json.pair, specials, 'pair', source)];
  }
  if (isObject(json) && json.type === 'BertProcessing') {
    const id = (entry: unknown, name: string): number => {
      const found = Array.isArray(entry) && typeof entry[1] === 'number' ? entry[1] : vocab.get(name);
      if (found === undefined) fail(source, `post_processor: ${name} is missing`);
      return found;
    };
    const cls = id(json.cls, '[CLS]');
    const sep = id(json.sep, '[SEP]');
    const special = (ids: number[], typeId: number): TemplatePiece => ({ kind: 'special', ids, typeId });
    return [
      [special([cls], 0), a, special([sep], 0)],
      [special([cls], 0), { ...a }, special([sep], 0), b, special([sep], 1)],
    ];
  }
  return fail(
    source,
    `post_processor ${JSON.stringify(isObject(json) ? json.type : json)} is not supported (TemplateProcessing or BertProcessing)`,
  );
}

function readAddedTokens(json: unknown, source: string | undefined): AddedToken[] {
  if (json === undefined || json === null) return [];
  if (!Array.isArray(json)) fail(source, 'added_tokens is not a list');
  return json
    .map((token: unknown) => {
      if (!isObject(token) || typeof token.content !== 'string' || !Number.isInteger(token.id))
        fail(source, `added token ${JSON.stringify(token)} is malformed`);
      if (token.normalized === true || token.single_word === true || token.lstrip === true || token.rstrip === true) {
        fail(
          source,
          `added token ${JSON.stringify(token.content)}: normalized, single_word, lstrip and rstrip matching are not supported`,
        );
      }
      return { content: token.content, id: token.id as number };
    })
    .filter((token) => token.content.length > 0);
}

/** Read a parsed `tokenizer.json`. @throws FileFormatError naming `source` and the unsupported or malformed part. */
export function readTokenizerJson(json: unknown, source?: string): TokenizerSpec {
  if (!isObject(json)) fail(source, 'not a JSON object');
  const preTokenizer = json.pre_tokenizer;
  if (!isObject(preTokenizer) || preTokenizer.type !== 'BertPreTokenizer') {
    fail(
      source,
      `pre_tokenizer ${JSON.stringify(isObject(preTokenizer) ? preTokenizer.type : preTokenizer)} is not supported (only BertPreTokenizer)`,
    );
  }
  const model = readModel(json.model, source);
  const [single, pair] = readPostProcessor(json.post_processor, model.vocab, source);
  const padding = isObject(json.padding) ? json.padding : {};
  return {
    normalizer: readNormalizer(json.normalizer, source),
    model,
    single,
    pair,
    addedTokens: readAddedTokens(json.added_tokens, source),
    clsId: model.vocab.get('[CLS]'),
    sepId: model.vocab.get('[SEP]'),
    padId: typeof padding.pad_id === 'number' ? padding.pad_id : (model.vocab.get('[PAD]') ?? 0),
  };
}
