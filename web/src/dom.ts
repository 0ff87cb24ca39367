/** A small hyperscript helper: the console builds its DOM from code, with text never parsed as HTML. */

type Child = Node | string | number | false | null | undefined | Child[];
type Attrs = Record<string, string | number | boolean | EventListener | undefined | null>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'value' && 'value' in el) {
      (el as HTMLInputElement).value = String(value);
    } else if (key === 'checked' && 'checked' in el) {
      (el as HTMLInputElement).checked = Boolean(value);
    } else if (key === 'style') {
      setStyle(el, String(value));
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * Sets `a: b; c: d` property by property through the CSSOM, which the console's content
 * security policy allows; a `style` attribute (or `cssText`) would need 'unsafe-inline'.
 */
function setStyle(el: HTMLElement, declarations: string): void {
  for (const declaration of declarations.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon > 0)
      el.style.setProperty(declaration.slice(0, colon).trim(), declaration.slice(colon + 1).trim());
  }
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else
      parent.appendChild(
        typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c,
      );
  }
}

/** Replaces the children of `el`. */
export function render(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A button that acts on the page (never one that submits a form). */
export const button = (label: string, attrs: Attrs = {}): HTMLButtonElement =>
  h('button', { type: 'button', ...attrs }, label);

/** A column heading: its text or node, or that with attributes of its own (`th` class, say). */
export type Heading = string | Node | { label: string | Node; attrs: Attrs };

/**
 * The console's data table: `<table class="table …">` with one header row of `headings` and a body.
 * `body` is the rows, or a `tbody` the caller keeps to append more rows to; `attrs` go on the
 * table, and an `attrs.class` is added after `table`.
 */
export function dataTable(headings: Heading[], body: Child, attrs: Attrs = {}): HTMLTableElement {
  const { class: extra, ...rest } = attrs;
  return h(
    'table',
    { class: extra ? `table ${extra}` : 'table', ...rest },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        headings.map((c) =>
          typeof c === 'string' || c instanceof Node ? h('th', null, c) : h('th', c.attrs, c.label),
        ),
      ),
    ),
    body instanceof HTMLTableSectionElement && body.tagName === 'TBODY' ? body : h('tbody', null, body),
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function formatTime(iso: string | undefined, lang: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** A short-lived message at the top of the page. */
export function toast(message: string, kind: 'ok' | 'error' = 'ok'): void {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div', { id: 'toasts', 'aria-live': 'polite' });
    document.body.append(host);
  }
  const item = h(
    'div',
    { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    message,
  );
  host.append(item);
  setTimeout(() => item.remove(), 5000);
}
