// A list shown a page at a time, newest first, with a "Load more" button that follows
// the answer's _links.next (the cursor). Rows are kept by id: putting a row that is
// there already replaces it in place, so pages, refreshes and live events can overlap.

export class PagedList {
  // key: the name of the array under _embedded; render(item) -> <li>; time(item) -> the
  // ISO instant that orders rows; failed(problem) is told about a page that failed.
  constructor(api, { list, more, empty, key, render, time, failed }) {
    Object.assign(this, { api, list, more, empty, key, render, time, failed });
    this.rows = new Map();  // id -> { item, li }
    this.times = new WeakMap();  // li -> its item's time in ms
    this.next = null;
    this.generation = 0;
    more.onclick = () => this.page(this.next);
  }

  // Drops every row and loads the first page from href.
  reload(href) {
    this.generation += 1;
    this.rows.clear();
    this.list.replaceChildren();
    this.next = null;
    this.more.hidden = true;
    return this.page(href);
  }

  // Loads one page and puts its rows. With refresh, the page is a fresh look at the
  // first page: its rows are merged and the cursor of the pages loaded so far is kept.
  async page(href, { refresh = false } = {}) {
    if (!href) return;
    const generation = this.generation;
    let ok = false;
    this.list.setAttribute('aria-busy', 'true');
    this.more.disabled = true;
    try {
      const body = await this.api.get(href);
      if (generation !== this.generation) return;
      for (const item of body._embedded?.[this.key] ?? []) this.put(item);
      if (!refresh || this.next === null) this.next = body._links?.next?.href ?? null;
      ok = true;
    } catch (problem) {
      if (generation === this.generation) this.failed(problem);
    } finally {
      if (generation === this.generation) {
        this.list.removeAttribute('aria-busy');
        this.more.disabled = false;
        this.more.hidden = !this.next;
        this.empty.hidden = this.rows.size > 0 || !ok;
      }
    }
  }

  get(id) {
    return this.rows.get(id)?.item;
  }

  // Shows item: in place of its old row, or where its time puts it among the rows.
  put(item) {
    const li = this.render(item);
    const at = Date.parse(this.time(item));
    this.times.set(li, at);
    const old = this.rows.get(item.id);
    this.rows.set(item.id, { item, li });
    this.empty.hidden = true;
    if (old) {
      const focused = old.li.contains(document.activeElement);
      old.li.replaceWith(li);
      if (focused) li.querySelector('button, [tabindex]')?.focus();
    }
    else this.list.insertBefore(li, [...this.list.children].find((el) => this.times.get(el) < at) ?? null);
    return li;
  }
}
