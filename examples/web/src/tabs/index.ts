/** The page's tabs, in order. A new tab is one module in this folder implementing `DemoTab`, added here. */
import type { DemoTab } from '../tab.js';
import { answerTab } from './answer.js';
import { askTab } from './ask.js';
import { dropTab } from './drop.js';
import { trainTab } from './train.js';

/** Every tab of the demo page. */
export const TABS: readonly DemoTab[] = [trainTab, answerTab, askTab, dropTab];
