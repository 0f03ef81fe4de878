// Entry point: draws the nav bar and the page for the current path. Each link is a full
// page load of the same index.html; the graph page's code (CodeMirror, uPlot) loads only
// on /graph, so the status pages stay small.

import { apiRoot } from "./api";
import { errorBox, h, replace } from "./dom";
import "./style.css";

type Render = (main: HTMLElement) => void | Promise<void>;

const PAGES: Record<string, { title: string; load: () => Promise<Render> }> = {
  "/graph": { title: "Graph", load: async () => (await import("./pages/graph")).render },
  "/alerts": { title: "Alerts", load: async () => (await import("./pages/rules")).renderAlerts },
  "/rules": { title: "Rules", load: async () => (await import("./pages/rules")).renderRules },
  "/targets": { title: "Targets", load: async () => (await import("./pages/targets")).render },
  "/service-discovery": {
    title: "Service Discovery",
    load: async () => (await import("./pages/sd")).render,
  },
  "/tsdb-status": {
    title: "TSDB Status",
    load: async () => (await import("./pages/status")).renderTSDB,
  },
  "/config": {
    title: "Configuration",
    load: async () => (await import("./pages/status")).renderConfig,
  },
  "/flags": { title: "Flags", load: async () => (await import("./pages/status")).renderFlags },
  "/status": { title: "Status", load: async () => (await import("./pages/status")).renderStatus },
};

const NAV: [string, string][] = [
  ["/graph", "Graph"],
  ["/alerts", "Alerts"],
  ["/rules", "Rules"],
  ["/targets", "Targets"],
  ["/service-discovery", "Service Discovery"],
  ["/tsdb-status", "TSDB Status"],
  ["/config", "Configuration"],
  ["/flags", "Flags"],
  ["/status", "Status"],
];

async function start(): Promise<void> {
  const path = window.location.pathname.slice(apiRoot.length) || "/";
  const nav = document.getElementById("nav")!;
  const main = document.getElementById("page")!;
  replace(
    nav,
    h("a", { class: "brand", href: `${apiRoot}/graph` }, "Argus"),
    NAV.map(([p, text]) =>
      h("a", { href: apiRoot + p, class: p === path ? "active" : null }, text),
    ),
  );
  const page = PAGES[path];
  if (!page) {
    replace(main, h("h1", null, "Not found"), h("p", null, `No page at ${path}.`));
    return;
  }
  document.title = `${page.title} · Argus`;
  try {
    await (
      await page.load()
    )(main);
  } catch (err) {
    replace(main, errorBox(err));
  }
  // The page is usable: tests and the load-time check read this mark.
  performance.mark("argus-ready");
  document.body.dataset.ready = "1";
}

void start();
