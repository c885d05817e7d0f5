/** Loading a tokenizer from a `tokenizer.json` file in Node. */
import { readFile, stat } from 'node:fs/promises';
import { FileFormatError } from '../errors.js';
import { tokenizerFromJson, type BertTokenizer } from './tokenizer.js';

/**
 * Load a BERT WordPiece tokenizer from a HF `tokenizer.json`: a file path, the file's text, or its parsed object.
 * A directory path loads `<dir>/tokenizer.json`.
 * @throws FileFormatError naming the file when it cannot be read, is not JSON, or is not a BERT WordPiece tokenizer.
 * @example
 * const tokenizer = await loadTokenizer('models/all-MiniLM-L6-v2/tokenizer.json');
 * tokenizer.encode('Where is it?', 'It is here.').ids; // [101, 2073, 2003, 2009, 1029, 102, 2009, 2003, 2182, 1012, 102]
 */
export async function loadTokenizer(pathOrJson: string | object): Promise<BertTokenizer> {
  if (typeof pathOrJson === 'object' || pathOrJson.trimStart().startsWith('{')) return tokenizerFromJson(pathOrJson);
  let path = pathOrJson;
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) path = `${path.replace(/\/+$/, '')}/tokenizer.json`;
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new FileFormatError(`cannot read the tokenizer: ${(cause as Error).message}`, { file: path, cause });
  }
  return tokenizerFromJson(text, path);
}
