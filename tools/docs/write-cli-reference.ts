/** Writes docs/cli.md from the commands' help texts. Run: npm run docs:cli */
import { writeFileAtomic } from '../../src/platform/atomic-file.js';
import { cliReferenceMarkdown } from '../../src/cli/reference.js';

await writeFileAtomic(new URL('../../docs/cli.md', import.meta.url).pathname, cliReferenceMarkdown());
console.log('wrote docs/cli.md');
