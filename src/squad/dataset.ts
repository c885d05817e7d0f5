/**
 * The parts of a SQuAD 2.0 dataset JSON the scorer and decoder need, validated: questions in file order with their
 * gold answer texts and contexts. Browser-safe: takes an already parsed object.
 */
import { FileFormatError, MismatchError } from '../errors.js';

/** One question of the dataset. */
export interface SquadQuestion {
  /** The qid (`qas[].id`). */
  id: string;
  /** Texts of `answers` (never `plausible_answers`); empty for unanswerable questions. */
  goldTexts: string[];
  /** Whether `answers` is non-empty (the official has-answer map; `is_impossible` is never read). */
  hasAnswer: boolean;
  /** The question text. */
  question: string;
  /** The paragraph's context. */
  context: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayAt(value: unknown, where: string, file: string | undefined): unknown[] {
  if (!Array.isArray(value)) throw new FileFormatError(`${where} must be an array`, { file });
  return value;
}

/**
 * Extract the questions of a parsed SQuAD JSON (`{ data: [ { paragraphs: [ { context, qas: [...] } ] } ] }`), in
 * file order.
 * @param file Named in error messages.
 * @throws FileFormatError naming the first malformed element.
 */
export function readSquadQuestions(json: unknown, file?: string): SquadQuestion[] {
  if (!isRecord(json) || !Array.isArray(json.data))
    throw new FileFormatError('a SQuAD dataset must be a JSON object with a "data" array', { file });
  const questions: SquadQuestion[] = [];
  arrayAt(json.data, 'data', file).forEach((article, a) => {
    if (!isRecord(article)) throw new FileFormatError(`data[${a}] must be an object`, { file });
    arrayAt(article.paragraphs, `data[${a}].paragraphs`, file).forEach((paragraph, p) => {
      const where = `data[${a}].paragraphs[${p}]`;
      if (!isRecord(paragraph)) throw new FileFormatError(`${where} must be an object`, { file });
      const context = paragraph.context;
      if (typeof context !== 'string') throw new FileFormatError(`${where}.context must be a string`, { file });
      arrayAt(paragraph.qas, `${where}.qas`, file).forEach((qa, q) => {
        const qaWhere = `${where}.qas[${q}]`;
        if (!isRecord(qa) || typeof qa.id !== 'string')
          throw new FileFormatError(`${qaWhere}.id must be a string`, { file });
        const answers = arrayAt(qa.answers, `${qaWhere}.answers`, file);
        const goldTexts = answers.map((answer, i) => {
          if (!isRecord(answer) || typeof answer.text !== 'string') {
            throw new FileFormatError(`${qaWhere}.answers[${i}].text must be a string`, { file });
          }
          return answer.text;
        });
        const question = typeof qa.question === 'string' ? qa.question : '';
        questions.push({ id: qa.id, goldTexts, hasAnswer: goldTexts.length > 0, question, context });
      });
    });
  });
  return questions;
}

/**
 * Decoder examples (`{ id, context }`) for the given question ids, in that order, e.g. an activation store's
 * `metadata.example_ids`, so that the store's `example_index` indexes the result.
 * @throws MismatchError naming the first ids that are not in the dataset.
 */
export function qaExamplesFor(
  questions: readonly SquadQuestion[],
  ids: readonly string[],
): { id: string; context: string }[] {
  const contexts = new Map(questions.map((q) => [q.id, q.context]));
  const unknown = ids.filter((id) => !contexts.has(id));
  if (unknown.length > 0) {
    throw new MismatchError(
      `${unknown.length} example ids are not questions of the dataset (first: ${unknown.slice(0, 5).join(', ')}); ` +
        'was the store made from another SQuAD file?',
    );
  }
  return ids.map((id) => ({ id, context: contexts.get(id) as string }));
}
