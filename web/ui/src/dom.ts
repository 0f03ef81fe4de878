// A tiny element builder: pages are plain DOM, no framework, so the bundle stays small.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | null | undefined>;

/** Creates an element; `on*` attributes that are functions become event listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (typeof value === "function") {
        el.addEventListener(key.slice(2).toLowerCase(), value);
      } else if (key === "value" && "value" in el) {
        (el as HTMLInputElement).value = String(value);
      } else if (key === "checked" && el instanceof HTMLInputElement) {
        el.checked = value === true;
      } else {
        el.setAttribute(key, value === true ? "" : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: (Child | Child[])[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else if (child !== null && child !== undefined && child !== false) {
      el.appendChild(document.createTextNode(String(child)));
    }
  }
}

/** Replaces an element's children. */
export function replace(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/** The red box every page shows when an API call fails. */
export function errorBox(err: unknown): HTMLElement {
  const text = err instanceof Error ? err.message : String(err);
  return h("div", { class: "alert error", role: "alert" }, text);
}

export function badge(text: string, kind: string): HTMLElement {
  return h("span", { class: `badge ${kind}` }, text);
}

/** `{a="1", b="2"}` as one badge per label, as Prometheus's pages show target labels. */
export function labelBadges(labels: Record<string, string>): HTMLElement {
  return h(
    "div",
    { class: "labels" },
    Object.entries(labels).map(([k, v]) => h("span", { class: "label" }, `${k}="${v}"`)),
  );
}
