/**
 * The fresh-extraction check of `.ci/run`: tools/extract/extract.py wrote a store from a few real dev questions and
 * make_expected.py computed the reference values; this opens the store with the TypeScript reader and checks it.
 * Runs only when `BERTVISION_FRESH_EXPECTED` names the `<prefix>.expected.json` file (skipped otherwise).
 */
import { describe, expect, it } from 'vitest';
import { checkStore } from './check-store.js';

const expectedPath = process.env['BERTVISION_FRESH_EXPECTED'];

describe.skipIf(!expectedPath)('freshly extracted store (BERTVISION_FRESH_EXPECTED)', () => {
  it('has the right shapes, gold-consistent labels and the model last_hidden_state in its last layer', async () => {
    const { windows, exactSpans, outsideWindows } = await checkStore(expectedPath!);
    expect(windows).toBeGreaterThan(0);
    expect(exactSpans).toBeGreaterThan(0);
    // .ci/run uses short windows so that some windows of answerable questions do not hold the answer.
    expect(outsideWindows).toBeGreaterThan(0);
  });
});
