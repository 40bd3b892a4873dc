// Tabs as the ARIA pattern has them: one tab stop for the tab list, arrow keys, Home
// and End move between tabs and select them (automatic activation).

export class Tabs {
  // onSelect(name) when a tab is selected, by data-tab name, even when selected again.
  constructor(tablist, onSelect) {
    this.tabs = [...tablist.querySelectorAll('[role="tab"]')];
    this.onSelect = onSelect;
    tablist.addEventListener('click', (event) => {
      const tab = event.target.closest('[role="tab"]');
      if (tab) this.select(tab.dataset.tab);
    });
    tablist.addEventListener('keydown', (event) => {
      const at = this.tabs.indexOf(event.target);
      if (at < 0) return;
      const n = this.tabs.length;
      const to = { ArrowRight: at + 1, ArrowLeft: at - 1 + n, Home: 0, End: n - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      const tab = this.tabs[to % n];
      this.select(tab.dataset.tab);
      tab.focus();
    });
  }

  select(name) {
    for (const tab of this.tabs) {
      const selected = tab.dataset.tab === name;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      document.getElementById(tab.getAttribute('aria-controls')).hidden = !selected;
    }
    this.onSelect(name);
  }
}
