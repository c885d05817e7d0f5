/**
 * Question+context windows exactly as transformers' `run_qa.py` builds them (and tools/extract's `windows.py`):
 * the question is left-stripped, the pair is tokenised with `truncation="only_second"`, `max_length`, `stride` and
 * overflowing tokens, padded to `max_length`; offsets of non-context tokens are −1 and the span labels are
 * `prepare_train_features`' (the CLS index when the answer is not wholly inside the window).
 *
 * Offsets and answer starts are code-point indices (Python `str` indices), as stores record them.
 */
import { InvalidArgumentError } from '../errors.js';
import { isPythonWhitespace } from '../squad/metric/normalize.js';
import { codePointOffsets, type BertTokenizer, type TokenSequence } from './tokenizer.js';

/** Windowing settings; the defaults are run_qa.py's. */
export interface WindowSettings {
  /** Tokens per window, special tokens included. Default 384. */
  maxSeqLength?: number;
  /** Tokens of overlap between consecutive windows of one context. Default 128. */
  docStride?: number;
  /** Cut the question after this many tokens (tools/extract's `--max-query-length`). Default: no limit. */
  maxQueryLength?: number | undefined;
}

/** One question as the windowing needs it; `answers[].start` is a code-point index into `context`. */
export interface QaExample {
  question: string;
  context: string;
  /** Gold answers; only the first labels the windows. Empty or absent for an unanswerable question. */
  answers?: readonly { text: string; start: number }[];
}

/** One window, padded to `maxSeqLength` (S). */
export interface QaWindow {
  /** Index of the example (in the list given to `buildWindows`) the window belongs to. */
  exampleIndex: number;
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  /** `[S·2]` code-point offsets into the context, −1 for question, special and padding tokens. */
  offsets: Int32Array;
  /** Token index of the answer's start, the CLS index when the answer is not in this window. */
  startPosition: number;
  endPosition: number;
  /** 1 when `startPosition` is the CLS index (no answer in this window), else 0. */
  isImpossible: number;
}

/** Python's `str.lstrip()`. */
function pythonLstrip(text: string): string {
  let at = 0;
  while (at < text.length && isPythonWhitespace(text.codePointAt(at) as number))
    at += (text.codePointAt(at) as number) > 0xffff ? 2 : 1;
  return text.slice(at);
}

function clipQuestion(tokenizer: BertTokenizer, question: string, maxQueryLength: number | undefined): string {
  const stripped = pythonLstrip(question);
  if (maxQueryLength === undefined) return stripped;
  const { offsets } = tokenizer.encodeSequence(stripped);
  return offsets.length <= maxQueryLength
    ? stripped
    : stripped.slice(0, (offsets[maxQueryLength - 1] as [number, number])[1]);
}

/** run_qa's prepare_train_features labelling of one window (offsets in code points, raw, not masked). */
function spanLabel(
  offsets: [number, number][],
  sequenceIds: (0 | 1 | null)[],
  answerStart: number,
  answerEnd: number,
  cls: number,
): [number, number] {
  let first = 0;
  while (sequenceIds[first] !== 1) first++;
  let last = sequenceIds.length - 1;
  while (sequenceIds[last] !== 1) last--;
  if (!((offsets[first] as [number, number])[0] <= answerStart && (offsets[last] as [number, number])[1] >= answerEnd))
    return [cls, cls];
  while (first < offsets.length && (offsets[first] as [number, number])[0] <= answerStart) first++;
  while ((offsets[last] as [number, number])[1] >= answerEnd) last--;
  return [first - 1, last + 1];
}

/** `[start, stop)` token ranges of the context in each window: the tokenizers crate's overflow with a stride. */
function contextRanges(contextLength: number, budget: number, stride: number): [number, number][] {
  if (budget >= contextLength) return [[0, contextLength]];
  const ranges: [number, number][] = [];
  for (let start = 0; ; start += budget - stride) {
    const stop = Math.min(start + budget, contextLength);
    ranges.push([start, stop]);
    if (stop === contextLength) return ranges;
  }
}

/** Tokenises questions into windows, reusing the context's encoding across consecutive questions on one context. */
export class QaWindowMaker {
  private readonly maxSeqLength: number;
  private readonly docStride: number;
  private readonly maxQueryLength: number | undefined;
  private lastContext: { text: string; tokens: TokenSequence; codePoints: [number, number][] } | undefined;

  constructor(
    private readonly tokenizer: BertTokenizer,
    settings: WindowSettings = {},
  ) {
    this.maxSeqLength = settings.maxSeqLength ?? 384;
    this.docStride = settings.docStride ?? 128;
    this.maxQueryLength = settings.maxQueryLength;
    for (const [name, value] of [
      ['maxSeqLength', this.maxSeqLength],
      ['docStride', this.docStride],
    ] as const) {
      if (!Number.isInteger(value) || value < 0)
        throw new InvalidArgumentError(`windows: ${name} must be a non-negative integer, got ${value}`);
    }
    if (this.docStride >= this.maxSeqLength)
      throw new InvalidArgumentError(
        `windows: docStride (${this.docStride}) must be smaller than maxSeqLength (${this.maxSeqLength})`,
      );
    if (this.maxQueryLength !== undefined && !(Number.isInteger(this.maxQueryLength) && this.maxQueryLength > 0)) {
      throw new InvalidArgumentError(`windows: maxQueryLength must be a positive integer, got ${this.maxQueryLength}`);
    }
  }

