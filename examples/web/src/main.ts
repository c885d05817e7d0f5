/** Start-up: choose the backend, build the tab strip (keyboard: arrows, Home, End) and mount every tab. */
import { chooseBackend } from './backend.js';
import { createContext } from './context.js';
import { TABS } from './tabs/index.js';

function selectTab(id: string, focus: boolean): void {
  for (const tab of TABS) {
    const button = document.getElementById(`tab-${tab.id}`)!;
    const panel = document.getElementById(`panel-${tab.id}`)!;
    const on = tab.id === id;
    button.setAttribute('aria-selected', String(on));
    button.tabIndex = on ? 0 : -1;
    panel.hidden = !on;
    if (on && focus) button.focus();
  }
}

function buildTabs(): void {
  const list = document.getElementById('tablist')!;
  const panels = document.getElementById('panels')!;
  for (const tab of TABS) {
    const button = document.createElement('button');
    button.type = 'button';
    button.id = `tab-${tab.id}`;
    button.setAttribute('role', 'tab');
    button.setAttribute('aria-controls', `panel-${tab.id}`);
    button.textContent = tab.label;
    button.addEventListener('click', () => selectTab(tab.id, false));
    list.append(button);
    const panel = document.createElement('section');
    panel.id = `panel-${tab.id}`;
    panel.className = 'panel';
    panel.setAttribute('role', 'tabpanel');
    panel.setAttribute('aria-labelledby', `tab-${tab.id}`);
    panel.tabIndex = 0;
    panels.append(panel);
  }
  list.addEventListener('keydown', (event) => {
    const current = TABS.findIndex((t) => document.getElementById(`tab-${t.id}`) === document.activeElement);
    if (current < 0) return;
    const next = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    selectTab(TABS[(next + TABS.length) % TABS.length]!.id, true);
  });
  selectTab(TABS[0]!.id, false);
}

async function start(): Promise<void> {
  buildTabs();
  const badge = document.getElementById('backend')!;
  const choice = await chooseBackend();
  badge.textContent = choice.backend;
  badge.title = [choice.source, ...choice.skipped.map((s) => `skipped ${s.name}: ${s.reason}`)].join('\n');
  document.body.dataset.backend = choice.backend;
  const context = createContext(choice.backend);
  for (const tab of TABS) {
    const panel = document.getElementById(`panel-${tab.id}`)!;
    try {
      await tab.mount(panel, context);
    } catch (error) {
      const message = document.createElement('p');
      message.className = 'error';
      message.setAttribute('role', 'alert');
      message.textContent = `This tab could not start: ${(error as Error).message}`;
      panel.append(message);
    }
  }
  document.body.dataset.ready = 'true';
}

void start();
