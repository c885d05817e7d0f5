/**
 * System file errors become FileAccessErrors that name the file, the action and the problem in words (the tests run
 * as root, where EACCES cannot be provoked, so the mapping is checked on Node's own error objects).
 */
import { describe, expect, it } from 'vitest';
import { FileAccessError, FileFormatError } from '../../src/errors.js';
import { asFileError } from '../../src/platform/file-errors.js';

const systemError = (code: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: raw node message`), { code, errno: -1, syscall: 'open' });

describe('asFileError', () => {
  it.each([
    ['EACCES', 'permission denied'],
    ['ENOENT', 'no such file or directory'],
    ['EISDIR', 'is a directory, expected a file'],
    ['EEXIST', 'already exists'],
    ['ENOSPC', 'no space left on device'],
  ])('%s says %j', (code, words) => {
    const error = asFileError(systemError(code), '/runs/out/model.json', 'read model.json');
    expect(error).toBeInstanceOf(FileAccessError);
    expect((error as FileAccessError).errno).toBe(code);
    expect(String(error)).toBe(`FileAccessError: /runs/out/model.json: cannot read model.json: ${words} (${code})`);
  });

  it('passes typed errors and non-system errors through', () => {
    const typed = new FileFormatError('bad');
    expect(asFileError(typed, '/x', 'read')).toBe(typed);
    const plain = new TypeError('boom');
    expect(asFileError(plain, '/x', 'read')).toBe(plain);
  });
});
