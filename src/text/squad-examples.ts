/**
 * SQuAD 2.0 questions with their gold answer starts, as tools/extract's `load_examples` reads them: file order,
 * `is_impossible` questions without answers, every gold answer checked to be at its `answer_start`.
 * Browser-safe: takes an already parsed object.
 */
import { FileFormatError } from '../errors.js';
import type { QaExample } from './windows.js';

/** One SQuAD question for windowing and extraction; `answers[].start` is a code-point index into `context`. */
export interface SquadQaExample extends QaExample {
  /** The qid (`qas[].id`). */
  id: string;
  /** The article title. */
  title: string;
  answers: { text: string; start: number }[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The questions of a parsed SQuAD JSON in file order; with `titles`, only those articles.
 * @throws FileFormatError naming `file` and the first malformed question, duplicate id, or misplaced gold answer.
 */
export function readSquadExamples(json: unknown, file?: string, titles?: ReadonlySet<string>): SquadQaExample[] {
  const fail = (message: string): never => {
    throw new FileFormatError(message, { file });
  };
  if (!isRecord(json) || !Array.isArray(json.data)) fail("no top-level 'data' list: not a SQuAD-format JSON");
  const examples: SquadQaExample[] = [];
  const seen = new Set<string>();
  for (const article of (json as { data: unknown[] }).data) {
    if (!isRecord(article) || typeof article.title !== 'string' || !Array.isArray(article.paragraphs))
      fail("an article lacks a string 'title' or a 'paragraphs' list");
    const { title, paragraphs } = article as { title: string; paragraphs: unknown[] };
    if (titles && !titles.has(title)) continue;
    for (const paragraph of paragraphs) {
      if (!isRecord(paragraph) || typeof paragraph.context !== 'string' || !Array.isArray(paragraph.qas))
        fail(`article ${JSON.stringify(title)}: a paragraph lacks 'context' or 'qas'`);
      const { context, qas } = paragraph as { context: string; qas: unknown[] };
      const codePoints = [...context];
      for (const qa of qas) {
        if (!isRecord(qa) || typeof qa.id !== 'string' || typeof qa.question !== 'string')
          fail(`article ${JSON.stringify(title)}: a question lacks a string 'id' or 'question'`);
        const { id, question } = qa as { id: string; question: string };
        if (seen.has(id)) fail(`duplicate question id ${id}`);
        seen.add(id);
        const record = qa as Record<string, unknown>;
        const rawAnswers =
          record.is_impossible === true ? [] : Array.isArray(record.answers) ? (record.answers as unknown[]) : [];
        const answers = rawAnswers.map((raw: unknown) => {
          if (!isRecord(raw) || typeof raw.text !== 'string' || !Number.isInteger(raw.answer_start))
            fail(`question ${id}: an answer lacks a string 'text' or an int 'answer_start'`);
          const { text, answer_start: start } = raw as { text: string; answer_start: number };
          if (start < 0 || codePoints.slice(start, start + [...text].length).join('') !== text)
            fail(`question ${id}: answer ${JSON.stringify(text)} is not at character ${start} of its context`);
          return { text, start };
        });
        examples.push({ id, title, question, context, answers });
      }
    }
  }
  return examples;
}
