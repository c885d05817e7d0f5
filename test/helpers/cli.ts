/** Test helper: run the `bertvision` CLI in-process and capture what it prints. */
import { runCli } from '../../src/cli/run.js';

/** Exit code and captured stdout/stderr of `bertvision ...argv`. */
export async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}