  /** The windows of one example, in order. @throws InvalidArgumentError when the question leaves no room for context. */
  windowsOf(example: QaExample, exampleIndex: number): QaWindow[] {
    const questionText = clipQuestion(this.tokenizer, example.question, this.maxQueryLength);
    const question = this.tokenizer.encodeSequence(questionText);
    const context = this.contextTokens(example.context);
    const specials = this.tokenizer.specialTokenCount(true);
    const total = question.ids.length + context.tokens.ids.length + specials;
    let budget = context.tokens.ids.length;
    if (total > this.maxSeqLength) {
      const toRemove = total - this.maxSeqLength;
      if (context.tokens.ids.length <= toRemove || this.docStride >= context.tokens.ids.length - toRemove) {
        throw new InvalidArgumentError(
          `windows: example ${exampleIndex}: the question (${question.ids.length} tokens) leaves ${Math.max(0, this.maxSeqLength - specials - question.ids.length)} context tokens per window, not more than docStride ${this.docStride}; shorten the question (maxQueryLength) or raise maxSeqLength`,
        );
      }
      budget = context.tokens.ids.length - toRemove;
    }
    const questionCodePoints = codePointOffsets(questionText, question.offsets);
    const answer = example.answers?.[0];
    const answerStart = answer?.start ?? 0;
    const answerEnd = answerStart + (answer ? [...answer.text].length : 0);
    return contextRanges(context.tokens.ids.length, budget, this.docStride).map(([from, to]) => {
      const part = { ids: context.tokens.ids.slice(from, to), offsets: context.codePoints.slice(from, to) };
      const encoding = this.tokenizer.applyTemplate({ ids: question.ids, offsets: questionCodePoints }, part);
      const window = this.padded(encoding.ids, encoding.typeIds, encoding.offsets, encoding.sequenceIds, exampleIndex);
      const cls = this.tokenizer.clsId === undefined ? 0 : Math.max(0, encoding.ids.indexOf(this.tokenizer.clsId));
      if (answer) {
        const rawOffsets = encoding.offsets.concat(
          Array.from({ length: this.maxSeqLength - encoding.ids.length }, () => [0, 0] as [number, number]),
        );
        const sequenceIds = encoding.sequenceIds.concat(
          new Array<null>(this.maxSeqLength - encoding.ids.length).fill(null),
        );
        [window.startPosition, window.endPosition] = spanLabel(rawOffsets, sequenceIds, answerStart, answerEnd, cls);
      } else {
        [window.startPosition, window.endPosition] = [cls, cls];
      }
      window.isImpossible = window.startPosition === cls ? 1 : 0;
      return window;
    });
  }

  private contextTokens(text: string): { text: string; tokens: TokenSequence; codePoints: [number, number][] } {
    if (this.lastContext?.text !== text) {
      const tokens = this.tokenizer.encodeSequence(text);
      this.lastContext = { text, tokens, codePoints: codePointOffsets(text, tokens.offsets) };
    }
    return this.lastContext;
  }

  private padded(
    ids: number[],
    typeIds: number[],
    offsets: [number, number][],
    sequenceIds: (0 | 1 | null)[],
    exampleIndex: number,
  ): QaWindow {
    const S = this.maxSeqLength;
    const window: QaWindow = {
      exampleIndex,
      inputIds: new Int32Array(S).fill(this.tokenizer.padId),
      attentionMask: new Int32Array(S),
      tokenTypeIds: new Int32Array(S),
      offsets: new Int32Array(2 * S).fill(-1),
      startPosition: 0,
      endPosition: 0,
      isImpossible: 0,
    };
    window.inputIds.set(ids);
    window.attentionMask.fill(1, 0, ids.length);
    window.tokenTypeIds.set(typeIds);
    sequenceIds.forEach((sequence, i) => {
      if (sequence !== 1) return;
      window.offsets[2 * i] = (offsets[i] as [number, number])[0];
      window.offsets[2 * i + 1] = (offsets[i] as [number, number])[1];
    });
    return window;
  }
}

/**
 * All windows of `examples`, in example order (run_qa.py's windowing; defaults 384 tokens, stride 128).
 * @example
 * const windows = buildWindows(tokenizer, [{ question: 'Who?', context: 'Ann wrote it.', answers: [{ text: 'Ann', start: 0 }] }]);
 * windows[0].startPosition; // 4: [CLS] who ? [SEP] ann
 */
export function buildWindows(
  tokenizer: BertTokenizer,
  examples: readonly QaExample[],
  settings: WindowSettings = {},
): QaWindow[] {
  const maker = new QaWindowMaker(tokenizer, settings);
  return examples.flatMap((example, i) => maker.windowsOf(example, i));
}
