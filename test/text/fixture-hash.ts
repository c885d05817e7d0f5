/** The hash layout of tools/text/fixture_common.py `digest`: integer lists joined by '|', numbers by ','. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** sha256 prefix (10 hex digits) of integer lists, nested lists flattened. */
export function digest(...parts: readonly (readonly (number | readonly number[])[])[]): string {
  const text = parts
    .map((part) => part.map((v) => (typeof v === 'number' ? String(v) : v.join(','))).join(','))
    .join('|');
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

/** The dev set's strings in the generators' order: each paragraph's context, then its questions. */
export function devStrings(): { kind: 'context' | 'question'; text: string }[] {
  const root = JSON.parse(readFileSync(new URL('../../data/squad/dev-v2.0.json', import.meta.url), 'utf8')) as {
    data: { paragraphs: { context: string; qas: { question: string }[] }[] }[];
  };
  const out: { kind: 'context' | 'question'; text: string }[] = [];
  for (const article of root.data) {
    for (const paragraph of article.paragraphs) {
      out.push({ kind: 'context', text: paragraph.context });
      for (const qa of paragraph.qas) out.push({ kind: 'question', text: qa.question });
    }
  }
  return out;
}

/** URL of the shipped all-MiniLM-L6-v2 tokenizer.json. */
export const MINILM_TOKENIZER = new URL('../../data/minilm/tokenizer.json', import.meta.url);
