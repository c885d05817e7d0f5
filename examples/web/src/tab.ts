/** The contract of one tab of the demo page (one module per tab, registered in tabs/index.ts). */
import type { DemoContext } from './context.js';

/** One tab: its id (also the panel's), its label, and how it fills its panel. */
export interface DemoTab {
  /** Short id: `train`, `answer`, … (the tab button is `tab-<id>`, the panel `panel-<id>`). */
  id: string;
  /** What the tab button says. */
  label: string;
  /** Fills `panel`; called once at start-up, in tab order. */
  mount(panel: HTMLElement, context: DemoContext): Promise<void>;
}
